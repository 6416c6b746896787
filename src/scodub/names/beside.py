"""The words beside a name the second pass takes: kept as the first pass heard them
where the audio agrees (issue 8, "nothing else touched").

A misheard stretch is replaced as a whole (``scodub.names.secondpass.name_chunks``), and
the second pass, primed with names, can mishear the ordinary words in it: "Farsen
thanked" -> "Farzin thank", "Yingsi and Dingrui" -> "Yingzi in Deng Rui". Once the judge
has taken the name, ``heard_beside`` scores the same segment with the name alone in place
of the misheard words, keeping heard words at either edge ("Farzin thanked", "Yingsi and
Deng Rui"), and writes the best such text unless the second pass's words score better by
the judge's margin (``JUDGE_MARGIN``: a tie is no evidence to change a word). Only texts
of at least the chunk's words, or that keep at least the letters the second pass wrote
beside the name, compete: a forced-decoding score is a sum over the tokens of the text, so
a text that drops a word the audio holds scores higher, not lower ("Farsen thanked" ->
"Farzin", measured).

The second pass also hears the audio kept around the segment (``PAD_MS``) and can add the
next segment's first words after a name at the segment's end ("Ding-Rui" -> "Deng Rui
for" before a segment "for China Daily"), or the previous segment's last words before
one at its start: those words are written in that segment already and are dropped
(``unechoed``). A chunk ends with the heard punctuation when the second pass wrote none
(``closed``: "Koch Studio." -> "Coke Studio.", not "Coke Studio").

The name itself is never in question here: every text scored holds it, so this changes
no name, only the words around it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from scodub.data import Segment
from scodub.names.correct import JUDGE_MARGIN, Judge
from scodub.names.spans import split_word

if TYPE_CHECKING:  # secondpass imports this module
    from scodub.names.secondpass import Chunk


def _edged(words: list[str], heard: Sequence[str], first: bool, last: bool) -> list[str]:
    """``words`` with the punctuation of the heard stretch at the edges the name reaches
    (a name that ends the stretch ends as the heard stretch did: "Deng Rui." for
    "Ding-Rui.")."""
    out = list(words)
    if first:
        _, core, tail = split_word(out[0])
        out[0] = split_word(heard[0])[0] + core + tail
    if last:
        lead, core, _ = split_word(out[-1])
        out[-1] = lead + core + split_word(heard[-1])[2]
    return out


def _fold(words: Sequence[str]) -> list[str]:
    return [split_word(w)[1].casefold() for w in words]


def unechoed(heard: Sequence[str], chunk: Chunk, previous: Sequence[str],
             following: Sequence[str]) -> Chunk:
    """``chunk`` without the words the second pass added beside its name at the segment's
    edge that the neighbouring segment opens (``following``) or closes (``previous``)
    with: audio of the next segment, heard in the padding."""
    if not chunk.name_len:
        return chunk
    new = list(chunk.new)
    lo, hi = chunk.name_at, chunk.name_at + chunk.name_len
    after, before = new[hi:], new[:lo]
    if after and chunk.last == len(heard) - 1 and _fold(after) == _fold(following[: len(after)]):
        new = _edged(new[:hi], heard[chunk.first : chunk.last + 1], False, True)
    if before and chunk.first == 0 and _fold(before) == _fold(previous[-len(before) :]):
        new = _edged(new[lo:], heard[chunk.first : chunk.last + 1], True, False)
        lo = 0
    if len(new) == len(chunk.new):
        return chunk
    return dataclasses.replace(chunk, new=tuple(new), name_at=lo)


def _marks(word: str) -> str:
    """The punctuation after a word, its possessive aside."""
    tail = split_word(word)[2]
    return tail[2:] if tail[:2] in ("'s", "’s", "'S", "’S") else tail


def closed(heard: Sequence[str], chunk: Chunk) -> Chunk:
    """``chunk`` ending as the heard stretch did: where the second pass wrote no
    punctuation after its last word, the heard punctuation ("Coke Studio." for "Koch
    Studio.", "Dai Mo." for "Di-Mo." before the next sentence, "Chen Liang," in a list)."""
    if not chunk.new or _marks(chunk.new[-1]):
        return chunk
    marks = _marks(heard[chunk.last])
    if not marks:
        return chunk
    return dataclasses.replace(chunk, new=(*chunk.new[:-1], chunk.new[-1] + marks))


def variants(heard: Sequence[str], chunk: Chunk) -> list[tuple[str, ...]]:
    """The chunk's name with heard words kept at its edges instead of the second pass's
    words beside it: every split of the heard stretch into kept words before, replaced
    words (at least one) and kept words after, that writes at least the chunk's words
    or keeps at least the letters the second pass wrote beside the name ("director Jia
    Zhangke" for "rest of Jia Zhangke": one word fewer, but not a word dropped, which
    would win on the sum of log-probabilities alone). Empty when the chunk is the name
    alone."""
    name = list(chunk.name)
    if len(name) == len(chunk.new):
        return []
    old = list(heard[chunk.first : chunk.last + 1])
    beside = _letters([*chunk.new[: chunk.name_at], *chunk.new[chunk.name_at + len(name) :]])
    found: dict[tuple[str, ...], None] = {}
    for before in range(len(old)):
        for after in range(len(old) - before):
            middle = _edged(name, old, before == 0, after == 0)
            kept = [*old[:before], *old[len(old) - after :]]
            text = (*old[:before], *middle, *old[len(old) - after :])
            if text != chunk.new and (len(text) >= len(chunk.new)
                                      or _letters(kept) >= beside):
                found.setdefault(text)
    return list(found)


def _letters(words: Sequence[str]) -> int:
    return sum(len(split_word(w)[1]) for w in words)


def heard_beside(seg: Segment, kept: Sequence[tuple[Chunk, float, float]], judge: Judge,
                 render: Callable[[Sequence[Chunk]], str], previous: Sequence[str] = (),
                 following: Sequence[str] = ()) -> list[tuple[Chunk, float, float]]:
    """``kept`` (each chunk with the scores without and with it) without the words of the
    neighbouring segments (``unechoed``; ``previous``/``following``: their words), and
    with the words beside each name kept as heard where a text that does scores at least
    as well as the second pass's (``variants``). A chunk so changed reports the scores of
    the segment without it and with the text written, the other names in place."""
    names = list(dict.fromkeys(c.form for c, *_ in kept))
    heard = [w.text for w in seg.words]
    out = [(closed(heard, unechoed(heard, c, previous, following)), without, with_it)
           for c, without, with_it in kept]
    for position, (chunk, *_) in enumerate(list(out)):
        options = variants(heard, chunk)
        if not options:
            continue
        others = [c for c, *_ in out[:position]] + [c for c, *_ in out[position + 1 :]]
        trimmed = [dataclasses.replace(chunk, new=text, name_at=0, name_len=0)
                   for text in options]
        texts = [render(others), render([*others, chunk])]
        texts += [render([*others, c]) for c in trimmed]
        scores = [float(s) for s in judge(seg, texts, names)]
        best = max(range(len(trimmed)), key=lambda i: scores[i + 2])
        # what was heard stays unless the second pass's words explain the audio better by
        # the judge's margin (a tie is no evidence), the name still clear of the text
        # without it
        if scores[best + 2] >= max(scores[1] - JUDGE_MARGIN, scores[0] + JUDGE_MARGIN):
            out[position] = (trimmed[best], scores[0], scores[best + 2])
    return out


__all__ = ["closed", "heard_beside", "unechoed", "variants"]
