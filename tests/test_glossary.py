"""Glossary format, loader, checker and the festival glossary (glossaries/*.yaml)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scodub.errors import GlossaryError
from scodub.langs import LANGUAGES
from scodub.names.glossary import TERM_KINDS, Glossary
from scodub.names.io import GlossaryIssue, check_glossary, load_glossaries, load_glossary
from scodub.names.rules import foreign_letters, match_key
from scodub.scripts import script_of

ROOT = Path(__file__).resolve().parents[1]
FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"

# Every proper name in the five seed articles (../shared/seeds) that the festival glossary
# must know, as the articles spell them. Deliberately absent: country names, nationalities,
# continents and page furniture (glossaries/README.md, "Left out on purpose").
SEED_NAMES = [
    # people
    "Zhang Yimou", "Jia Zhangke", "Dai Mo", "Hai Qing", "Jiang Haiyang", "Ma Ping",
    "Chen Liang", "Fan Lin", "Tan Yingzi", "Deng Rui", "Samina Farzin", "Muhammad Usama",
    "Daler Rakhmatov", "Onondorj Dashdondog", "Chris Bremble", "Irfan Malik",
    "Umair Nasir Ali", "Nadeem Mandviwalla", "Alesya Rulkova", "Marat Asanaliev",
    "Aditya Lenka", "Bridget Yang",
    # the short references the articles use for some of them
    "Farzin", "Daler", "Irfan", "Malik", "Ali", "Mandviwalla",
    # films and shows
    "The Legend of Maula Jatt", "White Ant", "Nayab", "Resurrection", "Coke Studio",
    # awards
    "Golden Camellia Awards", "Special Prize of the Jury Award",
    # festivals, events, the theme
    "SCO Film Festival", "Shanghai Cooperation Organization (SCO) Film Festival",
    "Shanghai Cooperation Organisation (SCO) Film Festival",
    "Shanghai Cooperation Organization Film Festival", "Cannes Film Festival",
    "Minsk International Film Festival", "Listapad", "SCO Film Festival CineTech Expo",
    "Film and Television Technology Exhibition", "FilmMart",
    "Technology & Film · Charm of the SCO", "Technology and Film, Charms of the SCO",
    # organisations, companies, media
    "SCO", "Shanghai Cooperation Organization", "Shanghai Cooperation Organisation", "PEMRA",
    "Pakistan Electronic Media Regulatory Authority",
    "Directorate of Electronic Media & Publications", "Mongolian National Film Council",
    "Department of Cinematography of Kyrgyzstan", "China Film Association",
    "Digital Production Working Committee", "China Film Group", "AI Research Institute",
    "Dawa (Chongqing) Imaging Technology", "Dawa", "Dawa Future (Chongqing) Imaging Technology",
    "Base FX", "Base FX Studio", "Marvel", "Aryfilms", "CGTN", "China Daily", "Reuters",
    "StratNews Global",
    # places
    "Chongqing", "Yongchuan District", "Yongchuan", "Yongchuan Science and Technology Studio",
    "Yongchuan Technology Studio", "Western Film Studio",
    "Yongchuan International Convention and Exhibition Center", "Islamabad", "Karachi",
    "Singapore", "Minsk", "Cannes", "Eurasia", "Central Asia",
]


@pytest.fixture(scope="module")
def festival() -> Glossary:
    return load_glossary(FESTIVAL)


@pytest.fixture(scope="module")
def festival_issues() -> list[GlossaryIssue]:
    return check_glossary(FESTIVAL)


def write(tmp_path: Path, text: str, name: str = "g.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, marker: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``marker``."""
    hits = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if marker in line]
    return hits[nth - 1]


def by_line(issues: list[GlossaryIssue]) -> dict[int, str]:
    """All problems reported on each line, joined (a line may carry several)."""
    out: dict[int, str] = {}
    for issue in issues:
        out[issue.line] = (out[issue.line] + " | " if issue.line in out else "") + issue.problem
    return out


def errors(path: Path) -> list[GlossaryIssue]:
    return [i for i in check_glossary(path) if i.is_error]


def warnings(path: Path) -> list[GlossaryIssue]:
    return [i for i in check_glossary(path) if not i.is_error]


# ---------------------------------------------------------------- the festival glossary


def test_festival_glossary_has_no_errors(festival_issues: list[GlossaryIssue]) -> None:
    assert [str(i) for i in festival_issues if i.is_error] == []


def test_festival_glossary_lacks_only_the_unconfirmed_chinese_names(
        festival_issues: list[GlossaryIssue]) -> None:
    missing = {i.term: i.problem for i in festival_issues if i.problem.startswith("no form")}
    assert set(missing) == {"fan-lin", "deng-rui"}
    assert all(p.startswith("no form for zh ") for p in missing.values())


def test_every_seed_name_is_an_english_form_or_variant(festival: Glossary) -> None:
    english = {match_key(f) for term in festival.terms for f in term.accepted("en")}
    assert [name for name in SEED_NAMES if match_key(name) not in english] == []


def test_festival_glossary_counts(festival: Glossary) -> None:
    counts = {kind: sum(t.kind == kind for t in festival.terms) for kind in TERM_KINDS}
    assert counts == {"person": 22, "film": 5, "award": 2, "place": 11, "organisation": 18,
                      "festival": 6}
    assert festival.sources == (str(FESTIVAL),)


def test_term_lines_point_at_their_entries(festival: Glossary) -> None:
    lines = FESTIVAL.read_text(encoding="utf-8").splitlines()
    for term in festival.terms:
        assert lines[term.line - 1].strip() == f"- id: {term.id}"
        assert term.source_file == str(FESTIVAL)


def test_keep_terms_use_the_source_form_unless_a_language_has_its_own(
        festival: Glossary) -> None:
    marvel, bridget = festival.by_id("marvel"), festival.by_id("bridget-yang")
    assert marvel is not None and bridget is not None
    assert (marvel.form("ru"), marvel.form("zh"), marvel.form("kk")) == ("Marvel", "漫威", "Marvel")
    assert (bridget.form("zh"), bridget.form("ru")) == ("Bridget Yang", "Бриджит Ян")
    assert next(iter(marvel.forms)) == "en"  # source first, whatever the YAML order


def test_festival_forms_follow_the_per_language_conventions(festival: Glossary) -> None:
    uzbek = [t.forms["uz"] for t in festival.terms if "uz" in t.forms]
    assert not [f for f in uzbek if set(f) & set("'‘’`")]
    assert any("\u02bb" in f for f in uzbek) and any("\u02bc" in f for f in uzbek)
    for lang in ("fa", "ur"):
        arabic = [t.id for t in festival.terms if set(t.forms.get(lang, "")) & set("يكى")]
        assert arabic == [], lang
    assert not [t.id for t in festival.terms if "\u0647" in t.forms.get("ur", "")]
    assert not [t.id for t in festival.terms if set(t.forms.get("tg", "")) & set("цщыь")]
    assert festival.by_id("zhang-yimou").form("be") == "Чжан Імоу"  # type: ignore[union-attr]
    assert "\u200c" in festival.by_id("chongqing").form("fa")  # type: ignore[union-attr,operator]


# ---------------------------------------------------------------- scripts


_SCRIPT_OF_LANG = {code: lang.script for code, lang in LANGUAGES.items()}


def test_char_script_treats_digits_punctuation_and_modifiers_as_neutral() -> None:
    assert [script_of(c) for c in "Aя中अب"] == ["Latin", "Cyrillic", "Han", "Devanagari",
                                                  "Arabic"]
    assert {script_of(c) for c in "1 -·«»()ʻʼ\u200c\u0301"} == {None}
    assert foreign_letters("Лiстапад", "Cyrillic") == {"Latin": ["i"]}


def _alphabet(lang: str) -> str:
    text = "".join(f for t in load_glossary(FESTIVAL).terms for f in t.accepted(lang)
                   if not t.keep)
    return "".join(sorted(set(text)))


_ALPHABETS = {code: _alphabet(code) for code in LANGUAGES}


@settings(deadline=None)  # a property, not a timing: the machine may be loaded
@given(st.sampled_from(sorted(LANGUAGES)), st.data())
def test_a_letter_from_another_script_is_always_found(lang: str, data: st.DataObject) -> None:
    text = data.draw(st.text(alphabet=_ALPHABETS[lang], min_size=1, max_size=30))
    assert foreign_letters(text, _SCRIPT_OF_LANG[lang]) == {}
    other = data.draw(st.sampled_from([c for c in LANGUAGES
                                       if _SCRIPT_OF_LANG[c] != _SCRIPT_OF_LANG[lang]]))
    letter = data.draw(st.sampled_from([c for c in _ALPHABETS[other] if script_of(c)]))
    at = data.draw(st.integers(0, len(text)))
    found = foreign_letters(text[:at] + letter + text[at:], _SCRIPT_OF_LANG[lang])
    assert found == {_SCRIPT_OF_LANG[other]: [letter]}


# ---------------------------------------------------------------- bad input, with lines


def test_invalid_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: person
            forms: {en: Foo}
            notes: see: here
        """)
    [issue] = check_glossary(path)
    assert issue.is_error and issue.line == line_of(path, "see: here") == 6
    assert issue.problem.startswith("not valid YAML")
    with pytest.raises(GlossaryError) as raised:
        load_glossary(path)
    assert raised.value.line == 6 and raised.value.path == path
    assert str(raised.value).startswith(f"{path}:6: not valid YAML")


def test_unclosed_quote_names_where_it_started(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: person
            forms:
              en: "Foo
              ru: Фу
        """)
    [issue] = check_glossary(path)
    assert f"(line {line_of(path, 'en: ')})" in issue.problem


def test_not_utf8_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1\nterms:\n  - id: a\n    forms: {en: Caf\xe9}\n".encode("latin-1"))
    [issue] = check_glossary(path)
    assert (issue.line, issue.is_error) == (4, True) and "UTF-8" in issue.problem
    [missing] = check_glossary(tmp_path / "nope.yaml")
    assert missing.line == 0 and "cannot read" in missing.problem
    assert str(missing).startswith(f"{tmp_path / 'nope.yaml'}: error: -: cannot read")
    with pytest.raises(GlossaryError):
        load_glossary(tmp_path / "nope.yaml")


def test_format_errors_name_the_line_and_the_valid_choices(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: good
            kind: persn
            forms: {en: Good}
          - kind: film
            forms: {en: No Id}
          - id: NoSlug
            kind: film
          - id: typo
            kind: place
            forms: {en: Typo}
            alias: [x]
          - id: dup-key
            kind: place
            forms:
              en: One
              en: Two
          - id: bad-keep
            kind: place
            keep: maybe
            forms: {en: Keep}
        """)
    found: dict[tuple[str, int], str] = {}
    for i in errors(path):
        found[(i.term, i.line)] = found.get((i.term, i.line), "") + i.problem + " | "
    assert found[("good", line_of(path, "persn"))] == (
        "unknown kind 'persn'; valid kinds: " + ", ".join(TERM_KINDS) + " | ")
    assert "no id" in found[("#2", line_of(path, "kind: film"))]
    assert "slug" in found[("NoSlug", line_of(path, "NoSlug"))]
    assert "no forms" in found[("NoSlug", line_of(path, "NoSlug"))]
    assert found[("typo", line_of(path, "alias:"))].startswith("term: unknown key 'alias'")
    assert "duplicate key 'en' (first at line" in found[("dup-key", line_of(path, "en: Two"))]
    assert found[("bad-keep", line_of(path, "maybe"))] == "keep must be true or false | "


def test_unknown_language_code_lists_the_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: zhang-yimou
            kind: person
            forms:
              en: Zhang Yimou
              cn: 张艺谋
              rus: Чжан Имоу
        """)
    found = by_line(errors(path))
    assert found[line_of(path, "cn:")] == (
        "forms: unknown language code 'cn'; valid codes: " + ", ".join(LANGUAGES))
    assert "unknown language code 'rus' (write 'ru')" in found[line_of(path, "rus:")]


def test_empty_forms_and_missing_languages(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: person
            forms:
              en: ""
              ru: Аа
          - id: b
            kind: person
            forms:
              en: Bee
              ru:
            variants:
              ru: ["  "]
          - id: c
            kind: person
            forms: {ru: Си}
        """)
    found = {(i.term, i.line): i.problem for i in errors(path)}
    assert found == {
        ("a", line_of(path, 'en: ""')): "form (en) is empty",
        ("b", line_of(path, "ru:", 2)): "form (ru) is empty",
        ("b", line_of(path, 'ru: ["  "]')): "variant (ru) is empty",
        ("c", line_of(path, "id: c")):
            "no form in the source language (en); every term needs one",
    }
    [missing] = [i for i in warnings(path) if i.term == "b"]
    assert missing.problem.startswith("no form for zh, ru, hi, ur, fa, kk, ky, tg, uz, be")


def test_duplicate_ids_and_overlapping_forms(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: zhang-yimou
            kind: person
            forms: {en: Zhang Yimou, ru: Чжан Имоу}
          - id: zhang-yimou
            kind: person
            forms: {en: Zhang Yimou Junior}
          - id: other
            kind: person
            forms:
              en: Other Person
              ru: чжан имоу
          - id: third
            kind: person
            forms: {en: Third}
            aliases: [zhang yimou]
        """)
    found = {(i.term, i.line): i.problem for i in errors(path)}
    assert found[("zhang-yimou", line_of(path, "id: zhang-yimou", 2))] == (
        "duplicate id (first at line 3)")
    overlap = found[("other", line_of(path, "ru: чжан имоу"))]
    assert overlap.startswith("'чжан имоу' (ru) is also a form of zhang-yimou (line 5)")
    assert "is also a form of zhang-yimou" in found[("third", line_of(path, "aliases:"))]
    [inside] = [i for i in warnings(path) if "'Zhang Yimou' in 'Zhang Yimou Junior'" in i.problem]
    assert (inside.term, inside.line) == ("zhang-yimou", line_of(path, "id: zhang-yimou", 2))
    assert inside.problem.startswith("contains zhang-yimou (")


def test_containment_counts_whole_words_and_any_han_substring(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: ali
            kind: person
            forms: {en: Ali, zh: 阿里}
          - id: asanaliev
            kind: person
            forms: {en: Marat Asanaliev, zh: 阿里巴巴}
        """)
    [inside] = [i for i in warnings(path) if "contains" in i.problem]
    assert inside.term == "asanaliev" and "; zh)" in inside.problem  # not en: "ali" is mid-word


def test_wrong_script_is_an_error_unless_kept(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: zhang-yimou
            kind: person
            forms:
              en: Zhang Yimou
              ru: Чжан Imou
              ur: Жанг یی مو
              zh: Zhang Yimou
              be: Лiстапад
              hi: झांग 12
          - id: marvel
            kind: organisation
            keep: true
            forms: {en: Marvel, zh: 漫威, hi: Marvel}
          - id: lookalike
            kind: organisation
            keep: true
            forms: {en: Маrvel}
        """)
    found = by_line(errors(path))
    assert "has Latin letters 'I' (U+0049)" in found[line_of(path, "ru: Чжан Imou")]
    assert "Russian is written in Cyrillic" in found[line_of(path, "ru: Чжан Imou")]
    assert "has Cyrillic letters 'Ж'" in found[line_of(path, "ur:")]
    assert "Chinese is written in Han" in found[line_of(path, "zh: Zhang Yimou")]
    assert "mixes Cyrillic and Latin letters" in found[line_of(path, "be: Лiстапад")]
    assert "mixes Cyrillic and Latin letters" in found[line_of(path, "en: Маrvel")]
    assert line_of(path, "hi: झांग 12") not in found  # digits are neutral
    assert not [i for i in errors(path) if i.term == "marvel"]


def test_language_specific_letters_are_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: place
            forms:
              en: A
              fa: كيف
              ur: کراچہ ه
              uz: Oʻzbek ma'no
              tg: Цзя
              zh: 阿\u30fb里
              be: Мінск и
            variants:
              uz: [O'zbek]
        """)
    found = by_line(warnings(path))
    assert "Arabic letter 'ي' (U+064A); fa uses ی (U+06CC)" in found[line_of(path, "fa:")]
    assert "Arabic heh" in found[line_of(path, "ur:")]
    assert "tutuq belgisi" in found[line_of(path, "uz: Oʻzbek")]
    assert line_of(path, "uz: [O'zbek]") not in found  # variants may hold other spellings
    assert "left the Tajik alphabet" in found[line_of(path, "tg:")]
    assert "Chinese uses '·' (U+00B7)" in found[line_of(path, "zh:")]
    assert "not Belarusian" in found[line_of(path, "be:")]


def test_invisible_marks_and_spaces_are_cleaned_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: place
            keep: true
            forms:
              en: "  Karachi   City "
              ur: "\u200fکراچی"
        """)
    assert {i.line for i in warnings(path)} == {line_of(path, "en:"), line_of(path, "ur:")}
    term = load_glossary(path).terms[0]
    assert (term.forms["en"], term.forms["ur"]) == ("Karachi City", "کراچی")


def test_load_raises_on_the_first_error_and_counts_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: person
            forms: {en: A, xx: B}
          - id: a
            kind: nobody
            forms: {en: C}
        """)
    with pytest.raises(GlossaryError) as raised:
        load_glossary(path)
    assert raised.value.line == 5
    assert "a: forms: unknown language code 'xx'" in raised.value.problem
    assert raised.value.problem.endswith("(and 2 more errors; run scodub glossary check)")


def test_top_level_problems(tmp_path: Path) -> None:
    empty = write(tmp_path, "", "empty.yaml")
    [issue] = check_glossary(empty)
    assert (issue.line, issue.is_error) == (1, True) and issue.problem.startswith("empty file")
    path = write(tmp_path, """
        version: 2
        source_language: klingon
        term: []
        """)
    problems = by_line(errors(path))
    assert problems[1].startswith("unsupported version 2;")
    assert problems[2].startswith("source_language: unknown language code 'klingon'")
    assert problems[3].startswith("the top level: unknown key 'term'")
    assert any("no terms" in p for p in problems.values())


def test_source_language_other_than_english(tmp_path: Path) -> None:
    path = write(tmp_path, """
        version: 1
        source_language: ru
        terms:
          - id: zhang-yimou
            kind: person
            keep: true
            forms: {en: Zhang Yimou, ru: Чжан Имоу}
          - id: no-russian
            kind: person
            forms: {en: Only English}
        """)
    found = {i.term: i.problem for i in errors(path)}
    assert found == {"no-russian": "no form in the source language (ru); every term needs one"}
    term = load_glossaries([write(tmp_path, """
        version: 1
        source_language: ru
        terms:
          - id: zhang-yimou
            kind: person
            keep: true
            forms: {en: Zhang Yimou, ru: Чжан Имоу}
        """, "ru.yaml")]).terms[0]
    assert next(iter(term.forms)) == "ru" and term.form("kk") == "Чжан Имоу"


# ---------------------------------------------------------------- several files


def test_later_files_win_by_id_and_by_source_form(tmp_path: Path) -> None:
    base = write(tmp_path, """
        version: 1
        terms:
          - id: resurrection
            kind: film
            keep: true
            forms: {en: Resurrection, zh: 狂野时代}
          - id: nayab
            kind: film
            keep: true
            forms: {en: Nayab}
            aliases: [Nayaab, Nyab]
          - id: white-ant
            kind: film
            keep: true
            forms: {en: White Ant}
            variants: {en: [Termite]}
          - id: kept
            kind: place
            keep: true
            forms: {en: Kept}
        """, "festival.yaml")
    film = write(tmp_path, """
        version: 1
        terms:
          - id: resurrection
            kind: film
            keep: true
            forms: {en: Resurrection, zh: 复活}
          - id: nayab-character
            kind: person
            keep: true
            forms: {en: Nayab Khan}
            aliases: [Nyab]
          - id: termite
            kind: person
            keep: true
            forms: {en: Termite}
        """, "film.yaml")
    merged = load_glossaries([base, film])
    assert merged.sources == (str(base), str(film))
    assert [t.id for t in merged.terms] == ["resurrection", "nayab", "kept", "nayab-character",
                                            "termite"]
    resurrection = merged.by_id("resurrection")
    assert resurrection is not None and resurrection.form("zh") == "复活"
    assert resurrection.source_file == str(film) and resurrection.line == 3
    nayab = merged.by_id("nayab")
    assert nayab is not None and nayab.aliases == ("Nayaab",)  # "Nyab" now means the character
    assert merged.by_id("white-ant") is None  # its variant "Termite" is a later term's form
    assert [t.id for t in load_glossaries([film, base]).terms] == [
        "resurrection", "nayab-character", "nayab", "white-ant", "kept"]


def test_merging_refuses_an_invalid_file(tmp_path: Path) -> None:
    good = write(tmp_path, "version: 1\nterms:\n  - {id: a, kind: place, keep: true, "
                 "forms: {en: A}}\n", "good.yaml")
    bad = write(tmp_path, "version: 1\nterms:\n  - {id: b, kind: plaice, forms: {en: B}}\n",
                "bad.yaml")
    with pytest.raises(GlossaryError) as raised:
        load_glossaries([good, bad])
    assert raised.value.path == bad and raised.value.line == 3


# ---------------------------------------------------------------- command line


def test_cli_check_prints_issues_and_sets_the_exit_status(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scodub.cli.glossary import glossary

    runner = CliRunner()
    ok = runner.invoke(glossary, ["check", str(FESTIVAL), "--errors-only"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("1 file checked: 0 errors, 16 warnings")
    bad = write(tmp_path, """
        version: 1
        terms:
          - id: a
            kind: person
            forms: {en: A, ru: Ivan}
        """)
    result = runner.invoke(glossary, ["check", str(bad), str(FESTIVAL)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{bad}:3: warning: a: no form for zh, hi,")
    assert lines[1].startswith(f"{bad}:5: error: a: form 'Ivan' (ru) has Latin letters 'I'")
    assert lines[-1].startswith("2 files checked: 1 error, ")
    as_json = json.loads(runner.invoke(glossary, ["check", "--json", str(bad)]).output)
    assert as_json["errors"] == 1
    assert [(i["line"], i["severity"]) for i in as_json["issues"]] == [(3, "warning"),
                                                                       (5, "error")]


def test_cli_show_lists_forms(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scodub.cli.glossary import glossary

    runner = CliRunner()
    result = runner.invoke(glossary, ["show", str(FESTIVAL), "--lang", "ru,zh",
                                      "--kind", "person"])
    assert result.exit_code == 0, result.output
    assert "Чжан Имоу" in result.output and "张艺谋" in result.output
    assert "Marvel" not in result.output and result.output.rstrip().endswith(
        f"22 terms from {FESTIVAL}")
    data = json.loads(runner.invoke(glossary, ["show", str(FESTIVAL), "--json",
                                               "--lang", "zh"]).output)
    marvel = next(t for t in data if t["id"] == "marvel")
    assert marvel["forms"] == {"zh": "漫威"} and marvel["keep"] is True
    bad = write(tmp_path, "version: 1\nterms: [{id: a, kind: x, forms: {en: A}}]\n")
    failed = runner.invoke(glossary, ["show", str(bad)])
    assert isinstance(failed.exception, GlossaryError)
