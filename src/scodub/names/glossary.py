"""Glossary of festival names: the data types (loading and checking live beside them).

A term has a canonical form per language; a text in language L "contains" the term when
it contains ``forms[L]`` or one of ``variants[L]`` (and, for the source side of ASR, one of
the spoken ``aliases``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

TERM_KINDS: tuple[str, ...] = ("person", "film", "award", "place", "organisation", "festival")


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    kind: str  # one of TERM_KINDS
    forms: Mapping[str, str]  # ISO 639-1 code -> canonical form in that language
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # other accepted forms
    aliases: tuple[str, ...] = ()  # how ASR tends to mishear it (source-side only)
    keep: bool = False  # never translate: the same form in every language
    notes: str = ""
    source_file: str = ""
    line: int = 0  # line of the entry in its YAML file, for error messages

    def form(self, lang: str) -> str | None:
        """The canonical form in ``lang``; a ``keep`` term has one form everywhere."""
        if self.keep:
            return self.forms.get(lang) or next(iter(self.forms.values()), None)
        return self.forms.get(lang)

    def accepted(self, lang: str) -> tuple[str, ...]:
        """Every form that counts as this term in ``lang`` (canonical first)."""
        canonical = self.form(lang)
        head = (canonical,) if canonical else ()
        return head + tuple(v for v in self.variants.get(lang, ()) if v != canonical)


@dataclass(frozen=True, slots=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    sources: tuple[str, ...] = ()  # files merged into this glossary, in order

    # Term id -> term, built once: a scan per lookup made checking a film's cues
    # quadratic in the glossary's size (issue 7). The first term of an id wins, as before.
    _ids: dict[str, Term] = field(init=False, repr=False, compare=False)
    # Indexes other modules build once per glossary (see ``memo``).
    _memo: dict[object, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids: dict[str, Term] = {}
        for term in self.terms:
            ids.setdefault(term.id, term)
        object.__setattr__(self, "_ids", ids)
        object.__setattr__(self, "_memo", {})

    def __len__(self) -> int:
        return len(self.terms)

    def by_id(self, term_id: str) -> Term | None:
        return self._ids.get(term_id)

    @property
    def ids(self) -> Mapping[str, Term]:
        """Term id -> term (the first term of an id)."""
        return self._ids

    @property
    def memo(self) -> dict[object, object]:
        """A place for lookup tables derived from this (immutable) glossary, so each is
        built once per glossary, not once per text (``termcheck.find_terms``)."""
        return self._memo

    def hotwords(self, lang: str) -> list[str]:
        """Source-language forms that bias recognition (faster-whisper ``hotwords``)."""
        return [f for t in self.terms if (f := t.form(lang))]
