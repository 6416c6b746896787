"""Checks of a dub's inputs before any synthesis: the track's cues, and whether the
chosen voice can read every cue. Each failure is one line naming the file and the cue."""

from __future__ import annotations

from pathlib import Path

from scodub.data import Track
from scodub.dub.scripts import require_speakable, speech_text
from scodub.dub.voices import Voice
from scodub.errors import LanguageError, SubtitleError
from scodub.text.srt import format_timestamp, require_cue_text


def check_dub_track(track: Track, film_duration_ms: int, source: str) -> None:
    """Refuse a track that cannot be dubbed: no cues, a cue without text, a cue that
    starts before the previous one ends (overlap or wrong order), a cue that starts
    after the film ends. ``source`` names the track (its SRT file) in the error."""
    where = Path(source)
    if not track.cues:
        raise SubtitleError(where, "has no cues: nothing to dub")
    require_cue_text(track, where, "nothing was dubbed")
    previous_end = 0
    for number, cue in enumerate(track.cues, start=1):
        if cue.start_ms < 0 or cue.end_ms < cue.start_ms:
            raise SubtitleError(where, f"cue {number} has times {cue.start_ms}-{cue.end_ms} ms")
        span = f"{format_timestamp(cue.start_ms)} --> {format_timestamp(cue.end_ms)}"
        if number > 1 and cue.start_ms < previous_end:
            raise SubtitleError(
                where,
                f"cue {number} ({span}) starts before cue {number - 1} ends "
                f"({format_timestamp(previous_end)}): a dub speaks one line at a time, "
                "so cues must be in order and must not overlap",
            )
        if cue.start_ms >= film_duration_ms:
            raise SubtitleError(
                where,
                f"cue {number} ({span}) starts "
                f"{'when' if cue.start_ms == film_duration_ms else 'after'} the film ends "
                f"({format_timestamp(film_duration_ms)}): is this the SRT of another film?",
            )
        previous_end = cue.end_ms


def check_speakable(track: Track, voice: Voice, source: str) -> None:
    """Raise LanguageError, naming ``source`` and the cue, when a cue has letters in a
    script the voice cannot read (a cue in the wrong language)."""
    for number, cue in enumerate(track.cues, start=1):
        try:
            require_speakable(
                speech_text(cue.flat_text),
                voice=voice.name,
                language=voice.language,
                scripts=voice.scripts,
                cue=number,
            )
        except LanguageError as exc:
            raise LanguageError(f"{source}: {exc}") from exc
