"""Names matched across scripts and written as they were said (issue 8), text level.

Chinese transcripts through pinyin, Russian through transliteration, with the kind of
misspellings Whisper makes (homophone characters, a lost soft sign, a Latin sound spelt
in Cyrillic); short forms written short; ordinary words that sound like a name kept.
"""

from __future__ import annotations

import pytest

from glossary_cases import festival_glossary
from scodub.data import Segment, Transcript, Word
from scodub.names.correct import correct
from scodub.names.match import latin_key
from test_correct import transcript

GLOSSARY = festival_glossary()
pytestmark = pytest.mark.skipif(GLOSSARY is None, reason="festival glossary not in tree")


def chinese(text: str, unsure: set[int]) -> Transcript:
    """One character per word, as faster-whisper gives Chinese; characters at the indices
    in ``unsure`` with a low probability."""
    words = tuple(Word(c, i * 200, i * 200 + 180, 0.4 if i in unsure else 0.95)
                  for i, c in enumerate(text))
    end = words[-1].end_ms
    return Transcript("zh", 1.0, end, (Segment(0, end, text, words),))


def test_han_is_compared_on_pinyin_read_in_context() -> None:
    assert latin_key("张一谋") == latin_key("张艺谋") == "zhang yi mou"
    assert latin_key("重 庆") == "chong qing"  # polyphone read as the whole name


@pytest.mark.parametrize(("heard", "unsure", "expected"), [
    ("导演张一谋来到了重庆", {2, 3}, "导演张艺谋来到了重庆"),
    ("演员海青出席了开幕式", {2, 3}, "演员海清出席了开幕式"),
    ("马萍和陈良都来了", {0, 1, 3, 4}, "马平和陈亮都来了"),
    ("谭英姿的报道", {0, 1, 2}, "谭英子的报道"),
    ("江海阳导演", {0, 1, 2}, "江海洋导演"),
])
def test_chinese_homophones_of_names_are_corrected(heard: str, unsure: set[int],
                                                   expected: str) -> None:
    assert GLOSSARY is not None
    after = correct(chinese(heard, unsure), GLOSSARY)
    assert after.text == expected
    assert all(" " not in c.heard for c in after.corrections)


@pytest.mark.parametrize("text", ["海青色的天空很美", "他是一个白蚁专家", "马平川的风景"])
def test_chinese_words_whisper_is_sure_of_stay(text: str) -> None:
    assert GLOSSARY is not None
    assert correct(chinese(text, set()), GLOSSARY).text == text


@pytest.mark.parametrize(("heard", "unsure", "expected"), [
    ("Режиссёр Жан Имоу приехал", ["Жан", "Имоу"], "Режиссёр Чжан Имоу приехал"),
    ("Мы видели Джа Чжанке вчера", ["Джа", "Чжанке"], "Мы видели Цзя Чжанкэ вчера"),
    ("Фильм Далера Рахматофа", ["Рахматофа"], "Фильм Далера Рахматова"),
    ("Выступила Самина Фарзина", [], "Выступила Самина Фарзина"),  # genitive: right
    ("Он ел мороженое в Минске", [], "Он ел мороженое в Минске"),
])
def test_russian_names_through_transliteration_keep_their_case(
        heard: str, unsure: list[str], expected: str) -> None:
    assert GLOSSARY is not None
    assert correct(transcript(heard, "ru", unsure=unsure), GLOSSARY).text == expected


@pytest.mark.parametrize(("heard", "unsure", "expected"), [
    # the place without its administrative suffix stays without it
    ("We drove to Yong Chuan today", ["Yong", "Chuan"], "We drove to Yongchuan today"),
    # a surname alone is written alone
    ("After the talk Farzeen left", ["Farzeen"], "After the talk Farzin left"),
    ("Chris Brumbles' company", ["Brumbles'"], "Chris Bremble's company"),
])
def test_a_short_form_heard_is_written_short(heard: str, unsure: list[str],
                                             expected: str) -> None:
    assert GLOSSARY is not None
    assert correct(transcript(heard, unsure=unsure), GLOSSARY).text == expected
