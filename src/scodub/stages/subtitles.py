"""Subtitles stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scodub.data import Track, Transcript
from scodub.langs import subtitle_rules
from scodub.mt.localize import glossary_names
from scodub.names.glossary import Glossary
from scodub.text.qc import check_track
from scodub.text.segment import plan_cues
from scodub.text.srt import write_srt


@dataclass(frozen=True, slots=True)
class SubtitleResult:
    track: Track
    path: Path
    qc: dict[str, Any]
    speech_ends: tuple[int, ...] = ()  # per cue, the end of its last word (ms)


def stage_subtitles(
    transcript: Transcript,
    out_dir: Path,
    stem: str,
    fps: float | None,
    glossary: Glossary | None = None,
) -> SubtitleResult:
    """Transcript -> ``<stem>.<lang>.srt`` under the language's rules, with its QC report.
    Glossary names are never split over two lines or cues where avoidable."""
    lang = subtitle_rules(transcript.language)
    names = glossary_names(glossary, lang.code) if glossary and lang.nllb else ()
    words = transcript.words
    plan = plan_cues(words, lang, fps, protected=names)
    track = Track(lang.code, tuple(p.cue for p in plan), fps)
    path = out_dir / f"{stem}.{lang.code}.srt"
    write_srt(track, path)
    ends = tuple(max(w.end_ms for w in words[p.first_word : p.end_word]) for p in plan)
    return SubtitleResult(track, path, check_track(track, fps).to_json(), ends)
