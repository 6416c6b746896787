"""Numbers in the language's style: English one to ten in words, numerals above ten."""

from __future__ import annotations

import pytest

from scodub.data import Cue, Track, Word
from scodub.langs import get_language
from scodub.text.numbers import apply_number_style, number_style_breaches
from scodub.text.qc import check_track

EN = get_language("en")


def styled(text: str, lang: str = "en") -> str:
    words = [Word(w, i * 300, i * 300 + 250) for i, w in enumerate(text.split())]
    return " ".join(w.text for w in apply_number_style(words, get_language(lang)))


@pytest.mark.parametrize(("heard", "written"), [
    ("10 of clubs.", "Ten of clubs."),
    ("I have 3 cats and 12 dogs.", "I have three cats and 12 dogs."),
    ("She waited 10, then left.", "She waited ten, then left."),
    ("It ended. 25 people stayed.", "It ended. Twenty-five people stayed."),
    ("We met at 10:30 in 2025.", "We met at 10:30 in 2025."),
    ("It costs 1.5 or $5 now.", "It costs 1.5 or $5 now."),
    ("The 1st and 2nd rows.", "The 1st and 2nd rows."),
    ("Come at 5 pm or 6 p.m. please.", "Come at 5 pm or 6 p.m. please."),
    ("Pages 5 10 and 5-10.", "Pages 5 10 and 5-10."),
    ("2025 was a good year.", "2025 was a good year."),
    ("He scored 0 points.", "He scored 0 points."),
])
def test_english_numbers_follow_the_netflix_style(heard: str, written: str) -> None:
    assert styled(heard) == written


def test_languages_without_a_number_style_are_left_alone() -> None:
    assert get_language("ru").numbers is None
    assert styled("У меня 3 кошки.", "ru") == "У меня 3 кошки."


def test_word_times_are_kept() -> None:
    words = [Word("10", 100, 400, 0.9), Word("of", 400, 500), Word("clubs.", 500, 900)]
    out = apply_number_style(words, EN)
    assert [(w.start_ms, w.end_ms, w.probability) for w in out] == [
        (w.start_ms, w.end_ms, w.probability) for w in words]


def test_qc_reports_numerals_to_write_out_as_a_soft_rule() -> None:
    assert number_style_breaches("10 of clubs.", EN) == 1
    assert number_style_breaches("Ten of clubs, 12 of hearts at 10:30.", EN) == 0
    track = Track("en", (Cue(0, 2000, ("I have 3 cats.",)), Cue(2100, 4000, ("And 12 dogs.",))))
    issues = [i for i in check_track(track).issues if i.rule == "number_style"]
    assert [(i.index, i.severity, i.measured) for i in issues] == [(0, "soft", 1)]
    fixed = Track("en", (Cue(0, 2000, ("I have three cats.",)),))
    assert not [i for i in check_track(fixed).issues if i.rule == "number_style"]
