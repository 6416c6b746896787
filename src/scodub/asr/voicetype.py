"""Voice type of one speaker: lower or higher, from pitch and formants, in numpy.

Used to cast a dub voice of the same kind for each speaker. Two cues, each a log ratio to
a boundary between typical adult male and female values, weighed together:

- pitch: the median fundamental frequency of the voiced frames (YIN-style difference
  function, 60-400 Hz). Pitch alone misjudges raised or declaiming male voices (an
  orator's median can pass 160 Hz), hence
- formant dispersion: the mean spacing of F1-F3 (LPC roots on voiced frames;
  Reby & McComb 2003), which follows vocal-tract length and does not rise with effort.
  Adult male tracts give about 1000 Hz, female about 1150-1200 Hz.

The estimate reads at most ``_MAX_SPEECH_MS`` of the speaker's turns. Too little voiced
speech gives ``unknown``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scodub.media.decode import ASR_SAMPLE_RATE

_FRAME = 640  # 40 ms at 16 kHz: two periods of a 60 Hz voice
_HOP = 160  # 10 ms
_F0_MIN_HZ, _F0_MAX_HZ = 60.0, 400.0
_VOICED_THRESHOLD = 0.25  # YIN's cumulative-mean-normalised difference at the period
_MIN_VOICED_FRAMES = 30  # 0.3 s of voiced speech
_MAX_SPEECH_MS = 60_000
_LPC_ORDER = 14
_MAX_LPC_FRAMES = 800
# Boundaries between the typical male and female values (log-scale midpoints).
PITCH_BOUNDARY_HZ = 160.0
DISPERSION_BOUNDARY_HZ = 1090.0
# How far (log ratio) each cue must move to count as one unit of evidence.
_PITCH_SCALE = math.log(1.35)
_DISPERSION_SCALE = math.log(1.08)
_PITCH_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class VoiceEstimate:
    voice_type: str  # "lower", "higher" or "unknown"
    pitch_hz: float  # median F0 of voiced frames
    dispersion_hz: float  # mean formant spacing (0: not measured)
    score: float  # > 0 higher, < 0 lower
    voiced_frames: int


def _frames(audio: np.ndarray, size: int) -> np.ndarray:
    count = 1 + (audio.size - size) // _HOP
    if count <= 0:
        return np.zeros((0, size), dtype=np.float32)
    return np.lib.stride_tricks.sliding_window_view(audio, size)[::_HOP][:count]


def _pitch_track(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: F0 in Hz (0 where unvoiced), and the voiced mask."""
    lo = int(ASR_SAMPLE_RATE / _F0_MAX_HZ)
    hi = int(ASR_SAMPLE_RATE / _F0_MIN_HZ)
    x = frames - frames.mean(axis=1, keepdims=True)
    # YIN's difference d(tau) = sum_j (x_j - x_{j+tau})^2 over a fixed window of
    # ``width`` samples: E(0) + E(tau) - 2 r(tau), the energies from a running sum.
    width = frames.shape[1] - hi - 1
    squares = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x**2, axis=1)], axis=1)
    lags = np.arange(hi + 2)
    energy_at = squares[:, lags + width] - squares[:, lags]
    n = 2 * frames.shape[1]
    cross = np.fft.irfft(
        np.conj(np.fft.rfft(x[:, :width], n=n, axis=1)) * np.fft.rfft(x, n=n, axis=1),
        n=n,
        axis=1,
    )[:, : hi + 2]
    diff = np.maximum(energy_at[:, :1] + energy_at - 2.0 * cross, 0.0)
    diff[:, 0] = 0.0
    taus = np.arange(diff.shape[1])
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus[1:] / np.maximum(cumulative, 1e-12)
    window = cmnd[:, lo : hi + 1]
    # YIN: the first dip under the threshold (then its local minimum), not the deepest
    # one, which is often a multiple of the period (an octave too low).
    below = window < _VOICED_THRESHOLD
    first = np.where(below.any(axis=1), below.argmax(axis=1), window.argmin(axis=1))
    best = first.copy()
    for _ in range(window.shape[1]):
        step = np.minimum(best + 1, window.shape[1] - 1)
        rows = np.arange(len(window))
        moving = window[rows, step] < window[rows, best]
        if not moving.any():
            break
        best = np.where(moving, step, best)
    depth = window[np.arange(len(window)), best]
    tau = (best + lo).astype(np.float64)
    # Parabolic interpolation around the minimum.
    inner = (best > 0) & (best < window.shape[1] - 1)
    rows = np.nonzero(inner)[0]
    a, b, c = (window[rows, best[rows] + d] for d in (-1, 0, 1))
    denom = a - 2 * b + c
    shift = np.where(np.abs(denom) > 1e-12, 0.5 * (a - c) / np.where(denom == 0, 1, denom), 0)
    tau[rows] += np.clip(shift, -1, 1)
    energy = np.sqrt((x**2).mean(axis=1))
    loud = energy > 0.1 * np.percentile(energy, 95) if energy.size else energy > 0
    voiced = (depth < _VOICED_THRESHOLD) & loud
    return np.where(voiced, ASR_SAMPLE_RATE / tau, 0.0), voiced


def _lpc(frames: np.ndarray, order: int) -> np.ndarray:
    """LPC coefficients (autocorrelation method, Levinson-Durbin) for every frame."""
    n = frames.shape[1]
    spectrum = np.fft.rfft(frames, n=2 * n, axis=1)
    r = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : order + 1]
    r[:, 0] *= 1.0 + 1e-9
    a = np.zeros((len(frames), order + 1))
    a[:, 0] = 1.0
    error = r[:, 0].copy()
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("fj,fj->f", a[:, 1:i], r[:, i - 1 : 0 : -1])
        k = -acc / np.maximum(error, 1e-12)
        a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1 : 0 : -1]
        a[:, i] = k
        error *= 1.0 - k**2
    return a


def _dispersion(frames: np.ndarray) -> float:
    """Median formant dispersion (Hz) over the frames; 0 when too few frames show F1-F3."""
    if len(frames) > _MAX_LPC_FRAMES:
        frames = frames[np.linspace(0, len(frames) - 1, _MAX_LPC_FRAMES).astype(int)]
    emphasised = frames[:, 1:] - 0.97 * frames[:, :-1]  # pre-emphasis, as for LPC formants
    emphasised = emphasised * np.hamming(emphasised.shape[1])
    # Formants of adult voices lie under 5.5 kHz: analyse at 11 kHz (Praat's convention).
    decimated = _resample_11k(emphasised)
    coefficients = _lpc(decimated, _LPC_ORDER)
    rate = 11_000.0
    values: list[float] = []
    for row in coefficients:
        roots = np.roots(row)
        roots = roots[np.imag(roots) > 0]
        freqs = np.angle(roots) * rate / (2 * math.pi)
        bandwidths = -rate / math.pi * np.log(np.maximum(np.abs(roots), 1e-12))
        formants = np.sort(freqs[(freqs > 150) & (freqs < 5000) & (bandwidths < 500)])
        if formants.size >= 3:
            f = formants[:3]
            weights = np.array([0.5, 1.5, 2.5])
            values.append(float(np.dot(f, weights) / np.dot(weights, weights)))
    return float(np.median(values)) if len(values) >= _MIN_VOICED_FRAMES // 2 else 0.0


def _resample_11k(frames: np.ndarray) -> np.ndarray:
    """16 kHz frames to 11 kHz by FFT (each frame on its own; edges are windowed)."""
    n = frames.shape[1]
    m = round(n * 11_000 / ASR_SAMPLE_RATE)
    spectrum = np.fft.rfft(frames, axis=1)[:, : m // 2 + 1]
    resampled: np.ndarray = np.fft.irfft(spectrum, n=m, axis=1) * (m / n)
    return resampled


def _speech(audio: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    pieces: list[np.ndarray] = []
    total = 0
    for start_ms, end_ms in sorted(spans, key=lambda s: s[1] - s[0], reverse=True):
        a = start_ms * ASR_SAMPLE_RATE // 1000
        b = min(end_ms * ASR_SAMPLE_RATE // 1000, audio.size)
        if b - a >= _FRAME:
            pieces.append(np.asarray(audio[a:b], dtype=np.float64))
            total += b - a
        if total >= _MAX_SPEECH_MS * ASR_SAMPLE_RATE // 1000:
            break
    return np.concatenate(pieces) if pieces else np.zeros(0)


def estimate_voice_type(
    audio: np.ndarray, spans: Sequence[tuple[int, int]] | None = None
) -> VoiceEstimate:
    """Lower or higher voice, from the speech in ``spans`` (ms; all of ``audio`` if None)."""
    speech = _speech(audio, spans) if spans is not None else np.asarray(audio, dtype=np.float64)
    frames = _frames(speech, _FRAME)
    if len(frames) == 0:
        return VoiceEstimate("unknown", 0.0, 0.0, 0.0, 0)
    f0, voiced = _pitch_track(frames)
    count = int(voiced.sum())
    if count < _MIN_VOICED_FRAMES:
        return VoiceEstimate("unknown", 0.0, 0.0, 0.0, count)
    pitch = float(np.median(f0[voiced]))
    dispersion = _dispersion(frames[voiced][:, :400])  # 25 ms analysis frames
    score = _PITCH_WEIGHT * math.log(pitch / PITCH_BOUNDARY_HZ) / _PITCH_SCALE
    if dispersion > 0:
        score += (1 - _PITCH_WEIGHT) * (
            math.log(dispersion / DISPERSION_BOUNDARY_HZ) / _DISPERSION_SCALE
        )
    else:
        score *= 2  # pitch alone
    return VoiceEstimate("higher" if score > 0 else "lower", pitch, dispersion, score, count)
