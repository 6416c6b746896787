"""The ducking envelope: how far, and when, the original soundtrack is lowered under the
dub lines.

Ducking is an envelope driven by the cue times, not a compressor keyed by the dub:

* the pipeline knows exactly where each dub line sits, so the original is lowered on
  time (the fade down *finishes* as the line starts) instead of a compressor's attack
  lagging behind the first syllable;
* the depth is a fixed, known ``duck_db`` whatever the level of the synthetic voice, so
  music and effects stay at a predictable level under every line and come back to full
  level between lines (a compressor pumps with each syllable and lets quiet lines through
  unducked);
* the envelope is computed here with numpy (ramps linear in dB, sample-accurate after
  ffmpeg's resampling) and applied with ffmpeg's ``amultiply``, so the ffmpeg command
  stays the same size for a film with two thousand lines (a ``volume`` time expression
  grows with the cue count and hits the kernel's 128 KiB limit on one argument).
"""

from __future__ import annotations

import math
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: How far the original soundtrack is lowered under a dub line (dB). Voice-over practice
#: keeps the original 10-20 dB under the translation: far enough that the original words
#: do not compete with the dub, near enough that music and effects stay audible.
DUCK_DB = 15.0
#: The fade down starts this long before a line, so the bed is fully ducked when it starts.
DUCK_ATTACK_MS = 200
#: The fade back up after a line: slower than the attack, so the bed does not jump back.
DUCK_RELEASE_MS = 400
#: Envelope samples per second: one per millisecond, the resolution of cue times.
ENVELOPE_RATE = 1000


def duck_intervals(
    cues_ms: Sequence[tuple[int, int]],
    attack_ms: int = DUCK_ATTACK_MS,
    release_ms: int = DUCK_RELEASE_MS,
) -> list[tuple[int, int]]:
    """The stretches held fully ducked: cues sorted, and joined where the bed would not
    have time to come back up (gap shorter than release + attack) between two lines."""
    intervals: list[tuple[int, int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in cues_ms):
        if intervals and start - intervals[-1][1] < attack_ms + release_ms:
            intervals[-1] = (intervals[-1][0], max(end, intervals[-1][1]))
        else:
            intervals.append((start, end))
    return intervals


def duck_envelope(
    cues_ms: Sequence[tuple[int, int]],
    duration_ms: int,
    *,
    duck_db: float = DUCK_DB,
    attack_ms: int = DUCK_ATTACK_MS,
    release_ms: int = DUCK_RELEASE_MS,
    rate: int = ENVELOPE_RATE,
) -> np.ndarray:
    """Linear gain for the original soundtrack, ``rate`` samples per second.

    1.0 away from lines, ``10 ** (-duck_db / 20)`` from each line's start to its end, with
    ramps linear in dB: down over ``attack_ms`` before a line, up over ``release_ms`` after.
    """
    count = max(0, math.ceil(duration_ms * rate / 1000))
    intervals = duck_intervals(cues_ms, attack_ms, release_ms)
    return _gain_block(intervals, 0, count, duck_db, attack_ms, release_ms, rate)


def _gain_block(
    intervals: Sequence[tuple[int, int]], first: int, stop: int, duck_db: float,
    attack_ms: int, release_ms: int, rate: int,
) -> np.ndarray:  # fmt: skip
    """Samples ``first``..``stop`` of the envelope (each sample as ``duck_envelope``'s)."""
    depth = np.zeros(stop - first, dtype=np.float64)  # 0 = full level, 1 = fully ducked
    times = np.arange(first, stop, dtype=np.float64) * (1000.0 / rate)  # ms
    for start, end in intervals:
        lo = max(first, math.floor((start - attack_ms) * rate / 1000))
        hi = min(stop, math.ceil((end + release_ms) * rate / 1000) + 1)
        if lo >= hi:
            continue
        t = times[lo - first : hi - first]
        rise = (t - (start - attack_ms)) / attack_ms if attack_ms > 0 else (t >= start) * 1.0
        fall = ((end + release_ms) - t) / release_ms if release_ms > 0 else (t <= end) * 1.0
        span = slice(lo - first, hi - first)
        depth[span] = np.maximum(depth[span], np.clip(np.minimum(rise, fall), 0.0, 1.0))
    gain: np.ndarray = np.power(10.0, -duck_db * depth / 20.0).astype(np.float32)
    return gain


def write_duck_envelope(
    path: Path, cues_ms: Sequence[tuple[int, int]], duration_ms: int, *, duck_db: float,
    attack_ms: int, release_ms: int, rate: int = ENVELOPE_RATE, block: int = 600_000,
) -> None:  # fmt: skip
    """``duck_envelope`` written to a mono 16-bit WAV block by block (``block`` samples,
    10 minutes at 1 kHz): the same file, without the whole film's envelope in memory."""
    count = max(0, math.ceil(duration_ms * rate / 1000))
    intervals = duck_intervals(cues_ms, attack_ms, release_ms)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for first in range(0, count, block):
            stop = min(count, first + block)
            gain = _gain_block(intervals, first, stop, duck_db, attack_ms, release_ms, rate)
            out.writeframes(_envelope_pcm(gain))


def _envelope_pcm(gain: np.ndarray) -> bytes:
    # 1/32768 steps are 0.002 dB at -15 dB: finer than any ear, and every ffmpeg reads it.
    return bytes(np.clip(np.round(gain * 32767.0), 0, 32767).astype("<i2").tobytes())
