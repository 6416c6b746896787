"""Audio speed and sample-rate changes through the ffmpeg binary (raw float32 pipes).

``time_stretch`` uses ffmpeg's ``atempo`` filter (WSOLA: faster, pitch kept);
``resample`` uses ``aresample``. Both run ffmpeg with an argument list and never
touch the file system.
"""

from __future__ import annotations

import numpy as np

from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg

# atempo accepts 0.5..100 per instance; dubbing only ever speeds up by a little.
_ATEMPO_RANGE = (0.5, 2.0)


def _raw_args(sample_rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1"]


def _run_filter(audio: np.ndarray, sample_rate: int, out_rate: int, graph: str) -> np.ndarray:
    exe = ffmpeg_exe()
    command = [
        exe, "-nostdin", "-hide_banner", "-loglevel", "error",
        *_raw_args(sample_rate), "-i", "pipe:0",
        "-filter:a", graph,
        *_raw_args(out_rate), "pipe:1",
    ]
    data = np.ascontiguousarray(audio, dtype="<f4").tobytes()
    # The input is scodub's own synthesized audio: a failure here is the tool's.
    result = run_ffmpeg(command, what=f"run the filter {graph!r}", source=exe, stdin=data)
    return np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)


def time_stretch(audio: np.ndarray, sample_rate: int, factor: float) -> np.ndarray:
    """Play ``audio`` ``factor`` times faster with its pitch kept (ffmpeg ``atempo``)."""
    low, high = _ATEMPO_RANGE
    if not low <= factor <= high:
        raise ValueError(f"tempo factor {factor} outside {low}..{high}")
    if abs(factor - 1.0) < 1e-4 or audio.size == 0:
        return audio.astype(np.float32, copy=True)
    return _run_filter(audio, sample_rate, sample_rate, f"atempo={factor:.6f}")


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """``audio`` at another sample rate (ffmpeg ``aresample``); length scales with the rate."""
    if from_rate == to_rate or audio.size == 0:
        return audio.astype(np.float32, copy=True)
    return _run_filter(audio, from_rate, to_rate, f"aresample={to_rate}")
