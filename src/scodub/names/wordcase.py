"""A glossary name written as the ordinary words it is made of is not the name.

Names are found case-insensitively (``termcheck.find_terms``): an editor or Whisper may
write one in lower case. But many festival names are ordinary words with capitals: the
film *White Ant*, the newspaper *China Daily*, the film *Resurrection*. In "a white ant
crawled out", "fine china daily" or "they believe in resurrection" the words are meant as
words, and a translation forced to carry the glossary's film title or paper there is a
visible error. So a match is no name where every capitalised word of the form is written
with a small initial letter and each of them, in lower case, is an ordinary word of the
language (``scodub.text.ordinary``): "white ant" is no name, "White Ant", "the White ant"
or "zhang yimou" (*yimou* is no word) are. A text in capitals says nothing either way and
keeps its names ("WHITE ANT").

The page's ``terms.js`` applies the same rule from each form's codes (``case_codes``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from scodub.errors import LanguageError
from scodub.names.match import tokens
from scodub.text.ordinary import is_ordinary

#: A form word's code: written with a small letter in the glossary (or in a script
#: without letter case), capitalised, or capitalised and an ordinary word in lower case.
PLAIN, CAPITAL, ORDINARY_CAPITAL = 0, 1, 2


def starts_small(word: str) -> bool:
    """``word`` begins with a lower-case letter (Unicode category Ll, as the page tests)."""
    return bool(word) and unicodedata.category(word[0]) == "Ll"


@lru_cache(maxsize=8192)
def case_codes(form: str, lang: str) -> tuple[int, ...]:
    """One code per word of ``form`` (``match.tokens``), for ``lang``'s word list."""
    codes = []
    for tok in tokens(form):
        word = form[tok.start : tok.end]
        if unicodedata.category(word[0]) not in ("Lu", "Lt"):
            codes.append(PLAIN)
        else:
            codes.append(ORDINARY_CAPITAL if _ordinary(word, lang) else CAPITAL)
    return tuple(codes)


def _ordinary(word: str, lang: str) -> bool:
    """``is_ordinary``, False for a language scodub does not know (a glossary may hold
    forms in others: its names are then found as before)."""
    try:
        return bool(is_ordinary(word, lang))
    except LanguageError:
        return False


def written_as_words(codes: Sequence[int], words: Sequence[str]) -> bool:
    """The form's words, written as ``words`` (the text's, in order), are ordinary words
    and not the name: every capitalised word of the form starts small there, and each is
    an ordinary word. A form with no capitalised word is never ruled out."""
    named = [(code, word) for code, word in zip(codes, words, strict=False) if code != PLAIN]
    return bool(named) and all(code == ORDINARY_CAPITAL and starts_small(word)
                               for code, word in named)


def is_written_as_words(form: str, surface: str, lang: str) -> bool:
    """``surface`` (a match of ``form`` in a text of ``lang``) is ordinary words."""
    codes = case_codes(form, lang)
    if ORDINARY_CAPITAL not in codes:
        return False
    words = [surface[t.start : t.end] for t in tokens(surface)]
    return len(words) == len(codes) and written_as_words(codes, words)


__all__ = ["case_codes", "is_written_as_words", "starts_small", "written_as_words"]
