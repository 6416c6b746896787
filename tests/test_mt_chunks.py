"""A text longer than the model takes in one go is translated whole, in chunks cut where a
reader would pause (the real ctranslate2 path on the tiny copy model, and properties)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.fuzz import ratio

from scodub.mt.chunks import split_to_budget
from scodub.mt.nllb import NllbTranslator

TINY = Path(__file__).resolve().parents[1] / "tests" / "data" / "tiny-nllb"


def _words(text: str) -> int:
    return len(text.split()) or (1 if text else 0)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_chunk() -> None:
    assert split_to_budget("Hello there.", _words, 5) == ["Hello there."]


def test_whole_sentences_go_together_while_they_fit() -> None:
    sentences = [f"Sentence {n} has exactly six words." for n in range(5)]
    chunks = split_to_budget(" ".join(sentences), _words, 13)
    assert chunks == [" ".join(sentences[i : i + 2]) for i in (0, 2)] + [sentences[4]]


def test_a_long_sentence_is_cut_at_clauses_then_words() -> None:
    clause = "one two three four five"
    text = f"{clause}, {clause}; {clause} six seven eight nine ten eleven twelve."
    chunks = split_to_budget(text, _words, 6)
    assert chunks[:3] == [f"{clause},", f"{clause};", f"{clause} six"]
    assert all(_words(c) <= 6 for c in chunks)
    assert " ".join(chunks) == text


def test_a_script_without_spaces_is_cut_at_its_stops_then_characters() -> None:
    text = "电影节在重庆开幕。" * 3 + "上海合作组织电影节在重庆开幕" * 4

    def chars(t: str) -> int:
        return len(t.strip())

    chunks = split_to_budget(text, chars, 20)
    assert chunks[0] == "电影节在重庆开幕。电影节在重庆开幕。"
    assert all(chars(c) <= 20 for c in chunks) and "".join(chunks) == text


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ab cd. ,;:!?\n电影。—")), min_size=0, max_size=300
    ),
    budget=st.integers(min_value=1, max_value=40),
)
def test_chunks_keep_every_character_and_fit_the_budget(text: str, budget: int) -> None:
    def count(t: str) -> int:  # additive, as the chunker assumes
        return len(_squeezed(t))

    chunks = split_to_budget(text, count, budget)
    assert _squeezed("".join(chunks)) == _squeezed(text)
    assert all(count(c) <= budget for c in chunks)
    assert all(c == c.strip() for c in chunks[1:] if len(chunks) > 1)


def test_bad_budget() -> None:
    with pytest.raises(ValueError, match="at least one token"):
        split_to_budget("x", _words, 0)


@pytest.fixture(scope="module")
def tiny() -> NllbTranslator:
    return NllbTranslator(TINY, device="cpu", beam_size=2)


def test_a_monologue_cue_is_translated_to_its_end(tiny: NllbTranslator) -> None:
    """60 sentences in one cue (about 900 tokens): NLLB writes at most 256 tokens per
    text, so a text in one piece came back cut to its first sixth, without a word."""
    sentences = [
        f"The festival opened in Chongqing on day {n}, and the jury met the directors."
        for n in range(1, 61)
    ]
    text = " ".join(sentences)
    assert len(tiny._spm.encode(text)) > tiny.max_decoding_length * 3
    # The copy model copies sentences, not pages: 48 tokens out keeps it on the sentence
    # length it was trained on (chunks of 24 tokens in), as 256 does NLLB.
    tiny.max_decoding_length = 48
    [[best]] = tiny.translate([text], "en", "ru")
    assert ratio(best, text) > 80
    assert "day 60" in best and len(best) > 0.9 * len(text)
    # Short texts, and the n-best of them, are as before: one piece each.
    short = tiny.translate([sentences[0]], "en", "ru", n_best=2)
    assert ratio(short[0][0], sentences[0]) > 80
