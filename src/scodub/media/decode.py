"""Decode one audio stream for ASR and check it is complete."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import numpy as np

from scodub.errors import MediaError
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from scodub.media.probe import AudioStream, MediaInfo

ASR_SAMPLE_RATE = 16000


def decode_audio(
    path: Path,
    stream: AudioStream | None = None,
    sample_rate: int = ASR_SAMPLE_RATE,
    *,
    seconds: float | None = None,
) -> np.ndarray:
    """Decode one audio stream (its first ``seconds`` only, when given) to mono float32 at
    ``sample_rate`` with the ffmpeg binary."""
    path = Path(path)
    selector = f"0:a:{stream.position}" if stream else "0:a:0"
    limit = {"t": seconds} if seconds is not None else {}
    cmd = (
        ffmpeg.input(str(path), **limit)
        .output("pipe:", map=selector, format="f32le", acodec="pcm_f32le", ac=1, ar=sample_rate)
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_exe())
    )
    result = run_ffmpeg(cmd, what="decode the audio", source=path)
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def check_complete(
    info: MediaInfo, stream: AudioStream, audio: np.ndarray, sample_rate: int = ASR_SAMPLE_RATE
) -> None:
    """A stream whose audio decodes to much less than its header says is truncated."""
    expected = stream.duration_ms or info.duration_ms
    decoded_ms = int(len(audio) * 1000 / sample_rate)
    if expected > 2000 and decoded_ms < 0.9 * expected - 1000:
        raise MediaError(
            info.path,
            f"truncated or corrupt: audio stream {stream.position} decodes to "
            f"{decoded_ms / 1000:.1f} s of the {expected / 1000:.1f} s its header announces",
        )


def rms_dbfs(audio: np.ndarray) -> float:
    """Root-mean-square level in dBFS (-inf for digital silence)."""
    if audio.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * float(np.log10(rms)) if rms > 0 else float("-inf")
