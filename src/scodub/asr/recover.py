"""Speech Whisper skipped, decoded again on its own.

Whisper sometimes writes nothing for a whole sentence that Silero hears as speech: most
often the first line of a window after a pause (its first timestamp lands seconds in),
sometimes a line between two others. The sentence is then missing from every track, and
only the hearing check (``scodub.asr.hearing``: speech that got no words) says so.

Each such stretch (``hearing.unheard_speech``, at least ``MIN_MS`` long, at most
``MAX_STRETCHES`` per window, longest first) is decoded again alone: Whisper's own
``clip_timestamps``, with the window's settings and no voice-activity filter. A stretch
whose language Whisper is sure is another one than the transcript's is left alone (its
words would be a translation or nonsense; the hearing note names its language). What
comes back is kept only where Whisper was about as sure of it as it must be of any
segment it is not asked to decode again (``MIN_LOGPROB``, ``MAX_NO_SPEECH``, Whisper's own
fallback thresholds), through the same hallucination guard (``scodub.asr.guard.kept``),
and only its words inside the stretch (the padding may hold a neighbour's word).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from scodub.asr import guard
from scodub.asr.edges import SpeechMap
from scodub.asr.hearing import language_probabilities, surely_other, unheard_speech
from scodub.data import Segment
from scodub.media.decode import ASR_SAMPLE_RATE

#: Shorter stretches are not decoded again: a breath, a laugh, a word's tail.
MIN_MS = 1000
#: At most this many stretches per window are decoded again (the longest).
MAX_STRETCHES = 20
#: Audio kept around a stretch when it is decoded: a first or last consonant.
PAD_MS = 200
#: A recovered segment needs Whisper's mean token log-probability at least this and its
#: no-speech probability at most this: Whisper's own thresholds for a decoding it keeps
#: without falling back to sampling.
MIN_LOGPROB = guard.LOGPROB_THRESHOLD
MAX_NO_SPEECH = guard.NO_SPEECH_THRESHOLD


def skipped_stretches(regions: Sequence[tuple[int, int]],
                      kept: Sequence[Segment]) -> list[tuple[int, int]]:
    """The stretches worth decoding again, in time order."""
    long = [s for s in unheard_speech(regions, kept) if s[1] - s[0] >= MIN_MS]
    chosen = sorted(long, key=lambda s: s[0] - s[1])[:MAX_STRETCHES]
    return sorted(chosen)


def recover_skipped(
    whisper: Any,
    audio: np.ndarray,
    kept: Sequence[Segment],
    speech: SpeechMap,
    options: dict[str, Any],
    language: str,
    spaced: bool,
    to_segment: Callable[[Any, bool], Segment],
) -> tuple[list[Segment], int]:
    """``kept`` with the segments recovered from skipped speech, in time order, and how
    many were recovered. ``options``: the window's ``WhisperModel.transcribe`` options;
    ``to_segment``: how a faster-whisper segment becomes a ``Segment``."""
    stretches = skipped_stretches(speech.regions, kept)
    multilingual = getattr(getattr(whisper, "model", None), "is_multilingual", True)
    if multilingual and options.get("task", "transcribe") == "transcribe":
        stretches = [s for s in stretches if _in_language(whisper, audio, s, language)]
    if not stretches:
        return list(kept), 0
    end_ms = len(audio) * 1000 // ASR_SAMPLE_RATE
    clips = [t / 1000 for a, b in stretches
             for t in (max(0, a - PAD_MS), min(end_ms, b + PAD_MS))]
    asked = {**options, "language": language, "vad_filter": False,
             "clip_timestamps": clips, "hotwords": None, "initial_prompt": None}
    raws, _ = whisper.transcribe(audio, **asked)
    found: list[Segment] = []
    for raw in raws:
        if raw.avg_logprob < MIN_LOGPROB or raw.no_speech_prob > MAX_NO_SPEECH:
            continue
        segment = _inside(to_segment(raw, spaced), stretches, spaced)
        if segment is None:
            continue
        before = [s for s in kept if s.start_ms <= segment.start_ms]
        segment = guard.kept(segment, before, speech, spaced)
        if segment is not None:
            found.append(segment)
    merged = sorted([*kept, *found], key=lambda s: (s.start_ms, s.end_ms))
    return merged, len(found)


def _in_language(whisper: Any, audio: np.ndarray, stretch: tuple[int, int],
                 language: str) -> bool:
    """Whisper is not sure the stretch is another language than ``language``."""
    a, b = (t * ASR_SAMPLE_RATE // 1000 for t in stretch)
    return surely_other(language_probabilities(whisper, audio[a:b]), language) is None


def _inside(segment: Segment, stretches: Sequence[tuple[int, int]],
            spaced: bool) -> Segment | None:
    """``segment`` with only its words whose middle is inside one of ``stretches``."""
    words = tuple(w for w in segment.words
                  if any(a <= (w.start_ms + w.end_ms) // 2 <= b for a, b in stretches))
    if not words:
        return None
    if len(words) == len(segment.words):
        return segment
    text = (" " if spaced else "").join(w.text for w in words)
    return replace(segment, start_ms=words[0].start_ms, end_ms=words[-1].end_ms,
                   text=text, words=words)


__all__ = ["MIN_MS", "recover_skipped", "skipped_stretches"]
