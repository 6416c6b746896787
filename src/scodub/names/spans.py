"""Word runs of a transcript and their rewriting: what the glossary correction
(``scodub.names.correct``) and the second pass (``scodub.names.secondpass``) work on."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from scodub.data import Transcript, Word
from scodub.names.match import tokens

#: A word Whisper gave less than this probability is one it was unsure of.
UNSURE_PROBABILITY = 0.75


@dataclass(frozen=True, slots=True)
class Span:
    """A run of words of one segment."""

    seg: int
    first: int  # word index in the segment
    last: int  # inclusive
    text: str  # word cores joined with spaces
    words: tuple[str, ...]  # folded word tokens
    raw: tuple[str, ...]  # word tokens as written
    sure: bool  # Whisper gave every word at least UNSURE_PROBABILITY


def word_tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(folded, as written) word tokens."""
    toks = tokens(text)
    return tuple(t.text for t in toks), tuple(text[t.start : t.end] for t in toks)


def split_word(word: str) -> tuple[str, str, str]:
    """(leading punctuation, word, trailing punctuation and possessive ``'s``)."""
    i, j = 0, len(word)
    while i < j and unicodedata.category(word[i])[0] not in "LMN":
        i += 1
    while j > i and unicodedata.category(word[j - 1])[0] not in "LMN":
        j -= 1
    if j - i > 2 and word[j - 2] in "'’" and word[j - 1] in "sS":
        j -= 2
    return word[:i], word[i:j], word[j:]


def spans_of(transcript: Transcript, max_words: int, *, parts: bool = False) -> list[Span]:
    """Every run of 1 to ``max_words`` words inside each segment (punctuation-only words
    end a run). With ``parts``, a word's hyphenated parts are words of their own, so a run
    may start or end inside a word: Whisper glues a misheard name to the next word ("John
    Hian-Directed" for "Jiang Haiyang directed"), and "John Hian" is the name's run."""
    spans: list[Span] = []
    for s, seg in enumerate(transcript.segments):
        units: list[tuple[int, str]] = []  # (word index, core)
        for i, w in enumerate(seg.words):
            core = split_word(w.text)[1]
            pieces = [p for p in core.split("-") if p] if parts else []
            units += [(i, p) for p in pieces] if len(pieces) > 1 else [(i, core)]
        sure = [w.probability >= UNSURE_PROBABILITY for w in seg.words]
        for u in range(len(units)):
            if not units[u][1]:
                continue
            for n in range(1, max_words + 1):
                v = u + n - 1
                if v >= len(units) or not units[v][1]:
                    break
                first, last = units[u][0], units[v][0]
                text = " ".join(c for _, c in units[u : v + 1])
                spans.append(Span(s, first, last, text, *word_tokens(text),
                                  all(sure[first : last + 1])))
    return spans


def rewrite_words(words: Sequence[Word], canonical: str, spaced: bool) -> list[Word]:
    """The span's words replaced by ``canonical``, timings kept, outer punctuation kept."""
    lead, _, _ = split_word(words[0].text)
    _, last_core, trail = split_word(words[-1].text)
    if trail[:1] in "'’" and last_core.endswith("s") and not canonical.endswith("s"):
        trail = trail[:1] + "s" + trail[1:]  # "Brumbles'" heard: "Bremble's", not "Bremble'"
    own_lead, _, own_trail = split_word(canonical)  # the name's own signs: «Лістапад», Canal+
    if own_trail and trail.startswith(own_trail):
        trail = trail[len(own_trail) :]
    if own_lead and lead.endswith(own_lead):
        lead = lead[: -len(own_lead)]
    new = canonical.split() if spaced else [canonical]
    new[0] = lead + new[0]
    new[-1] = new[-1] + trail
    if len(new) == len(words):
        probability = sum(w.probability for w in words) / len(words)
        return [Word(t, w.start_ms, w.end_ms, probability) for t, w in zip(new, words, strict=True)]
    return spread_words(words, new)


def spread_words(old: Sequence[Word], texts: Sequence[str]) -> list[Word]:
    """``texts`` spread over the time of ``old`` (by length), its mean probability kept."""
    start, end = old[0].start_ms, old[-1].end_ms
    probability = sum(w.probability for w in old) / len(old)
    weights = [max(1, len(t)) for t in texts]
    total, acc, out = sum(weights), 0, []
    for text, weight in zip(texts, weights, strict=True):
        w_start = start + (end - start) * acc // total
        acc += weight
        out.append(Word(text, w_start, start + (end - start) * acc // total, probability))
    return out

__all__ = ["UNSURE_PROBABILITY", "Span", "rewrite_words", "spans_of", "split_word",
           "spread_words", "word_tokens"]
