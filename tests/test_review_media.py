"""The review page's picture and sound: the stream the run transcribed, a cover picture
that is no picture of the film (real ffmpeg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import run_ffmpeg
from scodub.media.decode import decode_audio
from scodub.media.probe import probe
from scodub.review.media import make_proxy, waveform
from scodub.stages.cache import StageCache

RATE = 16000


def _tone_db(audio: np.ndarray, freq: float) -> float:
    chunk = audio[RATE // 2 : RATE * 3 // 2].astype(np.float64)
    t = np.arange(chunk.size) / RATE
    amplitude = 2 * abs(np.sum(chunk * np.exp(-2j * np.pi * freq * t))) / chunk.size
    return 20 * float(np.log10(amplitude))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review media")
    # Two audio streams: 300 Hz (Russian, not default), 700 Hz (English, default).
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:d=2",
        "-f", "lavfi", "-i", "sine=f=300:d=2", "-f", "lavfi", "-i", "sine=f=700:d=2",
        "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-metadata:s:a:0", "language=rus", "-metadata:s:a:1", "language=eng",
        "-disposition:a:0", "0", "-disposition:a:1", "default", str(folder / "два звука.mp4"),
    )  # fmt: skip
    run_ffmpeg("-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", str(folder / "c.jpg"))
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=f=500:d=2", "-i", str(folder / "c.jpg"), "-map", "0",
        "-map", "1", "-c:a", "libmp3lame", "-c:v", "copy", "-disposition:v", "attached_pic",
        "-id3v2_version", "3", str(folder / "song 'cover'.mp3"),
    )  # fmt: skip
    return folder


def test_the_proxy_holds_the_transcribed_stream(folder: Path) -> None:
    """The proxy carried the first audio stream: the editor checked English subtitles
    against the Russian sound."""
    film = folder / "два звука.mp4"
    cache = StageCache(folder / "out")
    proxy = make_proxy(film, cache, audio=1)
    audio = decode_audio(proxy, probe(proxy).audio[0], sample_rate=RATE)
    assert _tone_db(audio, 700.0) > _tone_db(audio, 300.0) + 30
    first = make_proxy(film, cache, audio=0)
    assert first != proxy  # one proxy per stream, each kept
    audio = decode_audio(first, probe(first).audio[0], sample_rate=RATE)
    assert _tone_db(audio, 300.0) > _tone_db(audio, 700.0) + 30
    info = probe(film)
    assert waveform(film, info, cache, 1) != waveform(film, info, cache, 0)


def test_the_proxy_of_a_broadcast_capture_is_on_the_films_timeline(folder: Path) -> None:
    """An MPEG-TS whose first sound starts the file, its picture and second sound 0.6 s
    later: ffmpeg starts such a file's clock at the earliest stream a command reads, and
    the proxy (picture and second sound) started 0.6 s early against the subtitles."""
    film = folder / "capture.ts"
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=f=300:d=3",
        "-itsoffset", "0.6", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:d=3",
        "-itsoffset", "0.6", "-f", "lavfi", "-i", "sine=f=700:d=3",
        "-map", "1:v", "-map", "0:a", "-map", "2:a", "-c:v", "libx264", "-pix_fmt", "yuv420p",
        "-c:a", "aac", str(film),
    )  # fmt: skip
    info = probe(film)
    assert info.audio[1].start_ms == pytest.approx(600, abs=30)
    proxy = make_proxy(film, StageCache(folder / "out"), audio=1, info=info)
    audio = decode_audio(proxy, probe(proxy).audio[0], sample_rate=RATE)
    silent = audio[: RATE // 2].astype(np.float64)
    assert float(np.sqrt(np.mean(silent**2))) < 1e-3  # before the second sound starts
    assert _tone_db(audio[RATE // 2 :], 700.0) > -30


def test_an_audio_file_with_a_cover_picture_gets_a_sound_only_proxy(folder: Path) -> None:
    """The cover picture was taken for the film's picture, and ffmpeg refused the proxy."""
    proxy = make_proxy(folder / "song 'cover'.mp3", StageCache(folder / "out"))
    info = probe(proxy)
    assert not info.video and len(info.audio) == 1
