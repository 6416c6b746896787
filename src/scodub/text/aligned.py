"""Fit translated cue texts into the source track's timing, for many languages at once.

Every language's track keeps the source's cue count and exactly its in- and out-times, so
all subtitle tracks (and the dubbing slots built on them) stay aligned. Per language and
cue, the candidate translations (n-best, best first) are laid out for the language
(``scodub.text.linebreak.layout``: line breaks, RTL marks) and the first one that meets the
line count, the line width and the reading speed at the cue's current duration is
taken; if none does, the shortest. Then, where a cue still reads too fast in any track
(the source's included), its out-time is extended into the following gap, as far as
the timing rules allow (the minimum gap before the next cue, the maximum duration; a
gap left at 12 frames or less is closed to the minimum gap, as chaining asks), and the
new out-time is applied to every track at once: one track's times never change alone.
In-times never move. What still breaks a rule is reported per language (``scodub.text.qc``).

Dual-speaker cues (``scodub.text.linebreak.speaker_lines``) stay dual in every language: a
candidate for such a cue holds the two speakers' texts separated by a newline and is laid
out one speaker per line, each opened by the hyphen; every track keeps the source cue's
``speakers``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scodub.data import Cue, Track
from scodub.langs import TIMING, Language, get_language
from scodub.text.linebreak import (
    dual_layout,
    layout,
    lines_fit,
    min_duration_for_cps,
    normalize,
    reading_chars,
    reading_speed_cps,
    speaker_lines,
)
from scodub.text.qc import QcReport, check_track


@dataclass(frozen=True, slots=True)
class FitStats:
    """How one language's track came out."""

    language: str
    cues: int
    violations: dict[str, int]  # rule id -> cues breaking it, after fitting (scodub.text.qc)
    alternates: int  # cues that took a candidate other than the first
    extensions: int  # cues whose out-time this language's reading speed pushed later
    qc: QcReport

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "cues": self.cues,
            "violations": self.violations,
            "hard_violations": len(self.qc.hard_issues),
            "alternates": self.alternates,
            "extensions": self.extensions,
        }


@dataclass(frozen=True, slots=True)
class FitResult:
    source: Track  # the source track with the shared (possibly extended) out-times
    tracks: dict[str, Track]  # per language, same cue count and times as ``source``
    stats: dict[str, FitStats]  # per language, the source's language included
    extended: tuple[int, ...]  # indices of the cues whose out-time moved

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.language,
            "cues": len(self.source.cues),
            "extended_cues": len(self.extended),
            "languages": {code: stats.to_json() for code, stats in self.stats.items()},
        }


@dataclass(frozen=True, slots=True)
class _Choice:
    lines: tuple[str, ...]
    alternate: bool


def fit_tracks(
    source: Track,
    candidates: Mapping[str, Sequence[Sequence[str]]],
    fps: float | None,
    protected: Mapping[str, Sequence[Sequence[str]]] | None = None,
    end_ms: int | None = None,
) -> FitResult:
    """Fit ``candidates[lang][i]`` (candidate texts for source cue i, best first) into
    ``source``'s timing; ``protected[lang][i]`` lists spans (glossary names) that a line
    break must not split; ``end_ms``: the film's end, past which no cue is extended. See
    the module docstring."""
    rate = fps or source.fps
    count = len(source.cues)
    langs: dict[str, Language] = {}
    for code, per_cue in candidates.items():
        lang = get_language(code)
        if len(per_cue) != count:
            raise ValueError(f"{lang.code}: {len(per_cue)} candidate lists for {count} source cues")
        langs[lang.code] = lang
    chosen: dict[str, list[_Choice]] = {}
    for code, per_cue in candidates.items():
        lang = get_language(code)
        spans = (protected or {}).get(code) or (protected or {}).get(lang.code) or ()
        chosen[lang.code] = [
            _choose(
                texts,
                lang,
                cue.duration_ms,
                spans[i] if i < len(spans) else (),
                dual=speaker_lines(cue.lines) is not None,
            )
            for i, (texts, cue) in enumerate(zip(per_cue, source.cues, strict=True))
        ]
    source_lang = get_language(source.language)
    texts: dict[str, list[tuple[str, ...]]] = {c: [x.lines for x in v] for c, v in chosen.items()}
    texts.setdefault(source_lang.code, [cue.lines for cue in source.cues])
    langs.setdefault(source_lang.code, source_lang)
    ends, drivers = _extend(source.cues, texts, langs, rate, end_ms)
    aligned = tuple(replace(cue, end_ms=end) for cue, end in zip(source.cues, ends, strict=True))
    new_source = replace(source, cues=aligned, fps=rate)
    tracks = {
        code: Track(
            code,
            tuple(
                Cue(cue.start_ms, cue.end_ms, lines, cue.speakers)
                for cue, lines in zip(aligned, per_cue, strict=True)
            ),
            rate,
        )
        for code, per_cue in texts.items()
        if code in chosen
    }
    _check_aligned(new_source, tracks)
    stats: dict[str, FitStats] = {}
    for code in texts:
        track = tracks.get(code, new_source)
        report = check_track(track, rate)
        stats[code] = FitStats(
            language=code,
            cues=count,
            violations=report.violations(),
            alternates=sum(c.alternate for c in chosen.get(code, [])),
            extensions=sum(1 for d in drivers if code in d),
            qc=report,
        )
    extended = tuple(
        i for i, (cue, end) in enumerate(zip(source.cues, ends, strict=True)) if end != cue.end_ms
    )
    return FitResult(new_source, tracks, stats, extended)


def _choose(
    texts: Sequence[str],
    lang: Language,
    duration_ms: int,
    protected: Sequence[str],
    *,
    dual: bool = False,
) -> _Choice:
    """The first candidate that meets lines, width and reading speed; else the shortest."""
    laid_out = [_lay_out(text, lang, protected, dual) for text in texts if normalize(text)]
    if not laid_out:
        return _Choice((), False)
    for rank, lines in enumerate(laid_out):
        if lines_fit(lines, lang) and reading_speed_cps(lines, duration_ms) <= lang.max_cps:
            return _Choice(lines, rank > 0)
    shortest = min(range(len(laid_out)), key=lambda k: reading_chars(laid_out[k]))
    return _Choice(laid_out[shortest], shortest > 0)


def _lay_out(text: str, lang: Language, protected: Sequence[str], dual: bool) -> tuple[str, ...]:
    """A dual cue's "first speaker\nsecond speaker" one per line behind the hyphens (a
    candidate already in dual form is read back first); anything else by ``layout``."""
    if dual:
        parts = speaker_lines(text.split("\n")) or tuple(text.split("\n", 1))
        if len(parts) == 2 and all(normalize(part) for part in parts):
            return dual_layout(parts, lang)
    return layout(text, lang, protected)


def _extend(
    cues: Sequence[Cue],
    texts: Mapping[str, Sequence[tuple[str, ...]]],
    langs: Mapping[str, Language],
    fps: float | None,
    film_end_ms: int | None = None,
) -> tuple[list[int], list[set[str]]]:
    """New out-times shared by all tracks, and per cue the languages that needed them."""
    gap = TIMING.frames_ms(TIMING.min_gap_frames, fps)
    chain = TIMING.frames_ms(TIMING.chain_gap_frames, fps)
    ends: list[int] = []
    drivers: list[set[str]] = []
    for i, cue in enumerate(cues):
        needs = {
            code: cue.start_ms + min_duration_for_cps(texts[code][i], langs[code]) for code in texts
        }
        wanted = max(needs.values(), default=cue.end_ms)
        if wanted <= cue.end_ms:
            ends.append(cue.end_ms)
            drivers.append(set())
            continue
        highest = cue.start_ms + TIMING.max_duration_ms
        if i + 1 < len(cues):
            highest = min(highest, cues[i + 1].start_ms - gap)
        elif film_end_ms:
            highest = min(highest, film_end_ms)
        end = max(cue.end_ms, min(wanted, highest))
        if i + 1 < len(cues) and cues[i + 1].start_ms - end <= chain:
            end = max(end, highest)  # chaining: a short gap closes to the minimum gap
        ends.append(end)
        drivers.append(
            {code for code, need in needs.items() if need > cue.end_ms}
            if end > cue.end_ms
            else set()
        )
    return ends, drivers


def _check_aligned(source: Track, tracks: Mapping[str, Track]) -> None:
    """Every track has the source's cue count and identical times (a broken invariant
    here is a bug, so this is checked even under ``python -O``)."""
    times = [(c.start_ms, c.end_ms) for c in source.cues]
    for code, track in tracks.items():
        if [(c.start_ms, c.end_ms) for c in track.cues] != times:
            raise AssertionError(f"{code} track is not aligned with the source track")
