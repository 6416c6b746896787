"""Which glossary terms a text holds, and whether a translation keeps those of its source.

``find_terms`` finds every glossary term in a text in any of the 11 languages: longest
match first, case-insensitive (but a name written as the ordinary words it is made of,
"a white ant", is none: ``names.wordcase``), word-bounded (each Han character is a
word), and, in the languages that inflect names (``scodub.langs.INFLECTING``), with case
endings on each word of the form (``Чжана Имоу``, ``Самины Фарзин``; see
``namematch.word_matches``).

``verify`` checks any pair of texts (a model's output, an editor's subtitle line against
its source): each source term must be in the output in an accepted form for the target
language (canonical or variant; aliases, being mishearings, do not count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scodub.langs import get_language
from scodub.names.glossary import Glossary
from scodub.names.match import find_forms, form_words, index_tokens, tokens
from scodub.names.wordcase import is_written_as_words


@dataclass(frozen=True, slots=True)
class TermSpan:
    """One occurrence of a glossary term in a text."""

    term_id: str
    start: int
    end: int
    surface: str  # the text as written there
    exact: bool  # False when a case ending was allowed


@dataclass(frozen=True, slots=True)
class TermCheck:
    """Is a source term in the output, in the glossary form for the target language?"""

    term_id: str
    expected: str  # the glossary form in the target language ("" when it has none)
    found: str  # what the output has there ("" when nothing)
    status: str  # "hit", "repaired" (present after a repair) or "miss"
    source_count: int
    output_count: int
    note: str = ""


def _terms_by_prefix(glossary: Glossary, lang: str) -> dict[str, list[int]]:
    """Positions of the terms with an accepted form in ``lang`` whose first word starts
    with each three-letter prefix (the key ``index_tokens`` files a text's words under)."""
    key = ("termcheck.terms_by_prefix", lang)
    table = glossary.memo.get(key)
    if table is None:
        built: dict[str, list[int]] = {}
        for position, term in enumerate(glossary.terms):
            for form in term.accepted(lang):
                words = form_words(form)
                if words:
                    entries = built.setdefault(words[0][:3], [])
                    if not entries or entries[-1] != position:
                        entries.append(position)
        glossary.memo[key] = table = built
    return table  # type: ignore[return-value]


def find_terms(text: str, lang: str, glossary: Glossary) -> list[TermSpan]:
    """Glossary terms in ``text``: the longest wins where two overlap; in text order.

    Only the terms that can start at one of the text's words are tried (an index per
    glossary and language), so the work grows with the text, not with the glossary
    (issue 7: trying every term for every cue was glossary size x cues).
    """
    toks = tokens(text)
    index = index_tokens(toks)
    by_prefix = _terms_by_prefix(glossary, lang)
    candidates = sorted({p for key in index for p in by_prefix.get(key, ())})
    found: list[TermSpan] = []
    for term in (glossary.terms[p] for p in candidates):
        for m in find_forms(text, term.accepted(lang), lang, toks, index):
            if is_written_as_words(m.form, text[m.start : m.end], lang):
                continue  # "a white ant" is no film White Ant
            found.append(TermSpan(term.id, m.start, m.end, text[m.start : m.end], m.exact))
    found.sort(key=lambda s: (-(s.end - s.start), s.start, not s.exact))
    chosen: list[TermSpan] = []
    for span in found:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def source_terms(text: str, lang: str, glossary: Glossary) -> tuple[list[str], Counter[str]]:
    """The term ids of ``text`` in order of first mention, and how often each is there."""
    spans = find_terms(text, lang, glossary)
    counts = Counter(s.term_id for s in spans)
    return list(dict.fromkeys(s.term_id for s in spans)), counts


def verify(text: str, source_text: str, source_lang: str, target_lang: str,
           glossary: Glossary) -> list[TermCheck]:
    """Check, without changing anything, that the terms of ``source_text`` are in ``text``
    (any translation: a model's output, an editor's subtitle line)."""
    src = get_language(source_lang).code
    tgt = get_language(target_lang).code
    order, counts = source_terms(source_text, src, glossary)
    return check_terms(text, tgt, glossary, order, counts, set())


def check_terms(text: str, lang: str, glossary: Glossary, order: Sequence[str],
                counts: Counter[str], repaired: set[str]) -> list[TermCheck]:
    """One check per term id in ``order`` (``counts``: source occurrences); terms in
    ``repaired`` that are present count as repaired rather than plain hits."""
    found: dict[str, list[TermSpan]] = {}
    for span in find_terms(text, lang, glossary):
        found.setdefault(span.term_id, []).append(span)
    checks = []
    for term_id in order:
        term = glossary.by_id(term_id)
        expected = (term.form(lang) if term else None) or ""
        spans = found.get(term_id, [])
        status = ("repaired" if term_id in repaired else "hit") if spans else "miss"
        note = "" if expected else f"the glossary has no {lang} form for this term"
        checks.append(TermCheck(term_id, expected, spans[0].surface if spans else "", status,
                                counts[term_id], len(spans), note))
    return checks


__all__ = ["TermCheck", "TermSpan", "check_terms", "find_terms", "source_terms", "verify"]
