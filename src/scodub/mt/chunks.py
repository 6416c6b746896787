"""Texts longer than a translation model takes in one go, cut where a reader would pause.

NLLB reads at most 1024 tokens and is run to write at most 256: a longer text would be
cut short without a word (a cue of a whole monologue, an SRT whose cues were never
split). Such a text is translated in chunks: whole sentences where they fit, else
clauses, else words, else characters (a script without spaces), each chunk within the
model's budget; the chunks' translations are joined back (``langs.joiner``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: A sentence with the stop, closing quotes and the spaces after it.
_SENTENCE = re.compile(r".+?(?:[.!?…。！？؟۔।॥][\"'”’»)\]」』]*\s*|$)", re.S)
#: A clause: up to a comma, semicolon, colon or dash (Latin, CJK and Arabic forms).
_CLAUSE = re.compile(r".+?(?:[,;:、，；：—–،؛]\s*|$)", re.S)
_WORD = re.compile(r"\S+\s*|\s+")


def split_to_budget(text: str, count: Callable[[str], int], budget: int) -> list[str]:
    """``text`` as consecutive chunks of about ``budget`` tokens at most (``count``; the
    chunks' counts are summed), cut at the largest unit that fits; ``[text]`` when it fits
    whole. Joining the chunks gives ``text`` back, but for the spaces at the cuts."""
    if budget < 1:
        raise ValueError("a chunk budget is at least one token")
    if count(text) <= budget:
        return [text]
    return [c.strip() for c in _chunks(text, _SENTENCE, count, budget) if c.strip()]


_FINER: dict[re.Pattern[str], re.Pattern[str] | None] = {
    _SENTENCE: _CLAUSE, _CLAUSE: _WORD, _WORD: None
}


def _chunks(
    text: str, level: re.Pattern[str] | None, count: Callable[[str], int], budget: int
) -> list[str]:
    """``text`` cut at ``level`` (characters when None), its pieces packed into chunks
    while they fit; a piece over budget is cut finer into chunks of its own, so that a
    chunk never ends inside a sentence (a clause) that another chunk could have held."""
    parts = [m.group(0) for m in level.finditer(text)] if level else list(text)
    chunks: list[str] = []
    size, packing = 0, False
    for part in parts:
        if not part:
            continue
        tokens = count(part)
        if tokens > budget and level is not None:
            chunks.extend(_chunks(part, _FINER[level], count, budget))
            packing = False
        elif packing and size + tokens <= budget:
            chunks[-1] += part
            size += tokens
        else:
            chunks.append(part)
            size, packing = tokens, True
    return chunks
