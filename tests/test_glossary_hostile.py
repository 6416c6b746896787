"""Hostile glossaries: odd YAML values, invisible and control characters, forms that can
never match, decomposed text, and which edits make a stage run again."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scodub.data import Cue, Track
from scodub.names.io import check_glossary, load_glossary
from scodub.names.termcheck import find_terms
from scodub.stages.glossary import GlossaryRef
from scodub.text.srt import read_srt, write_srt

TERM = "  - id: a\n    kind: person\n    keep: true\n    forms: {en: Alice Moon}\n"


def _write(tmp_path: Path, text: str, name: str = "g.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _problems(path: Path) -> list[tuple[int, str, bool]]:
    return [(i.line, i.problem, i.is_error) for i in check_glossary(path)]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0x1", "unsupported version 0x1; this scodub reads version 1"),  # was a traceback
        ("1:00", "unsupported version 1:00; this scodub reads version 1"),
        ("!!int abc", "unsupported version abc; this scodub reads version 1"),
        ("2", "unsupported version 2; this scodub reads version 1"),
        ("abc", "version must be the number 1, not the text 'abc'"),
        ("[1]", "version must be the number 1, not a list"),  # was a PyYAML node's repr
        ("{a: 1}", "version must be the number 1, not a mapping"),
        ('"1"', None),
        ("1", None),
    ],
)
def test_every_version_value_gets_one_line(tmp_path: Path, value: str, problem: str) -> None:
    path = _write(tmp_path, f"version: {value}\nterms:\n{TERM}")
    assert [(n, p) for n, p, error in _problems(path) if error] == (
        [(1, problem)] if problem else []
    )


def test_control_characters_are_errors_and_invisible_ones_are_removed(tmp_path: Path) -> None:
    """A soft hyphen in a form made the name unfindable as written and findable when
    split; a BEL went into the delivered subtitles. A Persian ZWNJ stays."""
    path = _write(tmp_path, """
        version: 1
        terms:
          - id: alice
            kind: person
            keep: true
            forms: {en: "Ali\\u00adce Mo\\u2060on", ru: "Али\\u034fса\\u180e Мун"}
            variants: {en: ["Alice\\u200d Moon"]}
          - id: bob
            kind: person
            keep: true
            forms: {en: "Bob\\aStone"}
          - id: dariush
            kind: person
            keep: true
            forms: {en: Dariush, fa: "داریوش\\u200cمهرجویی"}
        """)
    problems = _problems(path)
    assert (11, "form (en) 'Bob\\x07Stone' has control characters (U+0007)", True) in problems
    cleaned = {(n, p.split(" has ")[1]) for n, p, error in problems if "invisible" in p}
    assert cleaned == {
        (6, "invisible characters (U+00AD, U+2060; removed)"),
        (6, "invisible characters (U+034F, U+180E; removed)"),
        (7, "invisible characters (U+200D; removed)"),
    }
    path.write_text(path.read_text(encoding="utf-8").replace("\\a", " "), encoding="utf-8")
    glossary = load_glossary(path)
    alice, _, dariush = glossary.terms
    assert (alice.forms["en"], alice.forms["ru"]) == ("Alice Moon", "Алиса Мун")
    assert alice.variants["en"] == ("Alice Moon",)
    assert dariush.forms["fa"] == "داریوش\u200cمهرجویی"
    assert [f.term_id for f in find_terms("We met Alice Moon.", "en", glossary)] == ["alice"]


def test_a_form_without_letters_or_digits_is_an_error(tmp_path: Path) -> None:
    """Such a form is never found in a text, but was used as a recognition hotword."""
    path = _write(tmp_path, """
        version: 1
        terms:
          - id: clapper
            kind: film
            keep: true
            forms: {en: "🎬"}
          - id: bang
            kind: film
            keep: true
            forms: {en: Bang}
            variants: {en: ["!!!"]}
        """)
    assert [(n, p) for n, p, error in _problems(path) if error] == [
        (6, "form '🎬' (en) has no letters or digits: it can never be found in a text"),
        (11, "variant '!!!' (en) has no letters or digits: it can never be found in a text"),
    ]


def test_a_form_of_a_paragraph_is_an_error_and_checked_in_linear_time(tmp_path: Path) -> None:
    """A 1,000-word form took 15-27 s to check (every run of its words, cubic in its
    length), 4,000 words over 7 minutes; now it is an error at once, and forms of
    ordinary length are looked for inside one another only at the lengths forms have."""
    long_form = "Alpha " * 4000
    path = _write(tmp_path, f"""
        version: 1
        terms:
          - id: essay
            kind: film
            keep: true
            forms: {{en: "{long_form.strip()}"}}
          - id: alpha
            kind: film
            keep: true
            forms: {{en: "Alpha Beta"}}
          - id: festival
            kind: festival
            keep: true
            forms: {{en: "The Alpha Beta Film Festival"}}
        """)
    problems = _problems(path)
    assert [(n, error) for n, _, error in problems if error] == [(6, True)]
    assert "has 4000 words" in problems[0][1] and "at most 40 words" in problems[0][1]
    assert any("contains alpha" in p and not error for _, p, error in problems), problems
    # a form without letters (an error of its own) is inside no other form
    path.write_text(path.read_text(encoding="utf-8").replace(long_form.strip(), "!!!"),
                    encoding="utf-8")
    assert not any("contains essay" in p for _, p, _ in _problems(path)), _problems(path)


@pytest.mark.parametrize(
    ("keep", "error"), [("yes", False), ("off", False), ("!!bool maybe", True), ("[1]", True)]
)
def test_keep_is_true_or_false_and_empty_notes_are_allowed(
    tmp_path: Path, keep: str, error: bool
) -> None:
    path = _write(tmp_path, f"version: 1\nterms:\n  - id: a\n    kind: person\n    keep: {keep}\n"
                  "    notes: ''\n    forms: {en: Alice}\n")  # fmt: skip
    errors = [(n, p) for n, p, is_error in _problems(path) if is_error]
    assert errors == ([(5, "keep must be true or false")] if error else [])


def test_a_decomposed_srt_is_read_composed(tmp_path: Path) -> None:
    """macOS tools write NFD: "Zoé" as e + U+0301 was not the glossary's "Zoé"."""
    srt = tmp_path / "nfd.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nI met Zoe\u0301 Mu\u0308ller.\n",
                   encoding="utf-8")  # fmt: skip
    track = read_srt(srt, "en")
    assert track.cues[0].lines == ("I met Zoé Müller.",)
    path = _write(tmp_path, """
        version: 1
        terms:
          - id: zoe
            kind: person
            keep: true
            forms: {en: Zoé Müller}
        """)
    assert [f.term_id for f in find_terms(track.cues[0].flat_text, "en", load_glossary(path))] == [
        "zoe"
    ]
    write_srt(Track("en", (Cue(0, 900, ("e\u0301",)),)), tmp_path / "out.srt")
    assert read_srt(tmp_path / "out.srt", "en").cues[0].lines == ("é",)


def test_only_what_a_stage_uses_changes_its_key(tmp_path: Path) -> None:
    """Any edit of a glossary file, a comment included, transcribed the film again."""
    text = textwrap.dedent("""
        version: 1
        terms:
          - id: alice
            kind: person
            forms: {en: Alice Moon, ru: Алиса Мун}
            notes: the director
        """).lstrip("\n")
    path = tmp_path / "g.yaml"

    def keys(source: str) -> tuple[str, str, str]:
        path.write_text(source, encoding="utf-8")
        ref = GlossaryRef.of((path,))
        return ref.terms_key("en"), ref.terms_key("ru"), ref.terms_key()

    en, ru, every = keys(text)
    assert keys(text + "# a comment\n") == (en, ru, every)
    assert keys(text.replace("the director", "she directed it")) == (en, ru, every)
    changed = keys(text.replace("Алиса Мун", "Элис Мун"))
    assert changed[0] == en and changed[1] != ru and changed[2] != every
    assert keys(text.replace("Alice Moon", "Alice Mun"))[0] != en
    assert keys(text.replace("person", "film"))[0] != en
