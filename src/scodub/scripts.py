"""Which writing system a character or a text is in: the one script helper.

A letter's script is taken from its Unicode character name (``CYRILLIC SMALL LETTER
A`` -> ``Cyrillic``), with the names used in ``scodub.langs`` (``Han`` for CJK
ideographs). Digits, punctuation, spaces and script-neutral marks (modifier letters
such as the Uzbek ``ʻ``, generic combining accents) belong to no script.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

# Unicode name prefixes that do not name a script of their own.
_NEUTRAL_PREFIXES = ("MODIFIER", "COMBINING")
_FULL_WIDTH_PREFIXES = ("FULLWIDTH ", "HALFWIDTH ")
_SCRIPT_ALIASES = {"CJK": "Han", "IDEOGRAPHIC": "Han"}


@functools.lru_cache(maxsize=4096)
def script_of(char: str) -> str | None:
    """The script of one letter or combining mark, or ``None`` for neutral characters."""
    category = unicodedata.category(char)
    if not category.startswith(("L", "M")):
        return None
    name = unicodedata.name(char, "")
    for prefix in _FULL_WIDTH_PREFIXES:
        name = name.removeprefix(prefix)
    if not name or name.startswith(_NEUTRAL_PREFIXES):
        return None
    head = name.split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(head, head.capitalize())


def scripts_in(text: str) -> dict[str, str]:
    """Each script the text uses, mapped to the first few letters written in it (words
    kept apart by a space: 'Привет мир', not 'Приветмир')."""
    found: dict[str, str] = {}
    previous: str | None = None
    for char in text:
        script = script_of(char)
        if script is not None:
            sample = found.get(script, "")
            if len(sample) < 8:
                gap = " " if sample and previous != script and not sample.endswith(" ") else ""
                found[script] = sample + gap + char
        previous = script
    return found


def foreign_scripts(text: str, allowed: Iterable[str]) -> dict[str, str]:
    """The scripts of ``text`` outside ``allowed``, with sample letters of each."""
    accepted = set(allowed)
    return {s: sample for s, sample in scripts_in(text).items() if s not in accepted}


#: Scripts whose every character is a word of its own for tokenising (no spaces).
_CHARACTER_WORDS = frozenset({"Han", "Hiragana", "Katakana", "Katakana-hiragana"})


def is_character_word(char: str) -> bool:
    """A Han ideograph or kana: one character, one token."""
    return script_of(char) in _CHARACTER_WORDS


def text_script(text: str) -> str:
    """The script of the first letter of ``text`` ("" when it has none)."""
    return next((s for ch in text if (s := script_of(ch)) is not None), "")
