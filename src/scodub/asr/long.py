"""Transcribe a long film window by window, so that memory does not grow with its length.

faster-whisper computes the features of everything it is given at once (for two hours of
audio, gigabytes); a film longer than ``WINDOW_S`` is therefore decoded as a stream and
transcribed ``WINDOW_S`` at a time, each window cut in the quietest half second of its
last ``SEARCH_S`` (a pause between words, never inside one). Decoding windows are
independent anyway (scodub sets ``condition_on_previous_text=False``); the language found
in the first window with speech is kept for the others. Word times are shifted by each
window's start, so the transcript reads as one. How a window is transcribed is the
caller's choice (``decode``): plain Whisper, or the glossary pass of ``names.audiocheck``,
whose corrections are shifted with the words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from scodub.asr.hearing import joined
from scodub.asr.whisper import AsrSettings, ProgressFn, transcribe_audio
from scodub.data import Correction, Hearing, Segment, Transcript, Word, ms
from scodub.memory import release_memory
from scodub.provision.whisper import ResolvedModel

WINDOW_S = 600
SEARCH_S = 60
_QUIET_S = 0.5
_RATE = 16000

#: Transcribes one window: (its audio, the settings, progress within it) -> its transcript.
WindowDecoder = Callable[[np.ndarray, AsrSettings, ProgressFn | None], Transcript]


@dataclass(frozen=True, slots=True)
class LongTranscript:
    transcript: Transcript
    samples: int  # how many samples the stream held (the completeness check)
    sum_squares: float  # of every sample (the silence check)


def cut_point(audio: np.ndarray, window: int, search: int, rate: int = _RATE) -> int:
    """Where to end a window of about ``window`` samples: the middle of the quietest
    half second among its last ``search`` samples."""
    lo = max(0, window - search)
    frame = max(1, int(_QUIET_S * rate))
    part = np.square(audio[lo:window], dtype=np.float64)
    if part.size <= frame:
        return window
    energy = np.convolve(part, np.ones(frame), mode="valid")
    return lo + int(np.argmin(energy)) + frame // 2


def _shifted(segments: Iterable[Segment], offset_ms: int) -> list[Segment]:
    def word(w: Word) -> Word:
        return replace(w, start_ms=w.start_ms + offset_ms, end_ms=w.end_ms + offset_ms)

    return [
        replace(
            s,
            start_ms=s.start_ms + offset_ms,
            end_ms=s.end_ms + offset_ms,
            words=tuple(word(w) for w in s.words),
        )
        for s in segments
    ]


def _shifted_corrections(corrections: Iterable[Correction], offset_ms: int) -> list[Correction]:
    return [
        replace(c, start_ms=c.start_ms + offset_ms, end_ms=c.end_ms + offset_ms)
        for c in corrections
    ]


def transcribe_stream(
    blocks: Iterable[np.ndarray],
    settings: AsrSettings,
    model: ResolvedModel,
    progress: Callable[[float], None] | None = None,
    *,
    window_s: float = WINDOW_S,
    search_s: float = SEARCH_S,
    decode: WindowDecoder | None = None,
) -> LongTranscript:
    """Transcribe 16 kHz mono blocks (``media.decode.iter_audio``) window by window, each
    with ``decode`` (plain ``transcribe_audio`` by default); only the current window's
    audio is held."""
    window, search = int(window_s * _RATE), int(search_s * _RATE)
    pending = np.zeros(0, dtype=np.float32)
    offset = samples = 0
    sum_squares = 0.0
    segments: list[Segment] = []
    corrections: list[Correction] = []
    first: Transcript | None = None
    dropped = recovered = 0
    hearings: list[tuple[Hearing, int]] = []

    def run(audio: np.ndarray) -> None:
        nonlocal first, dropped, recovered, settings
        start_s = offset / _RATE

        def tick(done: float) -> None:
            if progress:
                progress(start_s + done)

        if decode is None:
            part = transcribe_audio(audio, settings, model, tick)
        else:
            part = decode(audio, settings, tick)
        shift_ms = round(offset * 1000 / _RATE)
        segments.extend(_shifted(part.segments, shift_ms))
        corrections.extend(_shifted_corrections(part.corrections, shift_ms))
        dropped += part.dropped_segments
        recovered += part.recovered_segments
        hearings.append((part.hearing, shift_ms))
        release_memory()  # the window's features and decoding buffers
        if first is None or not first.segments:
            first = part
            if part.segments and settings.language is None and settings.task == "transcribe":
                settings = replace(settings, language=part.language)

    for block in blocks:
        samples += block.size
        sum_squares += float(np.sum(np.square(block, dtype=np.float64)))
        pending = np.concatenate([pending, block]) if pending.size else block
        while pending.size >= window + search:
            cut = cut_point(pending, window, search)
            run(pending[:cut])
            offset += cut
            pending = pending[cut:].copy()
    if pending.size or first is None:
        run(pending)
    assert first is not None
    transcript = Transcript(
        language=first.language,
        language_probability=first.language_probability,
        duration_ms=ms(samples / _RATE),
        segments=tuple(segments),
        task=settings.task,
        dropped_segments=dropped,
        recovered_segments=recovered,
        corrections=tuple(corrections),
        hearing=joined(hearings),
    )
    return LongTranscript(transcript, samples, sum_squares)


def level_dbfs(sum_squares: float, samples: int) -> float:
    """``media.decode.rms_dbfs`` from a streamed sum of squares."""
    if samples == 0 or sum_squares <= 0:
        return float("-inf")
    return 10.0 * float(np.log10(sum_squares / samples))
