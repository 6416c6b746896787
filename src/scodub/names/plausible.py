"""Where a festival name may have been said but was not written: the places the second
pass decodes again (``scodub.names.secondpass.redecode``, issue 8).

A glossary form, or for a person one word of the name, that scores at least
``PLAUSIBLE_THRESHOLD`` against a run of heard words (``scodub.names.correct``'s matching,
leniently: this only chooses where to look; the second pass and the audio decide what is
written) makes the name plausible there. A run heard exactly as another name is no place
to look (a name heard exactly is never replaced), and at most ``_PLAUSIBLE_MAX`` names,
best first, prime a segment.
"""

from __future__ import annotations

from collections.abc import Sequence

from scodub.data import Transcript
from scodub.langs import get_language
from scodub.names.correct import (
    Match,
    Surface,
    already_right,
    scored_matches,
    surfaces_of,
    written_form,
)
from scodub.names.glossary import Glossary
from scodub.names.match import compact
from scodub.names.spans import spans_of, word_tokens
from scodub.names.written import writable_forms

#: A name found through one of its words ranks below names matched whole.
_PART_PENALTY = 10.0
#: Letters a span or a name needs before it can make a name plausible ("Di-Mo" for Dai Mo).
_PLAUSIBLE_CHARS = 4
#: At most this many names prime one segment's second pass (a long list is the
#: whole-film bias again, in small).
_PLAUSIBLE_MAX = 4


#: A glossary form this close to some words (``similarity``, 0-100) makes the name
#: plausible there: the segment is worth decoding again primed with it
#: (``scodub.names.secondpass.redecode``). Lower than ``CORRECTION_THRESHOLD``: the second
#: pass and the audio decide, this only chooses where to look. Whisper base hears unfamiliar
#: names as words that score 60-70 against them ("Ganyamu" / Zhang Yimou 63, "Yantuan" /
#: Yongchuan 65); at 70 one unheard name in seven was never decoded again.
PLAUSIBLE_THRESHOLD = 60.0


def _person_parts(surfaces: Sequence[Surface]) -> list[Surface]:
    """Each word of a person's name as a surface of its own: "Hay-Yong" is heard for the
    "Haiyang" of Jiang Haiyang, and a surname alone is how people are often named."""
    parts = []
    for surface in surfaces:
        if surface.term.kind == "person" and len(surface.raw) > 1:
            parts += [Surface(surface.term, raw, surface.canonical, True, *word_tokens(raw))
                      for raw in surface.raw if len(compact(raw)) >= _PLAUSIBLE_CHARS]
    return parts


def plausible_forms(transcript: Transcript, glossary: Glossary, lang: str | None = None,
                    threshold: float = PLAUSIBLE_THRESHOLD) -> dict[int, tuple[str, ...]]:
    """Per segment index, the glossary forms that may have been said there but are not
    written there (the forms of the terms matched at ``threshold``, whole or, for people,
    one word of the name; best first)."""
    return {seg: tuple(forms) for seg, forms in
            plausible_places(transcript, glossary, lang, threshold).items()}


def plausible_places(transcript: Transcript, glossary: Glossary, lang: str | None = None,
                     threshold: float = PLAUSIBLE_THRESHOLD,
                     ) -> dict[int, dict[str, tuple[tuple[int, int], ...]]]:
    """``plausible_forms`` with, for each form, the runs of heard words (first, last:
    word indices, inclusive) where it may have been said: the second pass writes a name
    only there (``scodub.names.secondpass``)."""
    language = get_language(lang or transcript.language)
    surfaces = surfaces_of(glossary, language.code)
    if not surfaces or not transcript.segments:
        return {}
    spans = spans_of(transcript, max(len(s.words) for s in surfaces) + 1, parts=True)
    writable = writable_forms(glossary, language.code)
    found: dict[int, dict[str, float]] = {}
    where: dict[tuple[int, str], set[tuple[int, int]]] = {}
    parts = _person_parts(surfaces)
    part_ids = {id(p) for p in parts}
    matches = scored_matches(spans, surfaces + parts, threshold, language.code,
                           min_chars=_PLAUSIBLE_CHARS, lenient=True)
    heard: dict[int, list[Match]] = {}  # per segment, the names heard exactly
    for m in matches:
        if already_right(m, language.code) or m.span.raw == m.surface.raw:
            heard.setdefault(m.span.seg, []).append(m)
    exact = {id(h) for hs in heard.values() for h in hs}
    for m in matches:
        if id(m) in exact or _over_heard_name(m, heard):
            continue
        form = written_form(m, writable)
        if _contains_form(transcript.segments[m.span.seg].text, form):
            continue
        best = found.setdefault(m.span.seg, {})
        score = m.score - (_PART_PENALTY if id(m.surface) in part_ids else 0.0)
        best[form] = max(best.get(form, 0.0), score)
        where.setdefault((m.span.seg, form), set()).add((m.span.first, m.span.last))
    return {seg: {form: tuple(sorted(where[seg, form]))
                  for form in sorted(forms, key=lambda f: -forms[f])[:_PLAUSIBLE_MAX]}
            for seg, forms in found.items()}


def _over_heard_name(m: Match, heard: dict[int, list[Match]]) -> bool:
    """``m`` would put its name over words heard exactly as another name ("China" of
    China Daily is not Hai Qing), and its name does not hold that one ("SCO" in the SCO
    Film Festival): a name heard exactly is never replaced, so it is no place to look."""
    for h in heard.get(m.span.seg, ()):
        if m.span.last < h.span.first or m.span.first > h.span.last:
            continue
        if not _contains_words(m.surface.words, h.surface.words):
            return True
    return False


def _contains_words(whole: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def _contains_form(text: str, form: str) -> bool:
    at = text.find(form)
    return at >= 0 and not text[at - 1 : at].isalnum() and not (
        text[at + len(form) : at + len(form) + 1].isalnum())


__all__ = ["PLAUSIBLE_THRESHOLD", "plausible_forms", "plausible_places"]
