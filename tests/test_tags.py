"""Formatting tags are not text (issue 7 item 16; STANDARDS.md: tags never count towards
line width or reading speed): QC, line breaking, multi-language fitting and the dub all
measure the visible text through one helper, and markup players do not know is reported."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, run_cli
from fakes import IdentityTranslator
from scodub.data import Cue, Track
from scodub.langs import get_language
from scodub.mt.localize import localize
from scodub.names.io import load_glossary
from scodub.text.bidi import needs_direction_marks
from scodub.text.linebreak import break_lines, lines_fit, reading_chars, text_width, visible_text
from scodub.text.tags import TAG, strip_tags, unknown_tags

# 40 visible characters on one line: within English's 42, far past it with the tags.
TAGGED_SRT = """1
00:00:01,000 --> 00:00:04,000
{\\an8}<font color="#ffff00"><i>The festival opens in Chongqing today.</i></font>

2
00:00:05,000 --> 00:00:08,000
<b>Zhang Yimou</b> <u>presents</u> <s>his</s> new film.

3
00:00:09,000 --> 00:00:12,000
<span class="x">A line with a tag players may show.</span>
"""


def _write(tmp_path: Path, text: str, name: str = "tagged.en.srt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_visible_text_drops_tags_and_keeps_text() -> None:
    assert visible_text('{\\an8}<font color="#fff"><i>Hi</i></font>') == "Hi"
    assert visible_text("\u202b<i>سلام</i>\u202c") == "سلام"
    # Not tags: '<' before a non-letter, braces without a backslash.
    assert visible_text("I <3 you, a < b > c {laughs}") == "I <3 you, a < b > c {laughs}"
    assert strip_tags("<i>x</i>") == "x"
    assert unknown_tags('<c.yellow>hey</c> <i>ok</i> <span a="1">') == [
        "<c.yellow>",
        "</c>",
        '<span a="1">',
    ]


def test_widths_and_reading_speed_ignore_tags() -> None:
    en, zh = get_language("en"), get_language("zh")
    assert text_width("<i>Hello</i>", en) == 5
    assert text_width("{\\an8}<b>电影节</b>", zh) == 3
    assert reading_chars(["<i>Hello</i>", "{\\an8}world"]) == 10


def test_qc_command_does_not_count_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        ["qc", str(_write(tmp_path, TAGGED_SRT)), "--lang", "en", "--json"], capsys
    )
    assert code == 0, out + err
    report = json.loads(out)
    assert report["summary"]["hard_violations"] == 0
    rules = [(i["cue"], i["rule"]) for i in report["issues"]]
    assert (3, "unknown_tags") in rules and "<span" in report["issues"][-1]["detail"]
    assert all(rule != "chars_per_line" for _, rule in rules)
    # Reading speed is counted on the visible text: 40 characters in 3 s.
    assert report["summary"]["max_cps"] < 16


def test_qc_tags_only_cue_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    srt = _write(tmp_path, "1\n00:00:01,000 --> 00:00:03,000\n<i></i>{\\an8}\n")
    code, out, _ = run_cli(["qc", str(srt), "--lang", "en", "--json"], capsys)
    assert code == 1 and [i["rule"] for i in json.loads(out)["issues"]] == ["empty"]


def test_line_breaking_measures_tagged_text_like_plain_text() -> None:
    en, zh = get_language("en"), get_language("zh")
    plain = "The festival opens in Chongqing today with a gala"
    tagged = f"<i>{plain}</i>"
    assert [strip_tags(line) for line in break_lines(tagged, en)] == list(break_lines(plain, en))
    assert lines_fit(["{\\an8}<i>The festival opens in Chongqing today.</i>"], en)
    chinese = "上海合作组织国家电影节今天在重庆开幕"
    lines = break_lines(f"<i>{chinese}</i>", zh)
    assert "".join(strip_tags(line) for line in lines) == chinese
    assert [strip_tags(line) for line in lines] == list(break_lines(chinese, zh))
    assert "".join(lines) == f"<i>{chinese}</i>"  # no tag is cut in two or lost


def test_rtl_marks_check_looks_past_tags() -> None:
    assert not needs_direction_marks("<i>سلام دنیا</i>")
    assert needs_direction_marks("<i>SCO سلام</i>")


class _Recording(IdentityTranslator):
    seen: list[str]

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        self.seen.extend(texts)
        return super().translate(texts, source, target, n_best=n_best)


@pytest.mark.parametrize(
    ("lines", "opening", "closing", "dropped"),
    [
        (("{\\an8}<i>Zhang Yimou spoke", "in Chongqing.</i>"), "{\\an8}<i>", "</i>", 0),
        (("<i>Thank you,</i>", "<i>my friends.</i>"), "<i>", "</i>", 0),
        (("He said <b>no</b> to it.",), "", "", 2),
        (("<i>Yes</i> and <i>no</i>.",), "", "", 4),  # closed inside: not the cue's
        (("<i>Who is it?</i>", "Me, your friend."), "", "", 2),  # one line's: not carried
        (("<font color=\"#ffff00\">Thank you.</font>",), "<font color=\"#ffff00\">", "</font>", 0),
        # An ASS style switched off inside is not the cue's (all of it came out italic);
        # its position is.
        (("{\\i1}Zhang Yimou{\\i0} spoke.",), "", "", 2),
        (("{\\an8\\b1}Zhang Yimou{\\r} spoke.",), "{\\an8}", "", 1),
        (("{\\an8\\i1}Zhang Yimou spoke.",), "{\\an8\\i1}", "", 0),
    ],
)
def test_translation_reads_plain_text_and_cue_wide_markup_comes_back(
    lines: tuple[str, ...], opening: str, closing: str, dropped: int
) -> None:
    glossary = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")
    source = Track("en", (Cue(1000, 4500, lines), Cue(5000, 7000, ("Plain text.",))), 24.0)
    translator = _Recording()
    translator.seen = []
    result = localize(source, ("en", "ru"), glossary, translator=translator)
    assert translator.seen and not any(TAG.search(t) for t in translator.seen), translator.seen
    first, second = result.tracks["ru"].cues
    assert first.lines[0].startswith(opening) and first.lines[-1].endswith(closing)
    assert len(TAG.findall(first.flat_text)) == len(TAG.findall(opening + closing))
    assert second.lines == ("Plain text.",) or not TAG.search(second.flat_text)
    assert result.reports["ru"].markup_dropped == dropped
    # The source's own words keep every tag where it was, however the lines are broken.
    for track in (result.tracks["en"], result.source):
        first, second = track.cues
        if dropped:  # else the cue-wide markup, as in the translations
            assert TAG.findall(first.flat_text) == TAG.findall(" ".join(lines))
        else:
            assert first.lines[0].startswith(opening) and first.lines[-1].endswith(closing)
        letters = "".join(strip_tags(first.flat_text).split())
        assert letters == "".join(strip_tags(" ".join(lines)).split())
        assert second.lines == ("Plain text.",)
    assert result.reports["en"].markup_dropped == 0


@pytest.mark.parametrize(
    ("lines", "translated", "dropped"),
    [
        (("<i>-Where are you?</i>", "-I'm here, by the door."),
         ("<i>-Where are you?</i>", "-I'm here, by the door."), 0),
        (("-Are you coming?", "-<i>In a minute.</i>"),
         ("-Are you coming?", "-<i>In a minute.</i>"), 0),
        (("<i>-Are you coming?", "-In a minute.</i>"),  # the whole cue's
         ("<i>-Are you coming?", "-In a minute.</i>"), 0),
        (("- <i>Who?</i>", "- Me."), ("-<i>Who?</i>", "-Me."), 0),
        (("-Who <i>is</i> it?", "-Me."), ("-Who is it?", "-Me."), 2),  # between words: dropped
    ],
)
def test_a_speakers_line_keeps_its_own_markup_through_translation(
    lines: tuple[str, ...], translated: tuple[str, ...], dropped: int
) -> None:
    """Each speaker's line of a dual-speaker cue is translated on its own and comes back
    as a line of its own: its italics (a voice off screen) follow it."""
    glossary = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")
    source = Track("en", (Cue(1000, 4500, lines),), 24.0)
    result = localize(source, ("en", "ru"), glossary, translator=IdentityTranslator())
    assert result.tracks["ru"].cues[0].lines == translated
    assert result.reports["ru"].markup_dropped == dropped


@pytest.mark.parametrize(
    ("text", "wrapped", "dropped"),
    [
        ("We saw <i>White Ant</i> at the cinema.",
         {"ru": "<i>Белый муравей</i>", "zh": "<i>白蚁</i>"}, 0),
        ("<b>Zhang Yimou</b> spoke first.", {"ru": "<b>Чжан Имоу</b>", "zh": "<b>张艺谋</b>"}, 0),
        ("We saw <i>White</i> Ant at the cinema.", {}, 2),  # no whole name in the tags
    ],
)
def test_a_name_in_markup_is_wrapped_again_in_every_language(
    text: str, wrapped: dict[str, str], dropped: int
) -> None:
    """A film's title in italics inside a sentence: the name is enforced in each
    translation in its target form, and wrapped there in the same tags."""
    glossary = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")
    source = Track("en", (Cue(1000, 4500, (text,)),), 24.0)
    result = localize(source, ("en", "ru", "zh"), glossary, translator=IdentityTranslator())
    for lang in ("ru", "zh"):
        flat = result.tracks[lang].cues[0].flat_text
        if lang in wrapped:
            assert wrapped[lang] in flat, (lang, flat)
        else:
            assert not TAG.search(flat), flat
        assert result.reports[lang].markup_dropped == dropped
    assert result.tracks["en"].cues[0].flat_text == text  # the source keeps its own tags


def _localized(cues: list[tuple[str, ...]], langs: tuple[str, ...], translator: object = None,
               ) -> Any:
    glossary = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")
    source = Track("en", tuple(Cue(1000 + 5000 * n, 4500 + 5000 * n, lines)
                               for n, lines in enumerate(cues)), 24.0)
    return localize(source, ("en", *langs), glossary,
                    translator=translator or IdentityTranslator())  # type: ignore[arg-type]


def test_names_carried_by_the_cues_markup_are_not_wrapped_twice() -> None:
    """Found in review: a name wrapped by the whole cue's (or a speaker's) markup got its
    tags a second time, nested, and the tags it "restored" hid tags really lost."""
    result = _localized([("<i>White Ant</i>",), ("He <b>really</b> left.",),
                         ("-<i>Zhang Yimou</i>", "-Zhang Yimou?")], ("ru", "ur"))
    ru, ur = result.tracks["ru"].cues, result.tracks["ur"].cues
    assert ru[0].lines == ("<i>Белый муравей</i>",)
    assert ur[0].flat_text.count("<i>") == 1
    assert ru[2].lines == ("-<i>Чжан Имоу</i>", "-Чжан Имоу?")
    assert result.reports["ru"].markup_dropped == result.reports["ur"].markup_dropped == 2


def test_the_same_mention_of_a_name_is_wrapped() -> None:
    result = _localized([("White Ant is not <i>White Ant</i>.",)], ("ru",))
    assert result.tracks["ru"].cues[0].flat_text == "Белый муравей is not <i>Белый муравей</i>."


class _SilentOn(IdentityTranslator):
    def translate(self, texts: Sequence[str], source: str, target: str, *,
                  n_best: int = 1) -> list[list[str]]:
        return [[""] if t.strip() == "Hmm." else [t] for t in texts]


def test_a_dual_cue_laid_out_otherwise_keeps_its_position_and_counts_its_tags() -> None:
    """Found in review: where a speaker's translation comes back empty the cue is no
    longer a line per speaker: the cue's position stays, the speaker's tags are counted."""
    result = _localized([("{\\an8}-Who?", "-<i>Hmm.</i>")], ("ru",), _SilentOn())
    (cue,) = result.tracks["ru"].cues
    assert cue.lines[0].startswith("{\\an8}") and "<i>" not in cue.flat_text
    assert result.reports["ru"].markup_dropped == 2


@pytest.mark.parametrize(
    ("lines", "carried"),
    [
        (("</i>-Who?<i>", "-Me."), False),  # a closing tag first: no wrapping
        (("\u202b-<i>کون؟</i>\u202c", "\u202b-میں۔\u202c"), True),  # RTL marks first
    ],
)
def test_a_speakers_tags_are_a_wrapping_or_nothing(lines: tuple[str, ...], carried: bool) -> None:
    from scodub.text.tags import cue_markup

    mark, _ = cue_markup(lines)
    assert bool(mark.speakers) == carried
    if carried:
        first = mark.wrap(("\u202b-کون؟\u202c", "\u202b-میں۔\u202c"))[0]
        assert first == "\u202b-<i>کون؟</i>\u202c"  # tags inside the embedding


def test_reflow_keeps_every_tag_at_its_letters() -> None:
    from scodub.text.tags import reflow_markup

    tagged = ["He said <i>no</i> to", 'the <font color="#ff0">festival</font>.']
    assert reflow_markup(tagged, ["He said no to the", "festival."]) == (
        "He said <i>no</i> to the",
        '<font color="#ff0">festival</font>.',
    )
    assert reflow_markup(["{\\an8}He <b>said</b>"], ["He", "said"]) == ("{\\an8}He", "<b>said</b>")
    assert reflow_markup(["- <i>Who?</i>", "- Me."], ["-Who?", "-Me."]) == ("-<i>Who?</i>", "-Me.")
    assert reflow_markup(["Yes and no"], ["Yes and yes"]) is None
