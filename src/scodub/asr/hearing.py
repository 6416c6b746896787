"""Where the words and the audio disagree: a wrong spoken language, speech with no words.

Whisper transcribes in one language. Told the wrong one (``--lang ru`` over English) it
writes the speech out in that language all the same, and faster-whisper reports a
probability of 1.0 for a language it was told. In a film of two languages, the speech in
the other one gets no words at all. A track made so passes QC; nothing in it shows what
was lost. So each decoding window is checked against its own speech (Silero stretches):

- with a given language, Whisper's language detection runs on the window's speech anyway
  (its first ``DETECT_S``); when it is sure of another language (``SURE``) and gives the
  given one less than ``DOUBT``, the transcript says what the speech sounds like;
- the stretches of speech that no word reaches (``unheard_speech``) are kept, and when they
  add up to ``DETECT_MS``, their language is detected too: a second language, or speech
  Whisper could not make out (singing, shouting, lines dropped as hallucinations).

The transcribe stage turns both into report notes (``hearing_notes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from scodub.data import Hearing, Segment, Transcript
from scodub.langs import get_language

#: A word's times reach this far into the speech around it (Whisper's times are coarse).
PAD_MS = 300
#: Stretches of speech without words closer than this are one stretch.
JOIN_MS = 1000
#: Less unheard speech than this in one stretch is a breath, a laugh or a timing error.
MIN_STRETCH_MS = 700
#: At least this much unheard speech in a window: its language is detected.
DETECT_MS = 2000
#: The report speaks of unheard speech from this much on.
NOTE_MS = 2000
DETECT_S = 30
SURE = 0.5
DOUBT = 0.1
_RATE = 16000


def unheard_speech(
    regions: Sequence[tuple[int, int]], segments: Iterable[Segment]
) -> tuple[tuple[int, int], ...]:
    """The stretches of ``regions`` (speech, ms) that no word of ``segments`` reaches
    (within ``PAD_MS``), joined across ``JOIN_MS``, each holding ``MIN_STRETCH_MS``."""
    covered = sorted((w.start_ms - PAD_MS, w.end_ms + PAD_MS) for s in segments for w in s.words)
    pieces: list[tuple[int, int]] = []
    k = 0
    for start, end in regions:
        at = start
        while k < len(covered) and covered[k][1] <= at:
            k += 1
        j = k
        while j < len(covered) and covered[j][0] < end:
            if covered[j][0] > at:
                pieces.append((at, covered[j][0]))
            at = max(at, covered[j][1])
            j += 1
        if at < end:
            pieces.append((at, end))
    stretches: list[tuple[int, int, int]] = []  # start, end, speech in it
    for start, end in pieces:
        if stretches and start - stretches[-1][1] < JOIN_MS:
            a, _, held = stretches[-1]
            stretches[-1] = (a, end, held + end - start)
        else:
            stretches.append((start, end, end - start))
    return tuple((a, b) for a, b, held in stretches if held >= MIN_STRETCH_MS)


def speech_audio(audio: np.ndarray, spans: Iterable[tuple[int, int]], seconds: float) -> np.ndarray:
    """The samples of ``spans`` (ms) one after another, at most ``seconds`` of them."""
    parts: list[np.ndarray] = []
    left = int(seconds * _RATE)
    for start, end in spans:
        part = audio[start * _RATE // 1000 : end * _RATE // 1000][:left]
        parts.append(part)
        left -= part.size
        if left <= 0:
            break
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def language_probabilities(whisper: Any, audio: np.ndarray) -> dict[str, float]:
    """Whisper's probability of each language for ``audio`` (speech only, up to 30 s)."""
    _, _, probabilities = whisper.detect_language(audio=audio)
    return {str(code): float(p) for code, p in probabilities}


def check_hearing(
    whisper: Any,
    audio: np.ndarray,
    regions: Sequence[tuple[int, int]],
    segments: Sequence[Segment],
    language: str,
    given: bool,
) -> Hearing:
    """The ``Hearing`` of one window: ``language`` is the one transcribed (``given``:
    told, not detected); ``regions`` its speech."""
    sounds_like = None
    if given and regions:
        probs = language_probabilities(whisper, speech_audio(audio, regions, DETECT_S))
        top = max(probs, key=probs.__getitem__)
        if top != language and probs[top] >= SURE and probs.get(language, 0.0) < DOUBT:
            sounds_like = (top, round(probs[top], 3))
    unheard = unheard_speech(regions, segments)
    unheard_language = None
    if sum(b - a for a, b in unheard) >= DETECT_MS:
        probs = language_probabilities(whisper, speech_audio(audio, unheard, DETECT_S))
        top = max(probs, key=probs.__getitem__)
        unheard_language = (top, round(probs[top], 3))
    return Hearing(sounds_like, unheard, unheard_language)


def joined(parts: Sequence[tuple[Hearing, int]]) -> Hearing:
    """The hearing of windows (each with its offset in ms) as one: the first window that
    doubts the language speaks for the film; the unheard language is the one of the
    window with most unheard speech."""
    sounds_like = next((h.sounds_like for h, _ in parts if h.sounds_like), None)
    unheard = tuple((a + at, b + at) for h, at in parts for a, b in h.unheard)
    loudest = max((h for h, _ in parts if h.unheard_language), key=lambda h: h.unheard_ms,
                  default=None)  # fmt: skip
    return Hearing(sounds_like, unheard, loudest.unheard_language if loudest else None)


def hearing_notes(transcript: Transcript, given_as: str = "--lang") -> list[str]:
    """Report notes for what ``transcript.hearing`` found (none when all agrees)."""
    hearing, notes = transcript.hearing, []
    spoken = _name(transcript.language)
    if hearing.sounds_like:
        code, p = hearing.sounds_like
        notes.append(
            f"the speech sounds like {_name(code)} ({code}, p={p:.2f}), not {spoken} as "
            f"{given_as} says: the transcript may be wrong; check the spoken language"
        )
    if hearing.unheard_ms >= NOTE_MS:
        first = hearing.unheard[0][0] // 1000
        where = f"first at {first // 3600:d}:{first // 60 % 60:02d}:{first % 60:02d}"
        count = len(hearing.unheard)
        note = (
            f"{hearing.unheard_ms / 1000:.1f} s of speech in {count} "
            f"stretch{'es' if count > 1 else ''} got no words ({where})"
        )
        found = hearing.unheard_language
        if found and found[0] != transcript.language and found[1] >= SURE:
            note += (
                f"; it sounds like {_name(found[0])} ({found[0]}, p={found[1]:.2f}): "
                f"a second language, which a run with --lang {found[0]} transcribes"
            )
        else:
            note += ": unclear speech, singing, or lines dropped as hallucinations"
        notes.append(note)
    return notes


def _name(code: str) -> str:
    try:
        return get_language(code).name
    except Exception:
        return code


__all__ = ["check_hearing", "hearing_notes", "joined", "unheard_speech"]
