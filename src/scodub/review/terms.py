"""The glossary, exported for the review page, so that names are marked again as an
editor types (``assets/terms.js``, a port of ``scodub.names.termcheck``).

The page finds names as ``find_terms`` does (folded word tokens, longest match first,
case endings in the languages that inflect names) and checks a translation as
``check_terms`` does. It holds no data of its own: each term's accepted forms per
language come here already cut into folded words (``match.form_words``), and the
character facts the tokenizer needs (how each character folds, which are word
characters, letters, or a word on their own as Han is) are tables of ``unicodedata`` and
``scodub.scripts``, so that the page and Python agree on every character. A test
compares the page with ``glossary_cells`` on edited cells.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from scodub.langs import CASE_ENDING_MAX, INFLECTING
from scodub.names import match
from scodub.names.glossary import Glossary
from scodub.names.wordcase import case_codes
from scodub.review.rules import code_ranges
from scodub.scripts import is_character_word


def _assigned() -> list[str]:
    """Every assigned character that is not private use: the others fold to themselves,
    are no letters, no word characters and in no script."""
    return [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) not in ("Cn", "Co", "Cs")
    ]


@functools.cache
def match_tables() -> dict[str, Any]:
    """``names.match``'s character facts: folds (one character to one), word characters,
    letters (``str.isalpha``), characters that are words of their own."""
    chars = _assigned()
    folds_from, folds_to = [], []
    for char in chars:
        folded = match.fold_char.__wrapped__(char)  # uncached: each is asked once
        if folded != char:
            folds_from.append(char)
            folds_to.append(folded)
    return {
        "fold_from": "".join(folds_from),
        "fold_to": "".join(folds_to),
        "word": code_ranges(match.is_word_char, chars),
        "alpha": code_ranges(str.isalpha, chars),
        "character_word": code_ranges(is_character_word, chars),
        "apostrophes": match._APOSTROPHES,
        "zero_width": match._ZERO_WIDTH,
        "stem_finals": "".join(sorted(match._STEM_FINALS)),
        "case_ending_max": {lang: CASE_ENDING_MAX[lang] for lang in sorted(INFLECTING)},
    }


def glossary_export(
    glossary: Glossary, languages: Sequence[str], repaired: Mapping[str, set[str]]
) -> dict[str, Any]:
    """Terms in glossary order as [id, {lang: [expected form, [form words, ...], [[lead,
    tail], ...], [codes, ...]]}] for the page's languages (``lead`` and ``tail``: the signs
    around each form's words, ``match.form_edges``; ``codes``: each word's letter case,
    ``wordcase.case_codes``), and per language the terms the run repaired."""
    terms = []
    for term in glossary.terms:
        per_language = {}
        for lang in languages:
            forms = [form for form in term.accepted(lang) if match.form_words(form)]
            per_language[lang] = [
                term.form(lang) or "",
                [list(match.form_words(form)) for form in forms],
                [list(match.form_edges(form)) for form in forms],
                [list(case_codes(form, lang)) for form in forms],
            ]
        terms.append([term.id, per_language])
    return {
        "terms": terms,
        "repaired": {lang: sorted(ids) for lang, ids in repaired.items() if ids},
        "match": match_tables(),
    }
