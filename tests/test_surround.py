"""A 5.1 film gets a 5.1 dub: the voice in the centre channel, every channel of the
original ducked under the lines, the mix normalised, muxed as 5.1 (real ffmpeg)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import run_ffmpeg
from scodub.dub.mix import mix_dub, mix_layout
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.media.mux import DeliveryTrack, TrackKind, mux_delivery
from scodub.media.probe import probe

RATE = 48000
DUB_HZ = 1000.0
#: A tone per channel of the original, in 5.1 order: FL FR FC LFE BL BR.
BED_HZ = (220.0, 330.0, 440.0, 60.0, 550.0, 660.0)
CUE = (1000, 2500)


def _channels(path: Path) -> np.ndarray:
    """Every channel of ``path``'s first audio stream, as rows (float32, 48 kHz)."""
    count = probe(path).audio[0].channels
    raw = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:a:0",
         "-f", "f32le", "-ar", str(RATE), "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, count).T


def _tone_db(audio: np.ndarray, freq: float, window: tuple[int, int]) -> float:
    chunk = audio[window[0] * RATE // 1000 : window[1] * RATE // 1000].astype(np.float64)
    t = np.arange(chunk.size) / RATE
    amplitude = 2 * abs(np.sum(chunk * np.exp(-2j * np.pi * freq * t))) / chunk.size
    return 20 * float(np.log10(amplitude + 1e-12))


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("surround")
    tones = "|".join(f"0.1*sin(2*PI*{hz}*t)" for hz in BED_HZ)
    path = folder / "фильм 5.1.mkv"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:d=4",
        "-f", "lavfi", "-i", f"aevalsrc='{tones}':s={RATE}:d=4:channel_layout=5.1",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "flac", str(path),
    )  # fmt: skip
    run_ffmpeg(
        "-f", "lavfi", "-i",
        f"aevalsrc='0.3*sin(2*PI*{DUB_HZ}*t)*between(t,1.0,2.5)':s=22050:d=4",
        str(folder / "stem.wav"),
    )  # fmt: skip
    return path


def test_layouts() -> None:
    assert [mix_layout(n) for n in (1, 2, 3, 6, 8)] == ["stereo", "stereo", "stereo", "5.1", "7.1"]


def test_a_surround_film_gets_a_surround_dub(film: Path) -> None:
    """A 5.1 original was mixed down to a stereo dub: the dub track lost the surround."""
    result = mix_dub(film, 0, film.parent / "stem.wav", [CUE], film.parent / "mix.flac")
    assert result.meets_target, result.loudness
    channels = _channels(result.path)
    assert channels.shape[0] == 6
    fl, fr, fc, lfe, bl, br = channels
    assert _tone_db(fc, DUB_HZ, (1100, 2400)) > -40  # the voice in the centre
    for side in (fl, fr, bl, br, lfe):
        assert _tone_db(side, DUB_HZ, (1100, 2400)) < -80  # and nowhere else
    for side, hz in zip((fl, fr, fc, bl, br), BED_HZ[:3] + BED_HZ[4:], strict=True):
        between = _tone_db(side, hz, (3000, 3800))
        assert between > -50  # each channel keeps its own sound
        assert between - _tone_db(side, hz, (1200, 2300)) > 6  # ducked under the line
    delivery = mux_delivery(
        film, film.parent / "out.mkv", [DeliveryTrack("ru", TrackKind.DUB, result.path)]
    )
    dub = probe(delivery).audio[1]
    assert (dub.codec, dub.channels) == ("aac", 6)
