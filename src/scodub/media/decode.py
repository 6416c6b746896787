"""Decode one audio stream for ASR and check it is complete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ffmpeg
import numpy as np

from scodub.errors import MediaError
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg, stream_ffmpeg
from scodub.media.probe import AudioStream, MediaInfo, offset_options, packet_spans_ms

ASR_SAMPLE_RATE = 16000

#: aresample options that put a stream's first sample where it lies on the film's
#: timeline: audio that starts after the picture (or has a gap) is preceded (filled) by
#: silence, so that times measured in the decoded samples are the film's times.
ON_FILM_TIMELINE = {"async": 1, "first_pts": 0}
_TIMELINE_FILTER = "aresample=async=1:first_pts=0"


def decode_audio(
    path: Path,
    stream: AudioStream | None = None,
    sample_rate: int = ASR_SAMPLE_RATE,
    *,
    seconds: float | None = None,
) -> np.ndarray:
    """Decode one audio stream to mono float32 at ``sample_rate`` with the ffmpeg binary,
    on the film's timeline (sample 0 is the film's start); with ``seconds``, only the
    first seconds of the stream's own sound (for language detection, not timed)."""
    path = Path(path)
    selector = f"0:a:{stream.position}" if stream else "0:a:0"
    limit = {"t": seconds} if seconds is not None else _on_timeline(stream)
    timeline = {} if seconds is not None else {"af": _TIMELINE_FILTER}
    cmd = (
        ffmpeg.input(str(path.absolute()), **limit)  # 'a:b.mp4' is no protocol
        .output(
            "pipe:",
            map=selector,
            format="f32le",
            acodec="pcm_f32le",
            ac=1,
            ar=sample_rate,
            **timeline,
        )
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_exe())
    )
    result = run_ffmpeg(cmd, what="decode the audio", source=path)
    if len(result.stdout) % 4:  # no 32-bit samples: not the decoder we asked for
        raise MediaError(path, "the decoder's output ended inside a sample")
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def iter_audio(
    path: Path,
    stream: AudioStream | None = None,
    sample_rate: int = ASR_SAMPLE_RATE,
    *,
    block_seconds: float = 60.0,
) -> Iterator[np.ndarray]:
    """``decode_audio`` in blocks of ``block_seconds`` (one ffmpeg process): the same
    samples, without the whole stream in memory (a feature film is 460 MB at 16 kHz)."""
    path = Path(path)
    selector = f"0:a:{stream.position}" if stream else "0:a:0"
    cmd = (
        ffmpeg.input(str(path.absolute()), **_on_timeline(stream))
        .output(
            "pipe:",
            map=selector,
            af=_TIMELINE_FILTER,
            format="f32le",
            acodec="pcm_f32le",
            ac=1,
            ar=sample_rate,
        )
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_exe())
    )
    block_bytes = 4 * max(1, int(block_seconds * sample_rate))
    for block in stream_ffmpeg(cmd, what="decode the audio", source=path, block_bytes=block_bytes):
        usable = len(block) - len(block) % 4  # a pipe read may end inside a sample
        if usable != len(block):
            raise MediaError(path, "the decoder's output ended inside a sample")
        yield np.frombuffer(block, dtype=np.float32).copy()


def _on_timeline(stream: AudioStream | None) -> dict[str, str]:
    """Input options that put ``stream``, read alone, where it lies on the film's
    timeline (``probe.read_offset_ms``)."""
    return offset_options(stream.read_offset_ms) if stream else {}


def check_complete(
    info: MediaInfo, stream: AudioStream, audio: np.ndarray, sample_rate: int = ASR_SAMPLE_RATE
) -> None:
    """A stream whose audio decodes to much less than its header says is truncated
    (``audio`` decoded on the film's timeline, as ``decode_audio`` does)."""
    check_decoded_length(info, stream, len(audio), sample_rate)


def check_decoded_length(
    info: MediaInfo, stream: AudioStream, samples: int, sample_rate: int = ASR_SAMPLE_RATE
) -> None:
    """``check_complete`` from the number of samples decoded (a streamed decode).

    A stream with no length of its own (Matroska) is first held to the container's length;
    when it decodes shorter, its packets are read (a pass over the file, only then): a
    stream that simply ends before the picture, or that starts late on the file's clock
    (a 10:00:00:00 timecode), is complete; one whose packets hold more than decodes, or
    that ends with every other stream well before the header's length, is not."""
    decoded_ms = int(samples * 1000 / sample_rate) - stream.start_ms  # less the lead-in
    expected = stream.duration_ms or info.duration_ms
    if not _short(decoded_ms, expected):
        return
    if stream.duration_ms is None:
        spans = packet_spans_ms(info.path)
        first, end = spans.get(stream.index, (0, 0))
        others = max((e for i, (_, e) in spans.items() if i != stream.index), default=end)
        if not _short(decoded_ms, end - first) and (
            others - end > 2000 or not _short(max(end, others), info.duration_ms)
        ):
            return  # it ends before the picture does, or the file is whole
        expected = end - first if _short(decoded_ms, end - first) else expected
    raise MediaError(
        info.path,
        f"truncated or corrupt: audio stream {stream.position} decodes to "
        f"{decoded_ms / 1000:.1f} s of the {expected / 1000:.1f} s its header announces",
    )


def _short(got_ms: int, expected_ms: int) -> bool:
    """Whether ``got_ms`` falls clearly short of ``expected_ms`` (over 2 s expected)."""
    return expected_ms > 2000 and got_ms < 0.9 * expected_ms - 1000


def rms_dbfs(audio: np.ndarray) -> float:
    """Root-mean-square level in dBFS (-inf for digital silence)."""
    if audio.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * float(np.log10(rms)) if rms > 0 else float("-inf")
