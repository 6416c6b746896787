"""Faults: SIGTERM and kill -9 of a real scodub while its ffmpeg works, and a full disk
(a real tmpfs, mounted by the test as root). No ffmpeg child may outlive scodub, the
next start sweeps what a killed run left, and a full disk is one line naming the folder,
with everything written before kept."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, run_cli, run_ffmpeg
from scodub import scratch
from scodub.dub.mix import mix_dub
from scodub.errors import OutputError
from scodub.fsutil import atomic_path, write_json_atomic

SRT = "1\n00:00:00,500 --> 00:00:02,500\nHello there, my friends.\n"


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return ""


@pytest.fixture(scope="module")
def long_film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three minutes of picture and tone: its mix keeps ffmpeg busy for seconds."""
    film = tmp_path_factory.mktemp("long") / "long film.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=2", "-f", "lavfi",
        "-i", "sine=f=300:r=48000", "-t", "180", "-c:v", "libx264", "-c:a", "aac",
        "-shortest", str(film),
    )  # fmt: skip
    (film.parent / "long film.en.srt").write_text(SRT, encoding="utf-8")
    return film


def _start_dub(film: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [
        sys.executable, "-m", "scodub", "dub", str(film),
        "--track", f"en={film.parent / 'long film.en.srt'}",
        "--no-backcheck", "--force", "--quiet", "--out", str(out),
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_mixing_ffmpeg(process: subprocess.Popen[bytes]) -> list[int]:
    """The ffmpeg children of ``process`` once one of them is mixing (loudnorm)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scodub ended first: {process.stderr.read()!r}")  # type: ignore[union-attr]
        children = [pid for pid in _children(process.pid) if "loudnorm" in _cmdline(pid)]
        if children:
            return children
        time.sleep(0.05)
    raise AssertionError("no ffmpeg mixing within 180 s")


def _assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in pids if _alive(pid)]
    for pid in survivors:  # do not leave them running if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"ffmpeg outlived scodub: {survivors}"


def _leftovers(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if ".part." in p.name or p.name == "stem.wav")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_killed_scodub_takes_its_ffmpeg_along_and_the_next_start_sweeps(
    long_film: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: signal.Signals
) -> None:
    out = tmp_path / "out"
    process = _start_dub(long_film, out)
    try:
        ffmpegs = _wait_for_mixing_ffmpeg(process)
        process.send_signal(how)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    _assert_gone(ffmpegs)
    if how == signal.SIGTERM:
        # The CLI turns SIGTERM into an exception: one line, the run's files removed.
        assert process.returncode == 128 + signal.SIGTERM
        expected = "scodub: terminated; finished work is kept (run again to resume)"
        assert stderr.decode().strip() == expected
        assert not (out / ".scodub" / "tmp").exists()
    else:
        assert process.returncode == -signal.SIGKILL
        left = list((out / ".scodub" / "tmp").iterdir())
        assert left, "a killed run leaves its temporary folder (swept at the next start)"
    assert not list(out.glob("*.part.*")), "no half-written file beside the outputs"
    assert not (out / "long film.dub.mkv").exists()
    # The next start into the same folder sweeps the dead run's folder first (this one
    # then stops at its own bad input).
    code, _, err = run_cli(
        ["dub", str(long_film), "--track", f"en={tmp_path / 'none.srt'}", "--out", str(out)],
        capsys,
    )
    assert code != 0 and "none.srt" in err
    assert not (out / ".scodub" / "tmp").exists()
    assert _leftovers(out) == []


def test_sweep_keeps_the_folder_of_a_live_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with scratch.run_scratch(out):
        mine = scratch.current()
        assert mine is not None and mine.parent == out / ".scodub" / "tmp"
        assert scratch.sweep(out) == []  # locked by this run
        dead = out / ".scodub" / "tmp" / "999999999-dead"
        dead.mkdir()
        (dead / "x.part.flac").write_bytes(b"half")
        assert scratch.sweep(out) == [dead]
        assert mine.is_dir() and not dead.exists()
        with atomic_path(out / "film.dub.mkv") as tmp:
            assert tmp.parent == mine  # half-written files live in the run's folder
            tmp.write_bytes(b"done")
        with atomic_path(tmp_path / "cache" / "model.bin") as tmp:
            assert tmp.parent == tmp_path / "cache"  # outside the output folder: beside it
    assert (out / "film.dub.mkv").read_bytes() == b"done"
    assert not (out / ".scodub" / "tmp").exists()


# --- a full disk ---------------------------------------------------------------------------


@contextlib.contextmanager
def _small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted on ``folder`` (root only: CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> None:
    with contextlib.suppress(OSError), open(folder / "ballast", "wb") as ballast:
        while True:
            ballast.write(b"\0" * 65536)


def test_json_on_a_full_disk_is_one_error_and_keeps_the_old_file(tmp_path: Path) -> None:
    with _small_disk(tmp_path / "disk", "1m") as disk:
        report = disk / "film.report.json"
        write_json_atomic(report, {"run": 1})
        _fill(disk)
        with pytest.raises(OutputError, match=f"no space left on {disk}"):
            write_json_atomic(report, {"run": 2, "words": ["x" * 100] * 5000})
        assert json.loads(report.read_text()) == {"run": 1}
        assert sorted(p.name for p in disk.iterdir()) == ["ballast", "film.report.json"]


def test_mix_on_a_full_disk_names_the_folder_not_the_film(tmp_path: Path) -> None:
    dub = tmp_path / "dub.wav"
    run_ffmpeg("-i", str(ROOT / "tests" / "data" / "jfk.wav"), str(dub))
    with _small_disk(tmp_path / "disk", "512k") as disk:
        (disk / "earlier.srt").write_text(SRT)
        with pytest.raises(OutputError) as caught:
            mix_dub(SAMPLE, 0, dub, [(0, 11000)], disk / "en.flac")
        assert str(caught.value).startswith(f"no space left on {disk} (could not normalise")
        assert sorted(p.name for p in disk.iterdir()) == ["earlier.srt"]
        assert (disk / "earlier.srt").read_text() == SRT


def test_cli_dub_on_a_full_disk_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srt = tmp_path / "sample.en.srt"
    srt.write_text(SRT, encoding="utf-8")
    with _small_disk(tmp_path / "disk", "1m") as disk:
        code, _, err = run_cli(
            ["dub", str(SAMPLE), "--track", f"en={srt}", "--no-backcheck", "--out", str(disk)],
            capsys,
        )
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"scodub: error: no space left on {disk} (")
        assert _leftovers(disk) == [] and not (disk / ".scodub" / "tmp").exists()
