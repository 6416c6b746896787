"""A glossary name set in markup inside a cue follows the name into each translation.

Festival subtitles write a film's title in italics ("We saw <i>White Ant</i> yesterday."):
tags between words cannot follow the words into another language (``scodub.text.tags``),
but a glossary name is enforced in every translation in its target form
(``scodub.names.enforce``), so it can be found there and wrapped in the same tags. Only a
simple pair of tags (``<i>``, ``<b>``, ``<u>``) around exactly one name is carried, and only
where the cue's own markup did not carry it (``CueMarkup.lost``). The n-th mention of the
name in the source cue is wrapped as the n-th in the translation; where the translation
mentions it fewer times (a form inflected out of its written shape, or broken over two
lines, is not found), the tags stay dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scodub.data import Track
from scodub.langs import written_with_spaces
from scodub.names.glossary import Glossary, Term
from scodub.text.tags import strip_tags

_WRAPPED = re.compile(r"(<([ibu])>)([^<>]+?)(</\2>)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NamedMarkup:
    opening: str
    closing: str
    term: Term
    mention: int  # which mention of the term in the cue (0: the first)


def _mentions(text: str, forms: Sequence[str], spaced: bool) -> list[tuple[int, int]]:
    """Where ``text`` mentions any of ``forms`` (longest first, not overlapping; in a
    language written with spaces, whole words only)."""
    ordered = sorted(set(forms), key=len, reverse=True)
    found: list[tuple[int, int]] = []
    at = 0
    while at < len(text):
        for form in ordered:
            end = at + len(form)
            if form and text.startswith(form, at) and (not spaced or not (
                    text[at - 1 : at].isalnum() or text[end : end + 1].isalnum())):
                found.append((at, end))
                at = end
                break
        else:
            at += 1
    return found


def named_markup(tagged: Track, glossary: Glossary) -> list[list[NamedMarkup]]:
    """Per cue of ``tagged`` (the source, tags and all): each tag pair around a name."""
    lang = tagged.language
    spaced = written_with_spaces(lang)
    forms = {form: term for term in glossary.terms for form in term.accepted(lang)}
    out: list[list[NamedMarkup]] = []
    for cue in tagged.cues:
        text = "\n".join(cue.lines)
        plain = strip_tags(text)
        found = []
        for m in _WRAPPED.finditer(text):
            term = forms.get(" ".join(m.group(3).split()))
            if term is None:
                continue
            start = len(strip_tags(text[: m.start()]))
            starts = [a for a, _ in _mentions(plain, term.accepted(lang), spaced)]
            if start in starts:
                found.append(NamedMarkup(m.group(1), m.group(4), term, starts.index(start)))
        out.append(found)
    return out


def wrap_names(
    track: Track, named: Sequence[Sequence[NamedMarkup]], lost: Sequence[int]
) -> tuple[Track, list[int]]:
    """``track`` (a translation, cue for cue the source of ``named``) with each name
    wrapped as the source wrapped it, in the cues whose markup lost tags (``lost``: how
    many, per cue); and how many tags each cue got back (at most what it lost)."""
    restored = [0] * len(track.cues)
    if not any(named):
        return track, restored
    spaced = written_with_spaces(track.language)
    cues = list(track.cues)
    for n, marks in enumerate(named):
        text = "\n".join(cues[n].lines)
        for mark in sorted(marks, key=lambda m: m.mention, reverse=True):
            if restored[n] + 2 > lost[n]:
                break
            mentions = _mentions(text, mark.term.accepted(track.language), spaced)
            if mark.mention < len(mentions):
                start, end = mentions[mark.mention]
                text = text[:start] + mark.opening + text[start:end] + mark.closing + text[end:]
                restored[n] += 2
        if restored[n]:
            cues[n] = replace(cues[n], lines=tuple(text.split("\n")))
    return replace(track, cues=tuple(cues)), restored


__all__ = ["NamedMarkup", "named_markup", "wrap_names"]
