"""The ffmpeg runner: which binary, the version check, and whom a failure blames
(real ffmpeg on tiny generated media; a stand-in only for ``-version`` of builds that
this machine does not have)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from conftest import SAMPLE, run_cli
from scodub.errors import MediaError, ToolError
from scodub.media import ffmpeg as runner
from scodub.media.ffmpeg import (
    ENV_VAR,
    MIN_VERSION,
    check_ffmpeg,
    ffmpeg_exe,
    parse_version,
    reason,
    run_ffmpeg,
)

# `ffmpeg -version` as these builds print it (first lines; copyright lines shortened).
DEBIAN_12 = """ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers
built with gcc 12 (Debian 12.2.0-14+deb12u1)
libavutil      57. 28.100 / 57. 28.100
libavfilter     8. 44.100 /  8. 44.100
"""
UBUNTU_22_04 = """ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021
built with gcc 11 (Ubuntu 11.2.0-19ubuntu1)
libavutil      56. 70.100 / 56. 70.100
libavfilter     7.110.100 /  7.110.100
"""
BUNDLED = """ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright (c) 2000-2026
libavfilter    11.  4.100 / 11.  4.100
"""
GIT_SNAPSHOT_OLD = """ffmpeg version N-104465-g08a501946f Copyright (c) 2000-2021
libavfilter     8.  3.100 /  8.  3.100
"""


@pytest.fixture
def fresh_choice(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Each test chooses its ffmpeg anew; the session's choice is restored afterwards."""
    runner.ffmpeg.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    runner.ffmpeg.cache_clear()


def _fake_ffmpeg(folder: Path, version_text: str) -> Path:
    """An executable that answers ``-version`` like another build (and fails otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "ffmpeg"
    (folder / "version.txt").write_text(version_text)
    exe.write_text(f'#!/bin/sh\ncat "{folder / "version.txt"}"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def test_versions_are_read_from_real_version_texts() -> None:
    assert parse_version(DEBIAN_12) == ("5.1.9-0+deb12u1", (5, 1), (8, 44))
    assert parse_version(UBUNTU_22_04) == ("4.4.2-0ubuntu0.22.04.1", (4, 4), (7, 110))
    assert parse_version(BUNDLED) == ("n9.0.2-17-g2a571b6068-20260930", (9, 0), (11, 4))
    assert parse_version(GIT_SNAPSHOT_OLD)[1:] == (None, (8, 3))
    with pytest.raises(ValueError):
        parse_version("sox: SoX v14.4.2\n")


def test_default_is_the_pinned_bundled_build_even_with_a_system_ffmpeg(
    fresh_choice: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A system ffmpeg first on PATH (Debian's 5.1 rejected scodub's loudness options) is
    not what scodub runs unless SCODUB_FFMPEG says so."""
    system = _fake_ffmpeg(tmp_path / "bin", DEBIAN_12)
    fresh_choice.delenv(ENV_VAR, raising=False)
    fresh_choice.setenv("PATH", f"{system.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    chosen = check_ffmpeg()
    assert chosen.path == imageio_ffmpeg.get_ffmpeg_exe()
    assert chosen.chosen_by == "the bundled imageio-ffmpeg"
    assert chosen.release is not None and chosen.release >= MIN_VERSION


def test_scodub_ffmpeg_chooses_another_build(
    fresh_choice: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = _fake_ffmpeg(tmp_path / "bin", BUNDLED)
    fresh_choice.setenv(ENV_VAR, str(other))
    assert ffmpeg_exe() == str(other)
    assert check_ffmpeg().chosen_by == ENV_VAR


@pytest.mark.parametrize("text", [UBUNTU_22_04, GIT_SNAPSHOT_OLD])
def test_too_old_ffmpeg_is_one_line_naming_found_needed_and_fix(
    fresh_choice: pytest.MonkeyPatch, tmp_path: Path, text: str
) -> None:
    old = _fake_ffmpeg(tmp_path / "bin", text)
    fresh_choice.setenv(ENV_VAR, str(old))
    with pytest.raises(ToolError) as caught:
        check_ffmpeg()
    message = str(caught.value)
    found = parse_version(text)[0]
    assert found in message and str(old) in message
    assert f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or newer" in message
    assert f"unset {ENV_VAR}" in message
    assert "\n" not in message


def test_missing_scodub_ffmpeg_is_a_tool_error(fresh_choice: pytest.MonkeyPatch) -> None:
    fresh_choice.setenv(ENV_VAR, "/nonexistent/ffmpeg")
    with pytest.raises(ToolError, match="SCODUB_FFMPEG=/nonexistent/ffmpeg: no such ffmpeg"):
        check_ffmpeg()


def test_cli_with_a_too_old_ffmpeg_blames_the_tool_not_the_film(
    fresh_choice: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_choice.setenv(ENV_VAR, str(_fake_ffmpeg(tmp_path / "bin", UBUNTU_22_04)))
    code, _out, err = run_cli(["transcribe", str(SAMPLE), "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "4.4.2" in lines[0] and "too old" in lines[0] and "5.1 or newer" in lines[0]
    assert str(SAMPLE) not in lines[0]
    assert not list((tmp_path / "out").glob("*.json"))  # stopped before any work


def test_an_option_this_ffmpeg_rejects_blames_the_tool(tmp_path: Path) -> None:
    """The failure mode of issue 7 (framelog=quiet on Debian's 5.1), on whatever ffmpeg
    runs: an option value the build does not know is the tool's problem, not the film's."""
    command = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-f", "lavfi", "-i", "sine=d=1",
        "-af", "ebur128=framelog=nonsense", "-f", "null", "-",
    ]  # fmt: skip
    with pytest.raises(ToolError) as caught:
        run_ffmpeg(command, what="measure loudness", source=SAMPLE)
    message = str(caught.value)
    assert message.startswith(f"ffmpeg {check_ffmpeg().version} ({ffmpeg_exe()}")
    assert "framelog" in message and str(SAMPLE) not in message


def test_a_damaged_film_is_blamed_with_ffmpegs_specific_line(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(bogus), "-f", "null", "-"]
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(command, what="decode the audio", source=bogus)
    assert str(caught.value).startswith(f"{bogus}: cannot decode the audio (")
    assert "Conversion failed!" not in str(caught.value)


def test_reason_skips_ffmpegs_generic_closing_lines() -> None:
    stderr = (
        "[Parsed_loudnorm_1 @ 0x1] Something specific went wrong\n"
        "Error while filtering: Invalid argument\n"
        "Failed to inject frame into filter network: Invalid argument\n"
        "Conversion failed!\n"
    )
    assert reason(stderr) == "[Parsed_loudnorm_1 @ 0x1] Something specific went wrong"
    assert reason("Conversion failed!\n") == "Conversion failed!"
    assert reason("", 69) == "ffmpeg exit code 69"


def test_commands_must_use_the_chosen_binary() -> None:
    with pytest.raises(ValueError, match="not a command for the chosen ffmpeg"):
        run_ffmpeg(["/usr/bin/true"], what="x", source=SAMPLE)


def test_an_ffmpeg_that_gives_no_samples_is_one_line_naming_the_film(
    fresh_choice: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A binary that passes the version check but writes no 32-bit samples (a wrapper
    that prints text): one line, not a numpy traceback."""
    text = DEBIAN_12 if len(DEBIAN_12.encode()) % 4 else DEBIAN_12 + " "
    fresh_choice.setenv(ENV_VAR, str(_fake_ffmpeg(tmp_path / "bin", text)))
    out = tmp_path / "out"
    args = ["transcribe", str(SAMPLE), "--lang", "en", "--out", str(out)]
    code, _out, err = run_cli(args, capsys)
    assert code == 1 and err.strip() == (
        f"scodub: error: {SAMPLE}: the decoder's output ended inside a sample"
    ), err
