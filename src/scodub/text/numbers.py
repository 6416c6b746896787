"""Numbers in subtitle text written in the language's style (``Language.numbers``).

English (Netflix English Timed Text Style Guide, ../shared/STANDARDS.md): one to ten in
words, numerals above ten, and a number that starts a sentence written out. Whisper
writes "10 of clubs"; the cue reads "Ten of clubs".

Only a bare whole number is touched. Times (``10:30``, ``5 p.m.``), decimals (``1.5``),
ordinals (``1st``), years and other numbers of three or more digits, percentages,
amounts (``$5``), ranges (``5-10``) and a number next to another number stay numerals.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from scodub.data import Word
from scodub.langs import Language, NumberStyle

_BARE = re.compile(r"^([\"'(\[¿¡]*)(\d{1,2})([.,!?;:\"')\]]*)$")
_SENTENCE_END = (".", "!", "?", "…")
#: Words after a number that make it a time or a measure written with numerals.
_KEEP_BEFORE = frozenset(("am", "pm", "a.m.", "p.m.", "a.m", "p.m", "o'clock", "percent",
                          "%", "h", "hrs", "km", "kg", "cm", "mm", "ml"))


def _spelled(number: int, style: NumberStyle) -> str | None:
    if 1 <= number <= style.spell_max:
        return style.words[number]
    if 11 <= number <= 19:
        return style.teens[number - 11]
    if 20 <= number <= 99:
        tens, ones = divmod(number, 10)
        return style.tens[tens] + (f"-{style.words[ones]}" if ones else "")
    return None


def _is_number(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _rewrite(text: str, start: bool, before: str, after: str,
             style: NumberStyle) -> str | None:
    """``text`` written out, or None when it stays as it is."""
    m = _BARE.match(text)
    if m is None:
        return None
    lead, digits, trail = m.groups()
    if digits.startswith("0") or _is_number(before) or _is_number(after):
        return None
    if trail.startswith(":") or after.lower().strip(".,!?;") in _KEEP_BEFORE or (
            after.lower() in _KEEP_BEFORE):
        return None
    number = int(digits)
    if number > style.spell_max and not start:
        return None
    word = _spelled(number, style)
    if word is None:
        return None
    if start and not lead.strip("\"'([¿¡"):
        word = word[0].upper() + word[1:]
    return f"{lead}{word}{trail}"


def starts_sentence(previous: str | None) -> bool:
    return previous is None or previous.rstrip("\"')]").endswith(_SENTENCE_END)


def apply_number_style(words: Sequence[Word], lang: Language) -> list[Word]:
    """``words`` with numbers written in ``lang``'s style (unchanged without one)."""
    style = lang.numbers
    if style is None:
        return list(words)
    out: list[Word] = []
    for i, word in enumerate(words):
        before = words[i - 1].text if i else ""
        after = words[i + 1].text if i + 1 < len(words) else ""
        new = _rewrite(word.text, starts_sentence(before if i else None), before, after, style)
        out.append(dataclasses.replace(word, text=new) if new else word)
    return out


def number_style_breaches(text: str, lang: Language) -> int:
    """How many numbers in ``text`` (one cue) break ``lang``'s number style."""
    style = lang.numbers
    if style is None:
        return 0
    tokens = text.split()
    breaches = 0
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        # a cue can start mid-sentence: only a full stop inside the cue starts one
        if _rewrite(token, starts_sentence(before) if i else False, before, after,
                    style) is not None:
            breaches += 1
    return breaches


__all__ = ["apply_number_style", "number_style_breaches", "starts_sentence"]
