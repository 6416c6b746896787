"""Syllables from spelling (``names.beats``): how long a stretch of words takes to say, so
that a name never stands for twice or half the speech it replaces."""

from __future__ import annotations

import pytest

from scodub.names.beats import syllables, unlike_in_beats


@pytest.mark.parametrize(("text", "lang", "count"), [
    ("Zhang Yimou", "en", 3),  # y before a vowel is a consonant
    ("Jiang Haiyang", "en", 3),
    ("Yongchuan", "en", 2),
    ("young directors", "en", 4),
    ("Resurrection", "en", 4),
    ("Coke Studio", "en", 3),  # a silent final e
    ("table", "en", 2), ("wanted", "en", 2), ("closed", "en", 1), ("places", "en", 2),
    ("makes", "en", 1), ("Chris Rambles", "en", 3), ("Chris Bremble's", "en", 3),
    ("Kyrgyzstan", "en", 3),
    ("каналы", "ru", 3), ("сарае", "ru", 3), ("Воскрешение", "ru", 5),
    ("Ма Пин", "ru", 2), ("Oʻzbekiston", "uz", 4),
    ("张艺谋", "zh", 3),
])
def test_syllables_from_spelling(text: str, lang: str, count: int) -> None:
    assert syllables(text, lang) == count


@pytest.mark.parametrize("text", ["नायाब", "نایاب", "4 films", "the 3Ds", "SCO Film Festival",
                                  "CGT Den"])  # capitals: spelt out or read
def test_no_count_where_the_spelling_does_not_show_it(text: str) -> None:
    assert syllables(text, "en") is None
    assert not unlike_in_beats(text, "Dai Mo Dai Mo Dai Mo", "en")


def test_twice_or_half_the_syllables_and_two_apart() -> None:
    assert unlike_in_beats("young directors", "Yongchuan", "en")  # 4 and 2
    assert unlike_in_beats("Resort", "Resurrection", "en")  # 2 and 4
    assert unlike_in_beats("освещенные окно-сарае", "Воскрешение", "ru")  # 10 and 5
    assert not unlike_in_beats("mapping", "Ma Ping", "en")  # the same
    assert not unlike_in_beats("Fars and", "Farzin", "en")
    assert not unlike_in_beats("Khan's", "Cannes", "en")
    assert not unlike_in_beats("sing a part", "Singapore", "en")  # 3 and 3
    assert not unlike_in_beats("Lin", "Fan Lin", "en")  # 1 and 2: too few to tell
