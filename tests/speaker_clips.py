"""Multi-speaker clips built from real single-speaker recordings, and how to score speaker
turns against them (shared by tests/test_speakers.py and bench/bench_speakers.py).

A clip alternates turns of 1-8 s taken in order from each speaker's recordings, with a
short pause between turns. The reference is each turn's speech (Silero VAD inside the
turn), labelled with its speaker. Scores (in the spirit of the diarization error rate,
without its overlap term: these clips have none):

- confusion: the share of reference speech given to the wrong speaker, under the best
  one-to-one mapping of found speakers to true ones;
- missed: the share of reference speech that no found turn covers;
- the number of speakers found.
"""

from __future__ import annotations

import itertools
import random
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000


def load_audio(path: Path) -> np.ndarray:
    """Any audio file as 16 kHz mono float32 (ffmpeg)."""
    from scodub.media.ffmpeg import ffmpeg_exe

    raw = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar",
         str(RATE), "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0


@dataclass(frozen=True)
class Clip:
    audio: np.ndarray
    turns: tuple[tuple[int, int, str], ...]  # (start_ms, end_ms, true speaker) of speech

    @property
    def duration_ms(self) -> int:
        return self.audio.size * 1000 // RATE

    @property
    def speakers(self) -> set[str]:
        return {t[2] for t in self.turns}


def _trim(audio: np.ndarray) -> np.ndarray:
    """Leading and trailing silence off (Silero VAD)."""
    from scodub.asr.whisper import speech_regions

    regions = speech_regions(audio)
    if not regions:
        return audio[:0]
    return audio[regions[0][0] * RATE // 1000 : regions[-1][1] * RATE // 1000]


def build_clip(
    voices: Mapping[str, Sequence[np.ndarray]],
    *,
    seed: int = 0,
    turns: int = 8,
    turn_ms: tuple[int, int] = (1000, 8000),
    pause_ms: tuple[int, int] = (200, 700),
) -> Clip:
    """Alternate ``turns`` turns between the speakers of ``voices`` (each a list of
    recordings of one speaker, used in order)."""
    rng = random.Random(seed)
    streams = {name: np.concatenate([_trim(a) for a in clips]) for name, clips in voices.items()}
    cursor = dict.fromkeys(streams, 0)
    names = list(streams)
    pieces: list[np.ndarray] = []
    reference: list[tuple[int, int, str]] = []
    position = 0
    previous: str | None = None
    for _ in range(turns):
        name = rng.choice([n for n in names if n != previous] or names)
        previous = name
        length = rng.randint(*turn_ms) * RATE // 1000
        stream = streams[name]
        start = cursor[name] % max(1, stream.size - length)
        piece = stream[start : start + length]
        cursor[name] = start + length
        pause = np.zeros(rng.randint(*pause_ms) * RATE // 1000, dtype=np.float32)
        pieces.extend([piece, pause])
        reference.extend(_speech_of(piece, position, name))
        position += piece.size + pause.size
    return Clip(np.concatenate(pieces).astype(np.float32), tuple(reference))


def _speech_of(piece: np.ndarray, offset: int, name: str) -> list[tuple[int, int, str]]:
    from scodub.asr.whisper import speech_regions

    base = offset * 1000 // RATE
    return [(base + a, base + b, name) for a, b in speech_regions(piece)]


@dataclass(frozen=True)
class Score:
    confusion: float  # share of reference speech given to the wrong speaker
    missed: float  # share of reference speech covered by no found turn
    found: int  # speakers found
    expected: int


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def score_turns(
    reference: Sequence[tuple[int, int, str]], found: Sequence[tuple[int, int, str]]
) -> Score:
    """Confusion and missed speech under the best one-to-one speaker mapping."""
    true_names = sorted({r[2] for r in reference})
    found_names = sorted({f[2] for f in found})
    shared = {
        (t, f): sum(
            _overlap(r[:2], h[:2]) for r in reference if r[2] == t for h in found if h[2] == f
        )
        for t in true_names
        for f in found_names
    }
    total = sum(r[1] - r[0] for r in reference)
    covered = sum(_covered(r[:2], [h[:2] for h in found]) for r in reference)
    best = 0
    small, large = sorted([true_names, found_names], key=len)
    for chosen in itertools.permutations(large, len(small)):
        pairs = zip(small, chosen, strict=True)
        if small is true_names:
            matched = sum(shared[(t, f)] for t, f in pairs)
        else:
            matched = sum(shared[(t, f)] for f, t in pairs)
        best = max(best, matched)
    return Score(
        confusion=(covered - best) / max(total, 1),
        missed=(total - covered) / max(total, 1),
        found=len(found_names),
        expected=len(true_names),
    )


def _covered(span: tuple[int, int], found: Sequence[tuple[int, int]]) -> int:
    """How much of ``span`` the found turns cover (they may overlap each other)."""
    cuts = sorted((max(a, span[0]), min(b, span[1])) for a, b in found if _overlap(span, (a, b)))
    total, reach = 0, span[0]
    for a, b in cuts:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total
