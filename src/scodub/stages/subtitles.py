"""Subtitles stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scodub.data import Track, Transcript
from scodub.langs import subtitle_rules
from scodub.mt.localize import glossary_names
from scodub.names.glossary import Glossary
from scodub.text.numbers import apply_number_style
from scodub.text.qc import check_track
from scodub.text.segment import segment_words
from scodub.text.srt import write_srt


@dataclass(frozen=True, slots=True)
class SubtitleResult:
    track: Track
    path: Path
    qc: dict[str, Any]


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
    # the spoken-language track writes numbers in the language's style (issue 8)
    words = apply_number_style(transcript.words, lang)
    cues = segment_words(words, lang, fps, protected=names)
    track = Track(lang.code, cues, fps)
    path = out_dir / f"{stem}.{lang.code}.srt"
    write_srt(track, path)
    return SubtitleResult(track, path, check_track(track, fps).to_json())
