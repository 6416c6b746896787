"""QC of where a two-line cue breaks (``scodub.text.breakcheck``, rule ``line_break``)."""

from __future__ import annotations

import pytest

from scodub.data import Cue, Track
from scodub.langs import subtitle_rules
from scodub.text.breakcheck import misplaced_break
from scodub.text.linebreak import break_lines
from scodub.text.qc import check_track


def _check(lang: str, *lines: str) -> str:
    return misplaced_break(lines, subtitle_rules(lang), subtitle_rules(lang).max_chars_per_line)


@pytest.mark.parametrize(
    ("lang", "lines", "found"),
    [
        ("en", ("We met the", "festival director today."), "the / festival"),
        ("en", ("<i>We met the</i>", "<i>festival director.</i>"), "the / festival"),
        ("en", ("And Mr.", "Dashwood had then leisure."), "Mr. / Dashwood"),
        ("en", ("The prize went to Zhang", "Yimou for his new film."), "Zhang / Yimou"),
        ("en", ("She walked in", "(and sat down at once)"), "in / (and"),
        ("ru", ("Он приехал в", "Москву вчера вечером."), "в / Москву"),
        # allowed breaks: after punctuation, before a conjunction
        ("en", ("We met the festival director,", "and then we went home."), ""),
        ("en", ("We met the festival director", "and then we went home."), ""),
        # no other break fits: the forbidden one stays
        ("en", ("Hippopotomonstrosesquippedaliophobia of",
                "Pneumonoultramicroscopicsilicovolcanocon"), ""),
        # a dual-speaker cue breaks between its speakers; Chinese between characters
        ("en", ("-Did you see the", "-Festival? Yes."), ""),
        ("zh", ("我们今天在", "上海见面了"), ""),
        ("en", ("One line only.",), ""),
    ],
)
def test_a_break_the_style_guide_rules_out_is_found(
    lang: str, lines: tuple[str, ...], found: str
) -> None:
    assert _check(lang, *lines) == found


def test_qc_reports_it_as_a_soft_rule() -> None:
    cue = Cue(0, 3000, ("We met the", "festival director today."))
    report = check_track(Track("en", (cue,), 24.0), 24.0)
    [issue] = [i for i in report.issues if i.rule == "line_break"]
    assert issue.severity == "soft" and issue.detail == "the / festival"
    assert report.to_json()["summary"]["soft_violations"] >= 1


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The jury of the SCO Film Festival gave its main prize to a film from Kyrgyzstan."),
        ("en", "And Mr. John Dashwood had then leisure to consider how much there might be."),
        ("en", "I spoke with Zhang Yimou about the future of the festival in Qingdao."),
        ("ru", "Жюри фестиваля присудило главный приз фильму из Киргизии за лучшую режиссуру."),
        ("kk", "Фестивальдің қазылар алқасы бас жүлдені Қырғызстаннан келген фильмге берді."),
        ("hi", "महोत्सव की जूरी ने मुख्य पुरस्कार किर्गिस्तान की एक फिल्म को दिया।"),
    ],
)
def test_the_line_breaker_never_makes_what_qc_reports(lang: str, text: str) -> None:
    rules = subtitle_rules(lang)
    lines = break_lines(text[: 2 * rules.max_chars_per_line - 4].rsplit(" ", 1)[0], rules)
    assert misplaced_break(lines, rules, rules.max_chars_per_line) == ""
