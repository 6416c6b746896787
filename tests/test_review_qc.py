"""The review page's live checker (``assets/qc.js``) against ``scodub qc``, in Chromium.

Every rule of ``scodub.text.qc.RULES`` is re-checked in the page as an editor types; the
page must find what ``check_track`` finds, rule by rule, measured the same. Generated
tracks (hypothesis) mix what breaks the rules and what trips up a port: right-to-left
and CJK text, direction marks, known and unknown tags, numbers in several digit sets,
speaker dashes, Python's whitespace (which JavaScript's ``\\s`` is not), times near the
gap and shot-change limits, two known speakers. The page here is the checker alone, with
the data ``scodub review`` writes (``rules_export``, ``unicode_tables``), so the test
needs no run.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from review_browser import open_page
from scodub.data import Cue, Track
from scodub.names.io import load_glossary
from scodub.review.page import vtt_line
from scodub.review.pagedata import glossary_cells
from scodub.review.rules import cell_issues, rules_export, unicode_tables
from scodub.review.terms import glossary_export
from scodub.text.qc import RULES

FPS = 23.976
FILM_MS = 18_500  # the EVERY_RULE English track runs past it
LANGS = ("en", "ru", "zh", "fa", "ar", "ur", "hi", "uz")
GLOSSARY = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")
#: The run repaired this term in Russian: present, it counts as repaired, not a plain hit.
REPAIRED = {"ru": {"zhang-yimou"}}

#: Pieces of hostile subtitle text: scripts, marks, tags, numbers, dashes, odd spaces.
PIECES = (
    "Hello", "world.", "Ten", "of", "clubs", "Привет,", "мир", "我们", "今天", "电影节",
    "上海。", "ABC", "سلام", "فیلم", "جدید", "مرحبا", "Zhang", "Yimou", "I", "am",
    "5", "10", "12", "05", "99", "100", "2025", "1.5", "10:30", "5-10", "$5", "7,",
    "(3)", "\"4\"", "¿2?", "¡9!", "1st", "pm", "p.m.", "km", "percent", "3.", "8!",
    "۲۰۲۵", "٣", "۵", "²", "①", "१०", "٤٢.",
    "<i>", "</i>", "<b>x</b>", "<span>", "</span>", "<c.yellow>", "<font color=red>",
    "</font>", "<3", "a < b", "{\\an8}", "{laughs}", "<I>", "<Font\tsize=2>",
    "-", "- ", "--", "-Yes", "-No.", "—", "\u200f", "\u200e", "\u202b", "\u202c",
    "\u2067", "\u2069", "\u00a0", "\u3000", "\x1c", "\x85", "\ufeff", "\t", "…", "?",
    "A line that is far too long for any subtitle anywhere",
    "the", "Mr.", "Dr", "and", "«Yes", "Dashwood", "ПРИВЕТ", "ſ", "Straße", "İ",
)  # fmt: skip
JOINERS = (" ", " ", " ", "", "\n")


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=9))
    out = ""
    for part in parts:
        out += draw(st.sampled_from(JOINERS)) + part if out else part
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[list[Any]], list[list[str]], list[int]]:
    lang = draw(st.sampled_from(LANGS))
    count = draw(st.integers(1, 6))
    cells: list[list[Any]] = []
    t = draw(st.integers(0, 2000))
    for _ in range(count):
        t += draw(st.sampled_from((0, 40, 83, 84, 85, 125, 500, 2000)) | st.integers(-300, 600))
        duration = draw(st.sampled_from((400, 833, 834, 3000, 7000, 7001)) | st.integers(0, 9000))
        start = max(0, t)
        cells.append([start, start + duration, draw(texts())])
        t = start + duration
    speakers = [draw(st.sampled_from(([], ["S1"], ["S1", "S2"]))) for _ in cells]
    near = [c[i] + draw(st.integers(-700, 700)) for c in cells for i in (0, 1)]
    cuts = draw(st.lists(st.sampled_from(near), max_size=4)) if draw(st.booleans()) else []
    return lang, cells, speakers, [max(0, c) for c in cuts]


def _python(lang: str, cells: list[list[Any]], speakers: list[list[str]], cuts: list[int]) -> Any:
    track = Track(lang, tuple(Cue(a, b, tuple(text.split("\n"))) for a, b, text in cells))
    return cell_issues(track, FPS, cuts, speakers, FILM_MS)


def _rounded(issues: list[list[Any]]) -> list[list[Any]]:
    """The page's measures rounded as the Python side rounds them (round(x, 2))."""
    return [[i, rule, round(m, 2), round(lim, 2), detail] for i, rule, m, lim, detail in issues]


@pytest.fixture(scope="module")
def checker(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("qcpage")
    for name in ("qc.js", "terms.js"):
        asset = (resources.files("scodub.review") / "assets" / name).read_text(encoding="utf-8")
        (folder / name).write_text(asset, encoding="utf-8")
    data = {
        "qc": rules_export(LANGS, FPS, film_ms=FILM_MS),
        "unicode": unicode_tables(),
        "glossary": glossary_export(GLOSSARY, LANGS, REPAIRED),
    }
    (folder / "data.js").write_text(f"window.DATA = {json.dumps(data)};", encoding="utf-8")
    (folder / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><body>qc<script src="data.js"></script>'
        '<script src="qc.js"></script><script src="terms.js"></script><script>'
        "window.QC = ScodubQC.create(DATA.qc, DATA.unicode); window.TERMS = "
        "ScodubTerms.create(DATA.glossary); document.body.dataset.ready = '1';</script></body>",
        encoding="utf-8",
    )
    page, log = open_page(browser, (folder / "index.html").as_uri(), folder.as_uri())
    yield page
    assert not log.errors, log.errors
    page.context.close()


def _javascript(page: Any, lang: str, cells: Any, speakers: Any, cuts: Any) -> Any:
    return page.evaluate(
        "([cells, code, speakers, cuts]) => QC.checkTrack(cells, code, speakers, cuts)",
        [cells, lang, speakers, cuts],
    )


#: Hand-picked cells that together break every rule at least once.
EVERY_RULE: tuple[tuple[str, list[list[Any]], list[list[str]], list[int]], ...] = (
    ("en", [[0, 500, "Too short!!"], [560, 9000, "A line far too long for any subtitle at all, "
     "really\nand two\nthree"], [9100, 9900, "  "], [9800, 11000, "Overlaps."],
     [11500, 13000, "Short\nlines"], [10000, 12000, "Out of <span>order</span>, 5 times."],
     [13000, 15000, "-Yes.\n- No."], [15100, 17000, "Who?\nMe."], [17600, 19000, "-based on"],
     [19100, 22000, "We met the\nfestival director today."]],
     [[], [], [], [], [], [], [], ["S1", "S2"], [], []], [10010, 11400, 15380, 17650]),
    ("zh", [[0, 1000, "我们今天在上海电影节上见面了，大家好欢迎"], [1100, 3000, "Zhang Yimou 来了"],
     [3090, 4000, "好"], [4100, 6000, "我们今天去北京看\n电影了好不好啊朋"],
     [6100, 8000, "我们昨天看了Star\nWars很好"], [8100, 9000, "我们昨天看了１\n２部"],
     [9100, 11000, "我真的非常非常喜欢这部电影你们呢❤️\n我们👍🏽q\u0307看了"]], [], []),
    ("fa", [[0, 2000, "Zhang Yimou آمد."], [2300, 4000, "\u202bفیلم جدید ۲۰۲۵\u202c"],
     [4100, 6000, "سلام 2025"], [6050, 7000, "\u200fسلام."], [7100, 9000, "\u202aSCO فیلم.\u202c"],
     [9200, 11000, "\u200eفیلم را دیدیم\u202c"], [11500, 13000, "\u2067SCO فیلم.\u2069"]], [], []),
)  # fmt: skip


def test_every_rule_is_checked_live_like_scodub_qc(checker: Any) -> None:
    broken: set[str] = set()
    for lang, cells, speakers, cuts in EVERY_RULE:
        python = _python(lang, cells, speakers, cuts)
        assert _rounded(_javascript(checker, lang, cells, speakers, cuts)) == python, lang
        broken |= {issue[1] for issue in python}
    assert broken == {rule.id for rule in RULES}


def test_line_breaks_are_judged_in_the_page_as_in_python(checker: Any) -> None:
    from test_breakcheck import CASES

    for lang, lines, found in CASES:
        if lang not in LANGS:
            continue
        cells = [[0, 3000, "\n".join(lines)]]
        python = _python(lang, cells, [], [])
        assert _rounded(_javascript(checker, lang, cells, [], [])) == python, (lang, lines)
        assert [i[4] for i in python if i[1] == "line_break"] == ([found] if found else [])


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_generated_tracks_get_the_same_issues_in_the_page(
    checker: Any, case: tuple[str, list[list[Any]], list[list[str]], list[int]]
) -> None:
    lang, cells, speakers, cuts = case
    python = _python(lang, cells, speakers, cuts)
    javascript = _rounded(_javascript(checker, lang, cells, speakers, cuts))
    assert javascript == python, (lang, cells, speakers, cuts)


def test_python_whitespace_in_the_page(checker: Any) -> None:
    """Whitespace as Python's str.split sees it (JavaScript's \\s differs: U+001C and
    U+0085 are not in it, U+FEFF is)."""
    text = "a\x1cb\x85c\ufeffd\u3000e"
    assert checker.evaluate("t => QC.split(t)", text) == text.split() == ["a", "b", "c\ufeffd", "e"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["<i>", "</i>", "<B>", "</u>", "<i/>", '<font color="red">',
                                 "</font>", "<s>", "{\\an8}", "{\\i1}", "<", ">", "&", "-->",
                                 "a", " ", "é", "\u202b", "<span class=x>", "<1>"]),
                max_size=12).map("".join))
def test_vtt_line_in_the_page_is_pythons(checker: Any, line: str) -> None:
    """The player's cue text (edited cells) is the .vtt file's (``page.vtt_line``)."""
    assert checker.evaluate("l => QC.vttLine(l)", line) == vtt_line(line), line


#: What an editor does around a name: case endings, a possessive, lower case, a line break.
EDITS = (
    lambda n: n, lambda n: n + "а", lambda n: n + "ом", lambda n: n + "ы", lambda n: n[:-1] + "ой",
    lambda n: n[:-2] + "ами", lambda n: n + "'s", lambda n: n + "’", lambda n: n.lower(),
    lambda n: n.upper(), lambda n: n.replace(" ", "\n", 1), lambda n: n.replace(" ", "  "),
    lambda n: n[:4], lambda n: "«" + n + "»,", lambda n: n.replace("е", "ё"),
    lambda n: n.replace("ی", "ي"), lambda n: n + "ning",
)  # fmt: skip


@st.composite
def rows(draw: st.DrawFn) -> dict[str, str]:
    """One row in every language: a few glossary terms, each written in a cell (or left
    out) in one of its accepted forms there, edited, among other words."""
    terms = draw(st.lists(st.sampled_from(GLOSSARY.terms), min_size=1, max_size=3))
    row = {}
    for lang in LANGS:
        words = draw(st.lists(st.sampled_from(PIECES), max_size=3))
        for term in terms:
            forms = term.accepted(lang) or term.accepted("en")
            written: bool = draw(st.integers(0, 3)) > 0  # three times in four
            if forms and written:
                name = draw(st.sampled_from(EDITS))(draw(st.sampled_from(forms)))
                words.insert(draw(st.integers(0, len(words))), name)
        row[lang] = " ".join(words)
    return row


#: The page's remark() (review.js) for one row: the source cell's names, then each
#: translation's against them.
ROW_MARKS = """([texts, source]) => {
  const flat = (t) => t.split("\\n").map((l) => QC.strip(l)).filter((l) => l).join(" ");
  const out = {};
  for (const [code, text] of Object.entries(texts)) {
    const marks = code === source ? TERMS.sourceCell(flat(text), code)
      : TERMS.checkCell(flat(text), code, flat(texts[source]), source);
    if (marks.length) out[code] = {"0": marks};
  }
  return out;
}"""


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=rows())
def test_names_are_found_again_in_the_page_as_in_python(
    checker: Any, texts: dict[str, str]
) -> None:
    tracks = {lang: (Cue(0, 1000, tuple(text.split("\n"))),) for lang, text in texts.items()}
    python = glossary_cells(tracks, "en", GLOSSARY, REPAIRED)
    assert checker.evaluate(ROW_MARKS, [texts, "en"]) == python, texts


def test_a_names_closing_mark_is_marked_in_the_page_as_in_python(checker: Any) -> None:
    """A form ending in a sign (``кинофестиваль «Лістапад»``) takes it in where the text
    has it (``match.form_edges``), in the page as in Python."""
    texts = {
        "en": "Listapad takes place in Minsk.",
        "ru": "Минский международный кинофестиваль «Лістапад» проходит в Минске.",
        "uz": "Minsk xalqaro kinofestivali «Listapad», Minskda.",
    }
    tracks = {lang: (Cue(0, 1000, (text,)),) for lang, text in texts.items()}
    python = glossary_cells(tracks, "en", GLOSSARY, REPAIRED)
    assert python["ru"]["0"][0][3].endswith("«Лістапад»"), python
    assert checker.evaluate(ROW_MARKS, [texts, "en"]) == python


def test_a_name_written_as_ordinary_words_is_none_in_the_page_as_in_python(checker: Any) -> None:
    """"a white ant" is the insect, not the film White Ant (``names.wordcase``): the page
    neither marks it nor asks for the film's title in the translation."""
    texts = {
        "en": "A white ant in fine china daily; White Ant and zhang yimou.",
        "ru": "Белый муравей, белый муравей и Чжан Имоу.",
    }
    tracks = {lang: (Cue(0, 1000, (text,)),) for lang, text in texts.items()}
    python = glossary_cells(tracks, "en", GLOSSARY, REPAIRED)
    assert [mark[0] for mark in python["en"]["0"]] == ["white-ant", "zhang-yimou"], python
    assert checker.evaluate(ROW_MARKS, [texts, "en"]) == python
