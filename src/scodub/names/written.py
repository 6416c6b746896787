"""Which form of a glossary term a correction writes: the one that was said (issue 8).

A term can be spoken in a short form (the place without its administrative suffix, a
surname alone): "Yong Chuan" heard is written "Yongchuan", the glossary's variant, not
the canonical "Yongchuan District", which would add a word nobody said. Spelling variants
(Chungking) are still written in the canonical spelling (Chongqing). In Russian and
Belarusian a misheard name keeps the case ending it was heard with.
"""

from __future__ import annotations

from collections.abc import Sequence

from scodub.names.glossary import Glossary
from scodub.names.match import is_respelling, similarity

#: Russian and Belarusian case endings a misheard name keeps when it is rewritten
#: ("Фильм Далера Рахматофа" -> "Далера Рахматова", not the nominative "Далер Рахматов").
_CASE_ENDINGS: dict[str, tuple[str, ...]] = {
    "ru": ("ами", "ому", "ого", "ом", "ой", "ым", "ем", "а", "у", "е", "ы"),
    "be": ("амі", "ага", "ам", "ай", "ым", "а", "у", "е", "ы"),
}
_VOWELS_AND_SIGNS = "аеёиоуыэюяьйіў"


def writable_forms(glossary: Glossary, lang: str) -> dict[str, tuple[str, ...]]:
    """Per term id, the forms a correction may write in ``lang``: the canonical form and
    the variants that are other names (``Yongchuan`` for ``Yongchuan District``), not
    respellings (``Chungking``)."""
    out: dict[str, tuple[str, ...]] = {}
    for term in glossary.terms:
        canonical = term.form(lang)
        if canonical:
            others = [v for v in term.accepted(lang)[1:] if not is_respelling(v, canonical)]
            out[term.id] = (canonical, *others)
    return out


def spoken_form(heard: str, matched: str, forms: Sequence[str]) -> str:
    """Of ``forms`` (``writable_forms`` of the term), the one that sounds most like
    ``heard``; ``matched`` (the form the match was made on) on a tie."""
    best, best_score = matched, similarity(heard, matched)
    for form in forms:
        score = similarity(heard, form)
        if score > best_score:
            best, best_score = form, score
    return best


def with_case_endings(written: str, heard_words: Sequence[str], lang: str) -> str:
    """In a language with case endings, each written word that ends in a consonant takes
    the ending its misheard word had (only when the word counts agree)."""
    endings = _CASE_ENDINGS.get(lang)
    parts = written.split()
    if not endings or len(parts) != len(heard_words):
        return written
    out = []
    for part, heard in zip(parts, heard_words, strict=True):
        ending = next((e for e in endings if heard.lower().endswith(e)
                       and len(heard) > len(e) + 2), "")
        consonant_end = part[-1:].isalpha() and part[-1:].lower() not in _VOWELS_AND_SIGNS
        out.append(part + ending if ending and consonant_end else part)
    return " ".join(out)


__all__ = ["spoken_form", "with_case_endings", "writable_forms"]
