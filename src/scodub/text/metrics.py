"""Word error rate, for benchmarks and the dub back-transcription check."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from scodub.scripts import is_character_word

_NUMBER_WORDS = {"mr": "mister", "mrs": "missus", "dr": "doctor"}


def normalize_words(text: str) -> list[str]:
    """Lower case, punctuation and hyphens removed, common abbreviations spelled out.

    Text without spaces (Chinese) is split into characters, so the rate is a CER there.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u200e\u200f\u202a-\u202e]", "", text)  # direction marks
    text = re.sub(r"[-‐‑–—_/]", " ", text)
    text = re.sub(r"[^\w\s']", " ", text).replace("'", "")
    words = [_NUMBER_WORDS.get(w, w) for w in text.split()]
    if len(words) <= 1 and text.strip() and any(is_character_word(ch) for ch in text):
        return [ch for ch in text if not ch.isspace()]
    return words


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, length = word_errors(reference, hypothesis)
    return errors / length if length else float(bool(normalize_words(hypothesis)))


def corpus_wer(pairs: Sequence[tuple[str, str]]) -> float:
    """WER over many utterances: total errors over total reference words."""
    errors = length = 0
    for reference, hypothesis in pairs:
        e, n = word_errors(reference, hypothesis)
        errors, length = errors + e, length + n
    return errors / length if length else 0.0
