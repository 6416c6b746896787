"""Audio that does not start or end with the picture: times are the film's times.

A film's audio can start after its picture (an MP4 edit list, a Matroska audio delay)
and end before it (the bundled sample: 24.7 s of sound under 27.9 s of picture). Players
place each stream on the container's clock, so the transcript, the subtitles and the dub
must too (real ffmpeg, real files, the real Whisper model).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLE, run_cli, run_ffmpeg
from scodub.dub.mix import mix_dub
from scodub.media.decode import ASR_SAMPLE_RATE, check_complete, decode_audio
from scodub.media.probe import probe
from scodub.provision.whisper import ResolvedModel
from scodub.stages.film import open_film

RATE = 48000
ORIGINAL_HZ, DUB_HZ = 220.0, 1000.0


#: Codecs of each test container: MPEG-PS (a DVD's VOB) holds MPEG video and audio.
_CODECS = {".mpg": ["-c:v", "mpeg2video", "-c:a", "mp2"]}


def _late_film(folder: Path, suffix: str, delay_s: float) -> Path:
    """6 s of picture; a 220 Hz tone from ``delay_s`` to ``delay_s`` + 2 s."""
    film = folder / f"поздний звук {delay_s}{suffix}"
    codecs = _CODECS.get(suffix, ["-c:v", "libx264", "-c:a", "aac"])
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:d=6",
        "-itsoffset", str(delay_s),
        "-f", "lavfi", "-i", f"sine=f={ORIGINAL_HZ}:d=2:sample_rate=44100",
        "-map", "0:v", "-map", "1:a", *codecs, "-pix_fmt", "yuv420p", "-b:a", "128k", str(film),
    )  # fmt: skip
    return film


def _tone_db(audio: np.ndarray, freq: float, window: tuple[int, int], rate: int) -> float:
    chunk = audio[window[0] * rate // 1000 : window[1] * rate // 1000].astype(np.float64)
    t = np.arange(chunk.size) / rate
    amplitude = 2 * abs(np.sum(chunk * np.exp(-2j * np.pi * freq * t))) / chunk.size
    return 20 * float(np.log10(amplitude + 1e-12))


# MPEG-TS and MPEG-PS: ffmpeg starts such a file's clock at the first stream a command
# reads; audio read alone started at 0 there, 2.5 s before it plays (every cue early).
@pytest.mark.parametrize("suffix", [".mkv", ".mp4", ".ts", ".mpg"])
def test_late_audio_is_decoded_where_it_plays(tmp_path: Path, suffix: str) -> None:
    film = _late_film(tmp_path, suffix, 2.5)
    info = probe(film)
    (stream,) = info.audio
    assert stream.start_ms == pytest.approx(2500, abs=40)  # less AAC's priming in MP4
    assert info.timeline_ms(stream) == pytest.approx(6000, abs=50)
    audio = decode_audio(film, stream)
    check_complete(info, stream, audio)  # the lead-in is not taken for missing sound
    rate = ASR_SAMPLE_RATE
    assert _tone_db(audio, ORIGINAL_HZ, (300, 2300), rate) < -60  # silence before it
    assert _tone_db(audio, ORIGINAL_HZ, (2700, 4300), rate) > -24
    # Language detection takes the sound itself, not the silence before it.
    head = decode_audio(film, stream, seconds=1.0)
    assert _tone_db(head, ORIGINAL_HZ, (100, 900), rate) > -24


def test_a_film_lasts_as_long_as_its_picture(tmp_path: Path) -> None:
    """The sample's audio ends 3 s before its picture; its dub covers the picture."""
    film = open_film(SAMPLE, tmp_path)
    assert film.stream.duration_ms is not None and film.stream.duration_ms < 25_000
    assert film.duration_ms == film.info.duration_ms > 27_500


@pytest.mark.parametrize("suffix", [".mp4", ".ts"])
def test_mix_keeps_late_audio_in_place_and_runs_to_the_pictures_end(
    tmp_path: Path, suffix: str
) -> None:
    film = _late_film(tmp_path, suffix, 2.0)
    stem = tmp_path / "dub stem.wav"
    gate = "between(t,0.5,1.5)+between(t,4.5,5.5)"
    run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc='0.2*sin(2*PI*{DUB_HZ}*t)*({gate})':s=22050:d=6",
               str(stem))  # fmt: skip
    result = mix_dub(film, 0, stem, [(500, 1500), (4500, 5500)], tmp_path / "mix.flac")
    assert result.duration_ms == pytest.approx(6000, abs=50)
    mixed = decode_audio(result.path, probe(result.path).audio[0], sample_rate=RATE)
    assert abs(mixed.size - 6 * RATE) < RATE // 20  # the picture's length, not the sound's
    db = {w: _tone_db(mixed, ORIGINAL_HZ, w, RATE) for w in ((100, 1900), (2200, 3800))}
    assert db[(2200, 3800)] > -30 and db[(100, 1900)] < db[(2200, 3800)] - 40
    # The second line, after the original sound has ended, is dubbed where it is cued.
    assert _tone_db(mixed, DUB_HZ, (4600, 5400), RATE) > -30
    assert _tone_db(mixed, DUB_HZ, (2200, 3800), RATE) < -60


def test_transcript_times_are_the_films_times(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample's speech moved 2.5 s later on the container's clock (a Matroska audio
    delay, streams copied): every word is heard 2.5 s later in the subtitles too."""
    film = tmp_path / "late sample.mkv"
    run_ffmpeg(
        "-i", str(SAMPLE), "-itsoffset", "2.5", "-i", str(SAMPLE),
        "-map", "0:v", "-map", "1:a", "-c", "copy", str(film),
    )  # fmt: skip
    out = tmp_path / "out"
    code, _, err = run_cli(["transcribe", str(film), "--out", str(out), "-q"], capsys)
    assert code == 0, err
    data = json.loads((out / "late sample.transcript.json").read_text(encoding="utf-8"))
    words = [w for s in data["transcript"]["segments"] for w in s["words"]]
    # The sample's first word starts within its first second; its last ends by 24.7 s.
    assert 2500 <= words[0][1] < 3500 and words[-1][2] <= 24_700 + 2500


def test_a_broadcast_capture_whose_clock_jumps_plays_across_the_jump(tmp_path: Path) -> None:
    """Two MPEG-TS recordings joined (the clock jumps by 100 s): the film was "truncated
    or corrupt, 10.6 s of the 106.9 s its header announces" to transcribe, and dub
    made a 107 s delivery of it. ffmpeg plays across a jump of over 10 s; so does scodub."""
    parts = []
    for name, args in (("a.ts", ["-t", "3"]), ("b.ts", ["-t", "4", "-output_ts_offset", "100"])):
        run_ffmpeg("-i", str(SAMPLE), "-c", "copy", *args, str(tmp_path / name))
        parts.append((tmp_path / name).read_bytes())
    film = tmp_path / "запись эфира.ts"
    film.write_bytes(b"".join(parts))
    played = sum(probe(tmp_path / name).duration_ms for name in ("a.ts", "b.ts"))
    assert 6500 < played < 8000  # cut at packets, not at exactly 3 s and 4 s
    info = probe(film)
    assert info.duration_ms == pytest.approx(played, abs=150)
    (stream,) = info.audio
    heard = sum(probe(tmp_path / name).audio[0].duration_ms or 0 for name in ("a.ts", "b.ts"))
    assert stream.duration_ms == pytest.approx(heard, abs=100)
    audio = decode_audio(film, stream)
    assert len(audio) * 1000 / ASR_SAMPLE_RATE == pytest.approx(heard, abs=200)
    check_complete(info, stream, audio)
    assert open_film(film, tmp_path / "out").duration_ms == pytest.approx(played, abs=150)
