"""Memory flat in the film's length (issue 10, "Long films"): each streamed step of the
run/dub path peaks the same on a long programme as on a short one.

Peaks are read with ``tracemalloc``, which sees every numpy buffer, so they do not move
with the machine's load or the allocator's mood as a resident set does; the whole
process's resident set on a 2-hour film is ``bench/bench_longfilm.py``'s. Each step runs
on a short and a long generated programme; the long one may peak at most ``_SLACK``
times the short one's plus ``_ROOM_MB`` (the small per-line and per-word records that do
grow with the film: its lines' times, its transcript).
"""

from __future__ import annotations

import math
import subprocess
import tracemalloc
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from scodub.asr import long as asr_long
from scodub.asr.long import transcribe_stream
from scodub.asr.whisper import AsrSettings
from scodub.data import Segment, Transcript, Word
from scodub.dub.backcheck import excerpt_windows
from scodub.dub.duck import write_duck_envelope
from scodub.dub.fitting import FittedLine, write_stem
from scodub.media.decode import iter_audio
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.provision.whisper import ResolvedModel

_SLACK = 1.2
_ROOM_MB = 1.5
_RATE = 16000


def _peak_mb(step: Callable[[], object]) -> float:
    """The most memory ``step`` held at once (MB), beyond what existed before it."""
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _assert_flat(short_mb: float, long_mb: float, what: str) -> None:
    assert long_mb <= _SLACK * short_mb + _ROOM_MB, (
        f"{what}: {long_mb:.1f} MB on the long programme against {short_mb:.1f} MB on the "
        "short one: something grows with the film's length"
    )


def _noise_blocks(minutes: int, block_s: int = 60) -> Iterator[np.ndarray]:
    """Speech-like level noise in blocks, as ``media.decode.iter_audio`` hands them out."""
    rng = np.random.default_rng(minutes)
    for _ in range(minutes * 60 // block_s):
        yield (rng.random(block_s * _RATE, dtype=np.float32) - 0.5) * 0.1


def test_windowed_transcription_peaks_the_same_on_5_and_20_minutes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[int] = []

    def fake_whisper(audio: np.ndarray, *_: object, **__: object) -> Transcript:
        """Stands in for Whisper: memory in proportion to the audio it is given (its
        features), one segment back per window."""
        heard.append(audio.size)
        features = np.square(audio, dtype=np.float64)
        end = max(1, round(audio.size * 1000 / _RATE))
        word = Word("word", 0, end)
        segment = Segment(0, end, f"{features.size}", (word,))
        return Transcript("en", 1.0, end, (segment,))

    monkeypatch.setattr(asr_long, "transcribe_audio", fake_whisper)
    model = ResolvedModel("fake", Path("unused"), "fake")
    settings = AsrSettings(language="en")

    def transcribe(minutes: int) -> None:
        result = transcribe_stream(_noise_blocks(minutes), settings, model, window_s=60, search_s=2)
        assert result.samples == minutes * 60 * _RATE
        assert len(result.transcript.segments) == len(heard)

    short = _peak_mb(lambda: transcribe(5))
    heard.clear()
    long = _peak_mb(lambda: transcribe(20))
    assert max(heard) <= 62 * _RATE  # a window and its search, never more
    _assert_flat(short, long, "the windowed transcription")


@pytest.fixture(scope="module")
def programmes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """5- and 20-minute 16 kHz mono FLAC files (a tone under noise), made by ffmpeg."""
    folder = tmp_path_factory.mktemp("long-memory")
    made: dict[int, Path] = {}
    for minutes in (5, 20):
        path = folder / f"{minutes}min.flac"
        source = f"sine=f=220:r={_RATE}:d={minutes * 60}"
        cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
               "-f", "lavfi", "-i", source, "-ac", "1", "-c:a", "flac", str(path)]  # fmt: skip
        subprocess.run(cmd, check=True)
        made[minutes] = path
    return made


def test_backcheck_excerpt_of_a_streamed_decode_peaks_the_same(
    programmes: dict[int, Path],
) -> None:
    def excerpt(minutes: int) -> None:
        # A 3 s line every 5 s, as a dub of wall-to-wall dialogue has.
        spans = [(t, t + 3000) for t in range(0, minutes * 60_000 - 3000, 5000)]
        total = 0
        for part in excerpt_windows(iter_audio(programmes[minutes]), spans, 60 * _RATE):
            total += part.size
        assert total > 0.6 * minutes * 60 * _RATE

    _assert_flat(_peak_mb(lambda: excerpt(5)), _peak_mb(lambda: excerpt(20)), "the excerpt")


def _lines(minutes_spoken: int, rate: int) -> Iterator[FittedLine]:
    """A 2 s line every 4 s for ``minutes_spoken`` minutes (noise for speech)."""
    rng = np.random.default_rng(7)
    for index, start in enumerate(range(1000, minutes_spoken * 60_000, 4000), start=1):
        audio = rng.normal(0.0, 0.1, 2 * rate).astype(np.float32)
        yield FittedLine(index, "line", start, 2000, 4000, 2000, 1.0, 1.0, True, 0, 0, rate, audio)


@pytest.mark.parametrize("spoken", ["all through", "only the first minute"])
def test_the_dub_stem_peaks_the_same_on_5_and_20_minutes(spoken: str, tmp_path: Path) -> None:
    rate = 22050

    def stem(minutes: int) -> None:
        talk = minutes if spoken == "all through" else 1
        path = tmp_path / f"{minutes}.wav"
        kept = write_stem(path, _lines(talk, rate), minutes * 60_000, rate)
        assert kept and all(line.audio.size == 0 for line in kept)
        with wave.open(str(path)) as wav:
            assert wav.getnframes() == minutes * 60 * rate

    _assert_flat(_peak_mb(lambda: stem(5)), _peak_mb(lambda: stem(20)), f"the stem ({spoken})")


def test_the_ducking_envelope_peaks_the_same_on_20_and_60_minutes(tmp_path: Path) -> None:
    def envelope(minutes: int) -> None:
        cues = [(t, t + 2500) for t in range(1000, minutes * 60_000, 6000)]
        path = tmp_path / f"{minutes}.wav"
        write_duck_envelope(
            path, cues, minutes * 60_000, duck_db=15.0, attack_ms=200, release_ms=400
        )
        with wave.open(str(path)) as wav:
            assert wav.getnframes() == math.ceil(minutes * 60_000)

    # Written 10 minutes at a time: both programmes are longer than one block.
    _assert_flat(
        _peak_mb(lambda: envelope(20)), _peak_mb(lambda: envelope(60)), "the ducking envelope"
    )
