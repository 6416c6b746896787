"""One film's review data: the grid (one row per cue, one column per language) with
every flag the page shows, as one JSON-ready dict.

Per cell: times and text (the editor's version where one was saved), the QC issues
``scodub qc`` finds; glossary names (hit, repaired, missing: with ``--glossary``);
on the source column the ASR corrections and the words Whisper was unsure of; on
dubbed columns each line's speed-up and whether it fitted. Per row, the speakers of the
cue (``S1``, ``S2``: the transcript's, where speaker turns were looked for; the tracks
are aligned, so one list serves every column). Rows are compact lists (not objects) so
that a two-hour film in eleven languages stays a few MB.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scodub.asr.hearing import hearing_notes
from scodub.data import Cue, Track, Transcript
from scodub.langs import subtitle_rules
from scodub.names.glossary import Glossary
from scodub.names.termcheck import check_terms, find_terms, source_terms
from scodub.review.edits import edited_digest
from scodub.review.load import FilmRun, edited_path
from scodub.review.rows import place_cues
from scodub.review.rules import cell_issues, rules_export, unicode_tables
from scodub.review.terms import glossary_export

#: Whisper's word probability under which a source word is shown as unsure. Whisper's
#: probabilities on clear speech sit above 0.7 (tests/data/whisper_words.json); below
#: one half a word is as likely wrong as right.
LOW_CONFIDENCE = 0.5


def _cells(cues: Sequence[Cue]) -> list[list[Any]]:
    return [[cue.start_ms, cue.end_ms, cue.text] for cue in cues]


def _cue_of(
    start: int, end: int, cues: Sequence[Cue], starts: Sequence[int] | None = None
) -> int | None:
    """The cue a timed word or correction falls in (the one it overlaps most). Cues are
    in order and do not overlap, so only those starting before ``end`` and the few
    before them are looked at (``starts``: the cues' in-times, when known)."""
    starts = [cue.start_ms for cue in cues] if starts is None else starts
    last = bisect.bisect_right(starts, end)
    best, best_overlap = None, 0
    for index in range(max(0, last - 4), min(len(cues), last + 1)):
        cue = cues[index]
        overlap = min(end, cue.end_ms) - max(start, cue.start_ms)
        if overlap > best_overlap or (overlap == best_overlap == 0 and start == cue.start_ms):
            best, best_overlap = index, overlap
    return best


def cue_speakers(transcript: Transcript | None, cues: Sequence[Cue]) -> list[list[str]]:
    """Per cue, its speakers in order of first word (``scodub.text.segment`` does the
    same when it makes the cues); all empty when the transcript has no speakers."""
    out: list[list[str]] = [[] for _ in cues]
    if transcript is None or not transcript.speakers:
        return out
    starts = [cue.start_ms for cue in cues]
    for word in transcript.words:
        if word.speaker is None:
            continue
        index = _cue_of(word.start_ms, word.end_ms, cues, starts)
        if index is not None and word.speaker not in out[index]:
            out[index].append(word.speaker)
    return out


@dataclass(frozen=True)
class Layout:
    """The grid of one film: its row count, the row of each cue per language
    (``review.rows``), and the speakers of each row (the source cue's)."""

    rows: int
    placement: dict[str, list[int]]
    speakers: list[list[str]]

    def cue_speakers(self, lang: str) -> list[list[str]]:
        """Per cue of ``lang``'s track, the speakers of its row."""
        return [self.speakers[row] for row in self.placement[lang]]


def film_tracks(run: FilmRun) -> dict[str, Track]:
    """Each language's track as the page shows it: the editor's version where one was saved."""
    return {lang: run.edited.get(lang) or run.tracks[lang] for lang in run.languages}


def film_layout(run: FilmRun, tracks: dict[str, Track] | None = None) -> Layout:
    """The rows of the page for ``run`` (``tracks``: ``film_tracks(run)``)."""
    tracks = film_tracks(run) if tracks is None else tracks
    reference = run.tracks.get(run.source_language)
    rows_cues = reference.cues if reference is not None else ()
    placement = {lang: place_cues(track.cues, rows_cues) for lang, track in tracks.items()}
    rows = max([len(rows_cues)] + [p[-1] + 1 for p in placement.values() if p])
    speakers: list[list[str]] = [[] for _ in range(rows)]
    source = tracks.get(run.source_language)
    if source is not None:
        for k, found in enumerate(cue_speakers(run.transcript, source.cues)):
            speakers[placement[run.source_language][k]] = found
    return Layout(rows, placement, speakers)


def row_cells(track: Track, placement: Sequence[int], rows: Sequence[Cue]) -> list[list[Any]]:
    """A column's cells by row: a row none of its cues sits in (deleted) is the row's
    times with no text."""
    cells = _cells(track.cues)
    if len(placement) >= len(rows):
        return cells
    out = [[cue.start_ms, cue.end_ms, ""] for cue in rows]
    for cell, row in zip(cells, placement, strict=True):
        out[row] = cell
    return out


def row_issues(issues: list[list[Any]], placement: Sequence[int]) -> list[list[Any]]:
    """Issues found on a track's cues, moved to the cues' rows."""
    return [[placement[item[0]], *item[1:]] for item in issues]


def asr_notes(
    run: FilmRun, source: Track, placement: Sequence[int] | None = None
) -> dict[str, Any]:
    """Per row of a source cue (``placement``: each cue's row; by default its index):
    corrections [heard, written, score] and unsure words [word, p]."""
    notes: dict[int, dict[str, list[list[Any]]]] = {}
    transcript = run.transcript
    if transcript is None:
        return {}
    starts = [cue.start_ms for cue in source.cues]
    for fix in transcript.corrections:
        index = _cue_of(fix.start_ms, fix.end_ms, source.cues, starts)
        if index is not None:
            entry = notes.setdefault(index, {"corrections": [], "unsure": []})
            entry["corrections"].append([fix.heard, fix.corrected, round(fix.score, 3)])
    for word in transcript.words:
        if word.probability >= LOW_CONFIDENCE:
            continue
        index = _cue_of(word.start_ms, word.end_ms, source.cues, starts)
        if index is not None:
            entry = notes.setdefault(index, {"corrections": [], "unsure": []})
            entry["unsure"].append([word.text.strip(), round(word.probability, 3)])
    rows = placement if placement is not None else range(len(source.cues))
    return {str(rows[index]): entry for index, entry in sorted(notes.items())}


def hearing_data(transcript: Transcript | None) -> dict[str, Any]:
    """What the transcript may have wrong or missed (``asr.hearing``): its warnings, and
    each stretch of speech that got no words [start_ms, end_ms] (those an editor has
    since covered with a cue drop out on the page), and each stretch of speech in another
    language [start_ms, end_ms, language], for the page to list."""
    if transcript is None:
        return {"warnings": [], "unheard": [], "language": None, "elsewhere": []}
    found = transcript.hearing.unheard_language
    return {
        "warnings": hearing_notes(transcript),
        "unheard": [list(span) for span in transcript.hearing.unheard],
        "language": found[0]
        if found and found[0] != (transcript.hearing.language or transcript.language)
        else None,
        "elsewhere": [[a, b, code] for a, b, code, _ in transcript.hearing.elsewhere],
    }


def glossary_cells(
    tracks: Mapping[str, Sequence[Cue | None]],
    source: str,
    glossary: Glossary,
    repaired: dict[str, set[str]],
) -> dict[str, dict[str, list[list[str]]]]:
    """Per language and row (``tracks``: each language's cue per row, None where it has
    none): [term id, expected form, status, text found] for every glossary name of the
    source cue (status "hit", "repaired" or "miss"); the source column lists the names
    it holds as hits."""
    out: dict[str, dict[str, list[list[str]]]] = {lang: {} for lang in tracks}
    for index, cue in enumerate(tracks[source]):
        if cue is None:
            continue
        text = cue.flat_text
        spans = find_terms(text, source, glossary)
        if not spans:
            continue
        out[source][str(index)] = [[s.term_id, s.surface, "hit", s.surface] for s in spans]
        order, counts = source_terms(text, source, glossary)
        for lang, cues in tracks.items():
            if lang == source or index >= len(cues) or cues[index] is None:
                continue
            found = cues[index]
            assert found is not None
            checks = check_terms(
                found.flat_text,
                lang,
                glossary,
                order,
                counts,
                repaired.get(lang, set()),
            )
            out[lang][str(index)] = [[c.term_id, c.expected, c.status, c.found] for c in checks]
    return {lang: cells for lang, cells in out.items() if cells}


def _row_cues(run: FilmRun) -> tuple[Cue, ...]:
    reference = run.tracks.get(run.source_language)
    return reference.cues if reference is not None else ()


def _repaired_terms(run: FilmRun, lang: str) -> set[str]:
    details = run.subtitles_report(lang).get("glossary", {}).get("repair_details", [])
    return {str(item.get("term")) for item in details if isinstance(item, dict)}


def dub_cells(
    run: FilmRun, lang: str, cues: Sequence[Cue], rows: Sequence[int]
) -> dict[str, Any] | None:
    """A dubbed language's voice and, per row, [speed-up, fitted, overflow ms, engine
    rate, stretch] (``dub.fitting.FittedLine``); None when the language was not dubbed.

    A line goes on the row of the cue of ``cues`` (the track shown, in ``rows``) it was
    spoken in, found by its time, not by its number: a dual-speaker cue is spoken as two
    lines, and a cue an editor deleted since has none. Two lines in one cue give the
    larger speed-up, fitted only if both were, their overflow added."""
    entry = run.dub_language(lang)
    if not entry:
        return None
    starts = [cue.start_ms for cue in cues]
    lines: dict[str, list[Any]] = {}
    for line in entry.get("lines", []):
        rate, stretch = float(line.get("engine_rate", 1.0)), float(line.get("stretch", 1.0))
        cell = [round(rate * stretch, 3), bool(line.get("fitted", True)),
                int(line.get("overflow_ms", 0)), rate, stretch]  # fmt: skip
        start = line.get("start_ms")
        found = _cue_of(start, start + 1, cues, starts) if isinstance(start, int) else None
        if found is None:
            continue  # its cue is gone from the track shown
        key = str(rows[found])
        known = lines.get(key)
        if known is not None:
            cell = [max(known[0], cell[0]), known[1] and cell[1], known[2] + cell[2],
                    max(known[3], cell[3]), max(known[4], cell[4])]  # fmt: skip
        lines[key] = cell
    voice = entry.get("voice", {})
    return {
        "voice": voice.get("route") or voice.get("voice") or "",
        "lines": lines,
        "backcheck": (entry.get("backcheck") or {}).get("error_rate"),
    }


def language_column(run: FilmRun, lang: str, track: Track, layout: Layout) -> dict[str, Any]:
    row = subtitle_rules(lang)
    report = run.subtitles_report(lang)
    glossary = report.get("glossary", {})
    column: dict[str, Any] = {
        "code": lang,
        "name": row.name,
        "native": row.native_name,
        "bcp47": row.bcp47,
        "rtl": row.rtl,
        "source": lang == run.source_language,
        "edited": lang in run.edited,
        # the edited file as this page shows it: a save of another version is refused
        "base": edited_digest(edited_path(run.folder, run.stem, lang)),
        # the machine track as this page shows it: a save after a re-translation is refused
        "machine_base": edited_digest(run.folder / f"{run.stem}.{lang}.srt"),
        "machine_newer": run.machine_newer(lang),
        "cells": row_cells(track, layout.placement[lang], _row_cues(run)),
        "issues": row_issues(
            cell_issues(track, run.fps, run.cuts, layout.cue_speakers(lang), run.end_ms),
            layout.placement[lang],
        ),
        "glossary_counts": {k: glossary.get(k, 0) for k in ("hits", "repairs", "misses")},
        "dub": dub_cells(run, lang, track.cues, layout.placement[lang]),
    }
    if lang in run.edited and lang in run.tracks:
        column["machine"] = _cells(run.tracks[lang].cues)
    return column


def film_data(run: FilmRun, glossary: Glossary | None, media: dict[str, Any]) -> dict[str, Any]:
    """Everything the page of one film shows (``media``: ``review.media.film_media``)."""
    tracks = film_tracks(run)
    source_lang = run.source_language if run.source_language in tracks else next(iter(tracks))
    layout = film_layout(run, tracks)
    speakers = layout.speakers
    columns = [language_column(run, lang, track, layout) for lang, track in tracks.items()]
    rows = layout.rows
    terms: dict[str, Any] = {}
    names: dict[str, Any] | None = None
    if glossary is not None and len(glossary) and run.source_language in tracks:
        repaired = {lang: _repaired_terms(run, lang) for lang in tracks}
        by_row: dict[str, Sequence[Cue | None]] = {}
        for lang, track in tracks.items():
            cues: list[Cue | None] = [None] * rows
            for cue, row in zip(track.cues, layout.placement[lang], strict=True):
                cues[row] = cue
            by_row[lang] = cues
        terms = glossary_cells(by_row, run.source_language, glossary, repaired)
        names = glossary_export(glossary, tuple(tracks), repaired)
    return {
        "film": {
            "stem": run.stem,
            "duration_ms": run.duration_ms,
            "fps": run.fps,
            "source_language": run.source_language,
            **media,
        },
        "rows": rows,
        "columns": columns,
        "qc": rules_export(tuple(tracks), run.fps, run.cuts, run.end_ms),
        "speakers": speakers if any(speakers) else [],
        "unicode": unicode_tables(),
        "asr": asr_notes(run, tracks[source_lang], layout.placement[source_lang]),
        "hearing": hearing_data(run.transcript),
        "terms": terms,
        "glossary": names,  # for marking names again after an edit (assets/terms.js)
        "low_confidence": LOW_CONFIDENCE,
    }
