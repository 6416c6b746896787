"""Loudness measurement: the real ebur128 scanner on signals of known loudness."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SAMPLE, run_ffmpeg
from scodub.errors import MediaError
from scodub.media.loudness import (
    EBU_R128,
    Loudness,
    ebur128_command,
    measure_loudness,
    parse_ebur128_summary,
    parse_loudnorm_json,
)

# EBU Tech 3341, test case 1: a 1 kHz sine at -23 dBFS on both channels reads -23.0 LUFS.
_AMPLITUDE_23 = 10 ** (-23 / 20)


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("loud ness 'тон'")
    sine = f"{_AMPLITUDE_23:.6f}*sin(2*PI*1000*t)"
    run_ffmpeg(
        "-f", "lavfi", "-i", f"aevalsrc={sine}|{sine}:s=48000:d=5",
        "-c:a", "pcm_s24le", str(folder / "ref -23.wav"),
    )  # fmt: skip
    run_ffmpeg(
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", str(folder / "silence.wav")
    )  # fmt: skip
    # Two audio streams of different loudness: stream 1 is 10 dB louder than stream 0.
    quiet = f"{10 ** (-33 / 20):.6f}*sin(2*PI*1000*t)"
    run_ffmpeg(
        "-f", "lavfi", "-i", f"aevalsrc={quiet}|{quiet}:s=48000:d=4",
        "-f", "lavfi", "-i", f"aevalsrc={sine}|{sine}:s=48000:d=4",
        "-map", "0:a", "-map", "1:a", "-c:a", "pcm_s24le", "-f", "matroska",
        str(folder / "two streams.mka"),
    )  # fmt: skip
    return folder


def test_reference_sine_measures_minus_23(tones: Path) -> None:
    level = measure_loudness(tones / "ref -23.wav")
    assert level.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert level.true_peak_dbtp == pytest.approx(-23.0, abs=0.2)
    assert level.lra == pytest.approx(0.0, abs=0.5)
    assert level.meets(EBU_R128)


@pytest.mark.parametrize("seconds", [0.1, 0.3])
def test_sine_shorter_than_a_gating_block_is_measured_looped(
    tmp_path: Path, seconds: float
) -> None:
    """BS.1770 has no 400 ms block in it (ebur128 alone says -70, as for silence); looped,
    the reference sine reads its -23 LUFS."""
    sine = f"{_AMPLITUDE_23:.6f}*sin(2*PI*1000*t)"
    short = tmp_path / "short.wav"
    run_ffmpeg("-f", "lavfi", "-i", f"aevalsrc={sine}|{sine}:s=48000:d={seconds}", str(short))
    level = measure_loudness(short)
    assert level.integrated_lufs == pytest.approx(-23.0, abs=0.2)
    assert level.true_peak_dbtp == pytest.approx(-23.0, abs=0.2)
    assert "-stream_loop" in ebur128_command(short, looped=True)


def test_stream_selects_the_nth_audio_stream(tones: Path) -> None:
    first = measure_loudness(tones / "two streams.mka", stream=0)
    second = measure_loudness(tones / "two streams.mka", stream=1)
    assert first.integrated_lufs == pytest.approx(-33.0, abs=0.2)
    assert second.integrated_lufs == pytest.approx(-23.0, abs=0.2)


def test_silence_is_minus_70_and_no_peak(tones: Path) -> None:
    level = measure_loudness(tones / "silence.wav")
    assert level.is_silent
    assert level.true_peak_dbtp == -math.inf
    assert not level.meets(EBU_R128)


def test_sample_film_loudness() -> None:
    level = measure_loudness(SAMPLE)
    # The sample's own track is not normalised: about -18 LUFS, peaks about -5 dBTP.
    assert -20.0 < level.integrated_lufs < -16.0
    assert -7.0 < level.true_peak_dbtp < -3.0


def test_command_is_an_argument_list(tones: Path) -> None:
    cmd = ebur128_command(tones / "two streams.mka", stream=1)
    assert str((tones / "two streams.mka").absolute()) in cmd
    graph = cmd[cmd.index("-filter_complex") + 1]
    assert graph.startswith("[0:a:1]ebur128=")
    assert "peak=true" in graph and "framelog=verbose" in graph
    assert cmd[cmd.index("-f") + 1] == "null"


def test_missing_and_non_media_files(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        measure_loudness(tmp_path / "nothing.wav")
    bogus = tmp_path / "not audio.wav"
    bogus.write_text("plain text\n" * 20)
    with pytest.raises(MediaError, match="cannot measure loudness"):
        measure_loudness(bogus)


_REAL_SUMMARY = """\
[Parsed_ebur128_0 @ 0x7f77c0001c00] Summary:

  Integrated loudness:
    I:         -18.1 LUFS
    Threshold: -29.7 LUFS

  Loudness range:
    LRA:        13.9 LU
    Threshold: -40.3 LUFS
    LRA low:   -29.5 LUFS
    LRA high:  -15.6 LUFS

  True peak:
    Peak:       -4.9 dBFS
[out#0/null @ 0x56533957a280] video:0KiB audio:4629KiB subtitle:0KiB
"""


def test_parse_ebur128_summary_takes_the_last_block() -> None:
    earlier = _REAL_SUMMARY.replace("-18.1", "-40.0")
    level = parse_ebur128_summary("noise { } Summary:\n" + earlier + "more log\n" + _REAL_SUMMARY)
    assert level == Loudness(integrated_lufs=-18.1, true_peak_dbtp=-4.9, lra=13.9)


def test_parse_ebur128_summary_without_peak_or_summary() -> None:
    without_peak = _REAL_SUMMARY.split("  True peak:")[0]
    with pytest.raises(ValueError, match="true peak"):
        parse_ebur128_summary(without_peak)
    with pytest.raises(ValueError, match="no ebur128 summary"):
        parse_ebur128_summary("[in#0] Error opening input file\n")


_LOUDNORM = """[Parsed_loudnorm_3 @ 0x5581] \n{
\t"input_i" : "-19.32",
\t"input_tp" : "-5.36",
\t"input_lra" : "12.60",
\t"input_thresh" : "-30.88",
\t"output_i" : "-23.01",
\t"output_tp" : "-9.05",
\t"output_lra" : "12.40",
\t"output_thresh" : "-34.57",
\t"normalization_type" : "linear",
\t"target_offset" : "0.01"
}
[out#0/wav @ 0x55] video:0KiB audio:3KiB
"""


def test_parse_loudnorm_json_amid_other_braces() -> None:
    text = "metadata: {not json}\n" + _LOUDNORM.replace("-19.32", "-inf") + "{\n" + _LOUDNORM
    stats = parse_loudnorm_json(text + "trailing } brace")
    assert stats.input_i == -19.32
    assert stats.output_tp == -9.05
    assert stats.normalization_type == "linear"
    silent = parse_loudnorm_json(_LOUDNORM.replace('"-19.32"', '"-inf"'))
    assert silent.input_i == -math.inf


def test_parse_loudnorm_json_incomplete() -> None:
    with pytest.raises(ValueError, match="no loudnorm JSON"):
        parse_loudnorm_json(_LOUDNORM.replace('\t"target_offset" : "0.01"\n', ""))


@given(
    st.floats(-70, 0, allow_nan=False).map(lambda x: round(x, 1)),
    st.floats(0, 40, allow_nan=False).map(lambda x: round(x, 1)),
    st.one_of(st.just(-math.inf), st.floats(-60, 3, allow_nan=False).map(lambda x: round(x, 1))),
)
def test_parse_ebur128_round_trip(integrated: float, lra: float, peak: float) -> None:
    # Markers first: a generated value must not be matched by a later replacement.
    text = (
        _REAL_SUMMARY.replace("-18.1 LUFS", "@I@ LUFS", 1)
        .replace("13.9 LU", "@LRA@ LU", 1)
        .replace("-4.9 dBFS", "@TP@ dBFS")
        .replace("@I@", f"{integrated:.1f}")
        .replace("@LRA@", f"{lra:.1f}")
        .replace("@TP@", f"{peak:.1f}")
    )
    assert parse_ebur128_summary(text) == Loudness(integrated, peak, lra)
