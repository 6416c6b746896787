"""Where the words and the audio disagree: a wrong spoken language, speech with no words.

Whisper transcribes in one language. Told the wrong one (``--lang ru`` over English) it
writes the speech out in that language all the same, and faster-whisper reports a
probability of 1.0 for a language it was told. Detecting it looks at the first 30 s only.
In a film of two languages, the speech in the other one is translated into the first, or
gets no words at all. A track made so passes QC; nothing in it shows what was lost. So each
decoding window is checked against its own speech (Silero stretches):

- Whisper's language detection runs on every ``CHUNK_MS`` of the window's speech: a run
  it is sure is another language (``SURE``), giving the transcribed one less than
  ``DOUBT``, is speech in another language (``Hearing.elsewhere``); when that is most of
  the speech (``WRONG_SHARE``), the language itself is wrong (``Hearing.sounds_like``);
- the stretches of speech that no word reaches (``unheard_speech``) are kept, and when they
  add up to ``DETECT_MS``, their language is detected too: a second language, or speech
  Whisper could not make out (singing, shouting, lines dropped as hallucinations).

The transcribe stage turns both into report notes (``hearing_notes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from scodub.asr.edges import subtract
from scodub.data import Hearing, Segment, Transcript, hms
from scodub.langs import get_language
from scodub.media.decode import ASR_SAMPLE_RATE

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
#: The language check listens to runs of this much speech (at most ``MAX_CHUNKS`` per
#: window: a 10-minute window of dense speech is heard in runs of about 40 s, each by its
#: first 30 s; one detection costs one encoder pass, a decoding window at least one). Whisper
#: tells a language from 8 s of clean speech; longer runs mix the languages of a film
#: that changes language within them.
CHUNK_MS = 8_000
MAX_CHUNKS = 12
#: Less speech than this in a run is too little to tell its language by.
MIN_CHECK_MS = 2000
SURE = 0.5
#: This share of the speech in one other language: the transcribed language is wrong.
WRONG_SHARE = 2 / 3
DOUBT = 0.1


def unheard_speech(
    regions: Sequence[tuple[int, int]], segments: Iterable[Segment]
) -> tuple[tuple[int, int], ...]:
    """The stretches of ``regions`` (speech, ms) that no word of ``segments`` reaches
    (within ``PAD_MS``), joined across pauses under ``JOIN_MS`` (never across a word),
    each holding ``MIN_STRETCH_MS`` of speech."""
    covered = sorted((w.start_ms - PAD_MS, w.end_ms + PAD_MS) for s in segments for w in s.words)
    pieces = subtract(regions, covered)  # (start, end, whether a word ends it)
    stretches: list[tuple[int, int, int, bool]] = []  # start, end, speech in it, word after
    for start, end, word_after in pieces:
        last = stretches[-1] if stretches else None
        if last and not last[3] and start - last[1] < JOIN_MS and not _word_between(
            covered, last[1], start
        ):
            stretches[-1] = (last[0], end, last[2] + end - start, word_after)
        else:
            stretches.append((start, end, end - start, word_after))
    return tuple((a, b) for a, b, held, _ in stretches if held >= MIN_STRETCH_MS)


def _word_between(covered: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and b > start for a, b in covered)


def speech_audio(audio: np.ndarray, spans: Iterable[tuple[int, int]], seconds: float) -> np.ndarray:
    """The samples of ``spans`` (ms) one after another, at most ``seconds`` of them."""
    parts: list[np.ndarray] = []
    left = int(seconds * ASR_SAMPLE_RATE)
    for start, end in spans:
        part = audio[start * ASR_SAMPLE_RATE // 1000 : end * ASR_SAMPLE_RATE // 1000][:left]
        parts.append(part)
        left -= part.size
        if left <= 0:
            break
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def language_probabilities(whisper: Any, audio: np.ndarray) -> dict[str, float]:
    """Whisper's probability of each language for ``audio`` (speech only, up to 30 s)."""
    _, _, probabilities = whisper.detect_language(audio=audio)
    return {str(code): float(p) for code, p in probabilities}


def speech_chunks(
    regions: Sequence[tuple[int, int]], chunk_ms: int = CHUNK_MS, most: int = MAX_CHUNKS
) -> list[list[tuple[int, int]]]:
    """``regions`` in runs of about ``chunk_ms`` of speech (longer where there would be
    more than ``most``); a short last run joins the one before it."""
    total = sum(b - a for a, b in regions)
    size = max(chunk_ms, -(-total // most))
    chunks: list[list[tuple[int, int]]] = []
    held = size
    for region in regions:
        if held >= size:
            chunks.append([])
            held = 0
        chunks[-1].append(region)
        held += region[1] - region[0]
    if len(chunks) > 1 and held < size // 2:
        chunks[-2].extend(chunks.pop())
    return chunks


def check_hearing(
    whisper: Any,
    audio: np.ndarray,
    regions: Sequence[tuple[int, int]],
    segments: Sequence[Segment],
    language: str,
) -> Hearing:
    """The ``Hearing`` of one window transcribed in ``language``; ``regions`` its speech.

    Every ``CHUNK_MS`` of speech is put to Whisper's language detection: a run Whisper
    is sure is another language (``SURE``), giving ``language`` less than ``DOUBT``, is
    speech in another language (``elsewhere``); most of the speech so is a wrong language
    (``sounds_like``)."""
    unheard = unheard_speech(regions, segments)
    if not getattr(getattr(whisper, "model", None), "is_multilingual", True):
        # An English-only model (small.en) cannot tell languages apart.
        return Hearing(unheard=unheard, language=language)
    elsewhere: list[tuple[int, int, str, float]] = []
    checked = 0
    for chunk in speech_chunks(regions):
        if sum(b - a for a, b in chunk) < MIN_CHECK_MS:
            continue
        checked += chunk[-1][1] - chunk[0][0]  # as the stretches are measured: pauses too
        probs = language_probabilities(whisper, speech_audio(audio, chunk, DETECT_S))
        top = surely_other(probs, language)
        if top is not None:
            elsewhere.append((chunk[0][0], chunk[-1][1], top, round(probs[top], 3)))
    unheard_language = None
    if sum(b - a for a, b in unheard) >= DETECT_MS:
        probs = language_probabilities(whisper, speech_audio(audio, unheard, DETECT_S))
        top = max(probs, key=probs.__getitem__)
        unheard_language = (top, round(probs[top], 3))
    hearing = Hearing(None, unheard, unheard_language, tuple(elsewhere), checked, language)
    return _with_verdict(hearing)


def surely_other(probs: dict[str, float], language: str) -> str | None:
    """The language Whisper is sure (``SURE``) the audio is, giving ``language`` less
    than ``DOUBT``, when it is another than ``language``; else None."""
    top = max(probs, key=probs.__getitem__)
    sure = top != language and probs[top] >= SURE and probs.get(language, 0.0) < DOUBT
    return top if sure else None


def _with_verdict(hearing: Hearing) -> Hearing:
    """``sounds_like`` set when at least ``WRONG_SHARE`` of the speech checked is one
    other language (its mean probability), else None."""
    by_language: dict[str, list[tuple[int, float]]] = {}
    for start, end, code, p in hearing.elsewhere:
        by_language.setdefault(code, []).append((end - start, p))
    verdict = None
    if by_language and hearing.checked_ms:
        code, runs = max(by_language.items(), key=lambda item: sum(ms for ms, _ in item[1]))
        if sum(ms for ms, _ in runs) >= WRONG_SHARE * hearing.checked_ms:
            verdict = (code, round(sum(p for _, p in runs) / len(runs), 3))
    return replace(hearing, sounds_like=verdict)


def joined(parts: Sequence[tuple[Hearing, int]]) -> Hearing:
    """The hearing of windows (each with its offset in ms) as one: their stretches on one
    timeline, the verdict made again over the whole; the unheard language is the one of
    the window with most unheard speech."""
    unheard = tuple((a + at, b + at) for h, at in parts for a, b in h.unheard)
    elsewhere = tuple((a + at, b + at, c, p) for h, at in parts for a, b, c, p in h.elsewhere)
    loudest = max((h for h, _ in parts if h.unheard_language), key=lambda h: h.unheard_ms,
                  default=None)  # fmt: skip
    checked = sum(h.checked_ms for h, _ in parts)
    found = loudest.unheard_language if loudest else None
    language = next((h.language for h, _ in parts if h.language), "")
    return _with_verdict(Hearing(None, unheard, found, elsewhere, checked, language))


def hearing_notes(transcript: Transcript) -> list[str]:
    """Report notes for what ``transcript.hearing`` found (none when all agrees)."""
    hearing, notes = transcript.hearing, []
    heard_as = hearing.language or transcript.language  # the source's, under translate
    spoken = _name(heard_as)
    wrong = hearing.sounds_like[0] if hearing.sounds_like else None
    if hearing.sounds_like:
        code, p = hearing.sounds_like
        notes.append(
            f"the speech sounds like {_name(code)} ({code}, p={p:.2f}), not {spoken}, the "
            f"language it was transcribed in: the subtitles may be wrong; check the spoken "
            "language (--lang)"
        )
    else:
        other = [(a, b, c) for a, b, c, _ in hearing.elsewhere]
        if other:
            codes = list(dict.fromkeys(c for _, _, c in other))
            seconds = sum(b - a for a, b, _ in other) / 1000
            names = " and ".join(f"{_name(c)} ({c})" for c in codes)
            notes.append(
                f"speech over {seconds:.1f} s of the film sounds like {names} "
                f"({_where(other[0][0])}), but was transcribed as {spoken}: its subtitles may "
                f"be a translation or wrong; a run with --lang {codes[0]} transcribes it"
            )
    if hearing.unheard_ms >= NOTE_MS:
        count = len(hearing.unheard)
        note = (
            f"{hearing.unheard_ms / 1000:.1f} s of speech in {count} "
            f"stretch{'es' if count > 1 else ''} got no words ({_where(hearing.unheard[0][0])})"
        )
        found = hearing.unheard_language
        if found and found[0] not in (heard_as, wrong) and found[1] >= SURE:
            note += (
                f"; it sounds like {_name(found[0])} ({found[0]}, p={found[1]:.2f}): "
                f"a second language, which a run with --lang {found[0]} transcribes"
            )
        elif not (found and found[0] == wrong):
            note += ": unclear speech, singing, or lines dropped as hallucinations"
        notes.append(note)
    return notes


def _where(ms: int) -> str:
    return f"first at {hms(ms)}"


def _name(code: str) -> str:
    try:
        return get_language(code).name
    except Exception:
        return code


__all__ = ["check_hearing", "hearing_notes", "joined", "speech_chunks", "surely_other",
           "unheard_speech"]
