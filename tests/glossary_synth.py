"""Synthetic glossaries of any size, for the load benchmark and the linear-loading test.

Names are made of pseudo-random syllables (deterministic), so no two terms share a form
unless asked to; every term has an English form, a Russian transliteration and a Chinese
form, and every tenth term an alias, like a real festival glossary scaled up.
"""

from __future__ import annotations

import random

_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ren",
    "sha",
    "to",
    "vi",
    "zan",
    "bel",
    "dor",
    "gu",
    "ni",
    "pra",
    "sel",
    "tur",
    "yo",
    "am",
    "ek",
    "ul",
    "ost",
)
_CYRILLIC = {
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "g": "г",
    "h": "х",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "y": "й",
    "z": "з",
}
_HAN = "安北城达恩福光海吉卡兰明诺欧普奇仁山图维夏雅泽"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def synthetic_glossary_yaml(terms: int, *, seed: int = 7, id_prefix: str = "t") -> str:
    """The YAML text of a valid glossary of ``terms`` distinct person names."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out = ["version: 1", f"name: synthetic {terms}", "source_language: en", "terms:"]
    n = 0
    while n < terms:
        name = f"{_word(rng)} {_word(rng)}"
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        n += 1
        ru = "".join(_CYRILLIC.get(c, c) for c in name.lower()).title()
        zh = "".join(_HAN[(ord(c) * 7 + i) % len(_HAN)] for i, c in enumerate(name))[:6]
        # Fixed-width numbers: no term's Chinese form is a piece of another's.
        out += [
            f"  - id: {id_prefix}-{n}",
            "    kind: person",
            "    keep: true",
            "    forms:",
            f"      en: {name}",
            f"      ru: {ru}",
            f"      zh: {zh}{n:07d}",
        ]
        if n % 10 == 0:
            out.append(f"    aliases: [{name.replace(' ', '')}]")
    return "\n".join(out) + "\n"
