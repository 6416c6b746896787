"""Hostile and empty input files through the real CLI (issue 7 items 17 and 18).

A device, a pipe or a file far beyond any real subtitle track or glossary is refused
with one line before it is read (``scodub.inputfiles``); an empty SRT is reported as an
empty track and never passes ``qc``. The cases that would read forever or block when
the guard is missing run as a child process under a memory limit and a timeout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, run_cli
from scodub.inputfiles import GLOSSARY_MAX_BYTES, SRT_MAX_BYTES

ONE_CUE = "1\n00:00:01,000 --> 00:00:02,500\nHello there.\n"


def _limited() -> None:
    # 2 GiB of address space: reading /dev/zero into memory fails fast instead of
    # taking the machine down.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _scodub(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "scodub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        preexec_fn=_limited,
        check=False,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["qc", "/dev/zero", "--lang", "en"],
        ["translate", "/dev/zero", "--to", "ru"],
        ["transcribe", str(SAMPLE), "--glossary", "/dev/zero"],
    ],
    ids=["qc", "translate", "transcribe-glossary"],
)
def test_devices_are_refused_before_reading(args: list[str], tmp_path: Path) -> None:
    result = _scodub(*args, *(["--out", str(tmp_path)] if args[0] != "qc" else []))
    _one_line_error(result, "/dev/zero", "character device")


def test_glossary_check_refuses_a_device() -> None:
    result = _scodub("glossary", "check", "/dev/zero")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "/dev/zero" in result.stdout and "character device" in result.stdout


def test_a_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "subs.srt"
    os.mkfifo(fifo)
    _one_line_error(_scodub("qc", str(fifo), "--lang", "en"), "pipe")


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: no disk used
    return path


def test_oversized_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    srt = _sparse(tmp_path / "huge.srt", SRT_MAX_BYTES + 1)
    code, _, err = run_cli(["qc", str(srt), "--lang", "en"], capsys)
    assert code == 1 and "20 MB limit for an SRT file" in err and len(err.splitlines()) == 1
    film = tmp_path / "film.mp4"
    film.symlink_to(SAMPLE)
    code, _, err = run_cli(
        ["dub", str(film), "--track", f"en={srt}", "--out", str(tmp_path / "o")], capsys
    )
    assert code == 1 and "20 MB limit" in err
    glossary = _sparse(tmp_path / "huge.yaml", GLOSSARY_MAX_BYTES + 1)
    code, out, _ = run_cli(["glossary", "check", str(glossary)], capsys)
    assert code == 1 and "50 MB limit for a glossary" in out


@pytest.mark.parametrize("content", ["", "\n\n  \n", "\ufeff"], ids=["empty", "blank", "bom"])
def test_an_empty_track_fails_qc(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srt = tmp_path / "empty.en.srt"
    srt.write_text(content, encoding="utf-8")
    code, out, err = run_cli(["qc", str(srt), "--lang", "en"], capsys)
    assert code == 1 and out == ""
    assert (
        err.strip() == f"scodub: error: {srt}: has no subtitles (an empty track): nothing to check"
    )
    code, _, err = run_cli(["qc", str(srt), "--lang", "en", "--json"], capsys)
    assert code == 1 and "empty track" in err


def test_translate_and_dub_refuse_an_empty_track(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srt = tmp_path / "empty.en.srt"
    srt.write_text("\n", encoding="utf-8")
    code, _, err = run_cli(["translate", str(srt), "--to", "ru", "--out", str(tmp_path)], capsys)
    assert code == 1 and "empty track): nothing to translate" in err
    code, _, err = run_cli(
        ["dub", str(SAMPLE), "--track", f"en={srt}", "--out", str(tmp_path / "o")], capsys
    )
    assert code == 1 and "has no cues: nothing to dub" in err
    assert not (tmp_path / "o" / "sco-sample.dub.mkv").exists()


@pytest.mark.parametrize(
    "text",
    ["", "<i></i>", "{\\an8}", "-\n-", "\u200b\u2060"],
    ids=["blank", "tags", "ass", "dashes", "zero-width"],
)
def test_translate_refuses_a_cue_without_text(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor's emptied cue is not translated into empty cues in every language (each a
    hard violation, and exit 0): the source is refused, naming the cue, before any work."""
    srt = tmp_path / "edited.en.srt"
    second = f"2\n00:00:04,000 --> 00:00:05,000\n{text}\n\n"
    srt.write_text(
        f"{ONE_CUE}\n{second}3\n00:00:06,000 --> 00:00:07,000\nSee you.\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code, _, err = run_cli(["translate", str(srt), "--to", "ru", "--out", str(out)], capsys)
    assert code == 1
    assert err.strip() == (
        f"scodub: error: {srt}: cue 2 (00:00:04,000 --> 00:00:05,000) is empty: give it its "
        "line or remove it (nothing was translated)"
    )
    assert not out.exists()


def test_a_real_track_still_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    srt = tmp_path / "one.en.srt"
    srt.write_text(ONE_CUE, encoding="utf-8")
    code, _, err = run_cli(["qc", str(srt), "--lang", "en"], capsys)
    assert code == 0, err
