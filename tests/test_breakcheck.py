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


#: (language, lines, what the check finds): also run through the review page's checker
#: (tests/test_review_qc.py), which must find the same.
CASES: list[tuple[str, tuple[str, ...], str]] = [
        ("en", ("We met the", "festival director today."), "the / festival"),
        ("en", ("<i>We met the</i>", "<i>festival director.</i>"), "the / festival"),
        ("en", ("And Mr.", "Dashwood had then leisure."), "Mr. / Dashwood"),
        ("en", ("The prize went to Zhang", "Yimou for his new film."), "Zhang / Yimou"),
        ("en", ("She walked in", "(and sat down at once)"), ""),
        ("en", ("She walked in and sat down (", "at once) without a word to anyone."), "( / at"),
        ("ru", ("Он приехал в", "Москву вчера вечером."), "в / Москву"),
        # allowed breaks: after punctuation, before a conjunction
        ("en", ("We met the festival director,", "and then we went home."), ""),
        ("en", ("We met the festival director", "and then we went home."), ""),
        # no other break fits: the forbidden one stays
        ("en", ("Hippopotomonstrosesquippedaliophobia of",
                "Pneumonoultramicroscopicsilicovolcanocon"), ""),
        # a conjunction or preposition may open a line after a pronoun or adverb
        ("en", ("I love you", "but I can't stay in this house any longer."), ""),
        ("en", ("Thank you", "for everything you've done for us."), ""),
        ("en", ("You don't have to", "if you really don't want to do it."), ""),
        ("en", ("I've never been here before", "and I don't like it at all."), ""),
        ("en", ("I told her", "that I was leaving for good."), ""),
        # a quote or apostrophe that opens the next line is no closing mark; one after
        # letters closes its word
        ("en", ("She looked at me and said,", '"We have to leave right now."'), ""),
        ("en", ("I can't stay here tonight", "'cause I have to work early tomorrow."), ""),
        ("ru", ("Он сказал „да“", "и сразу же ушёл из комнаты, не попрощавшись."), ""),
        ("en", ("She said", ", and then left the room at once."), "said / ,"),
        # "I" is no part of a name; words that are postpositions in one sense only
        ("en", ("I told Sarah", "I would come to the party on Saturday."), ""),
        ("ur", ("کل رات جب سب سو گئے تھے", "میں چپکے سے گھر سے باہر نکل گیا۔"), ""),
        ("hi", ("मैं कल शाम को घर आना चाहता था", "पर मेरे पास बिल्कुल भी समय नहीं था।"), ""),
        ("uz", ("Avval biz festivalga bordik", "keyin esa do‘stlarimiz bilan kinoga tushdik."), ""),
        ("hi", ("हम कल शाम को", "में मिलेंगे और फिर फिल्म देखेंगे।"), "को / में"),
        # a line per speaker, however the dash and the markup
        ("en", ("-Did you see the", "-Festival? Yes."), ""),
        ("en", ("– Are you coming with us or not", "– No, I have to stay here tonight."), ""),
        ("en", ("<i>-Who's there? Is it you</i>", "<i>-Yes, it's me.</i>"), ""),
        # Chinese breaks between characters
        ("zh", ("我们今天在", "上海见面了"), ""),
        ("en", ("One line only.",), ""),
]


@pytest.mark.parametrize(("lang", "lines", "found"), CASES)
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
        ("en", "Everyone agreed it was <i>the</i> best film they had seen in years."),
        ("en", "They gave the prize to <i>Zhang</i> <i>Yimou</i> for the film about the river."),
        ("ru", "Жюри фестиваля присудило главный приз фильму из Киргизии за лучшую режиссуру."),
        ("kk", "Фестивальдің қазылар алқасы бас жүлдені Қырғызстаннан келген фильмге берді."),
        ("hi", "महोत्सव की जूरी ने मुख्य पुरस्कार किर्गिस्तान की एक फिल्म को दिया।"),
    ],
)
def test_the_line_breaker_never_makes_what_qc_reports(lang: str, text: str) -> None:
    rules = subtitle_rules(lang)
    lines = break_lines(text[: 2 * rules.max_chars_per_line - 4].rsplit(" ", 1)[0], rules)
    assert misplaced_break(lines, rules, rules.max_chars_per_line) == ""


def test_a_huge_cue_is_not_searched_word_by_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile file's cue of 40,000 words: no two lines hold it, so there is no break to
    prefer, and the words are not joined again at every place (minutes of work)."""
    from scodub.text import breakcheck

    measured: list[int] = []
    real = breakcheck.text_width
    monkeypatch.setattr(breakcheck, "text_width",
                        lambda text, lang: measured.append(len(text)) or real(text, lang))
    rules = subtitle_rules("en")
    lines = (" ".join(["word"] * 20_000) + " the", " ".join(["Word"] * 20_000))
    assert misplaced_break(lines, rules, rules.max_chars_per_line) == ""
    assert measured == []
