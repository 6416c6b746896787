"""A glossary name set in markup inside a cue follows the name into each translation.

Festival subtitles write a film's title in italics ("We saw <i>White Ant</i> yesterday."):
tags between words cannot follow the words into another language (``scodub.text.tags``),
but a glossary name is enforced in every translation in its target form
(``scodub.names.enforce``), so it can be found there and wrapped in the same tags. Only a
simple pair of tags (``<i>``, ``<b>``, ``<u>``) around exactly one name is carried, onto
the first place the translated cue holds one of that name's forms in full (a form
inflected out of its written shape, or broken over two lines, is not found: the tags
stay dropped and counted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scodub.data import Track
from scodub.langs import written_with_spaces
from scodub.names.glossary import Glossary, Term

_WRAPPED = re.compile(r"(<([ibu])>)([^<>]+?)(</\2>)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NamedMarkup:
    opening: str
    closing: str
    term: Term


def named_markup(tagged: Track, glossary: Glossary) -> list[list[NamedMarkup]]:
    """Per cue of ``tagged`` (the source, tags and all): each tag pair around a name."""
    forms = {form: term for term in glossary.terms for form in term.accepted(tagged.language)}
    out: list[list[NamedMarkup]] = []
    for cue in tagged.cues:
        found = []
        for line in cue.lines:
            for m in _WRAPPED.finditer(line):
                term = forms.get(" ".join(m.group(3).split()))
                if term is not None:
                    found.append(NamedMarkup(m.group(1), m.group(4), term))
        out.append(found)
    return out


def wrap_names(track: Track, named: Sequence[Sequence[NamedMarkup]]) -> tuple[Track, int]:
    """``track`` (a translation, cue for cue the source of ``named``) with each name
    wrapped as the source wrapped it; and how many tags were put back."""
    if not any(named):
        return track, 0
    spaced = written_with_spaces(track.language)
    cues = list(track.cues)
    restored = 0
    for n, marks in enumerate(named):
        lines = list(cues[n].lines)
        for mark in marks:
            for form in mark.term.accepted(track.language):
                placed = _wrap_first(lines, form, mark, spaced)
                if placed:
                    restored += 2
                    break
        if tuple(lines) != cues[n].lines:
            cues[n] = replace(cues[n], lines=tuple(lines))
    return replace(track, cues=tuple(cues)), restored


def _wrap_first(lines: list[str], form: str, mark: NamedMarkup, spaced: bool) -> bool:
    for k, line in enumerate(lines):
        start = line.find(form)
        while start >= 0:
            end = start + len(form)
            before, after = line[start - 1 : start], line[end : end + 1]
            whole = not spaced or not (before.isalnum() or after.isalnum())
            if whole and not line[:start].endswith(mark.opening):
                lines[k] = line[:start] + mark.opening + form + mark.closing + line[end:]
                return True
            start = line.find(form, start + 1)
    return False


__all__ = ["NamedMarkup", "named_markup", "wrap_names"]
