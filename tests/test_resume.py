"""Fault injection: a real ``scodub run`` killed at every stage boundary (kill -9 and
SIGTERM), then run again until it finishes. Every re-run reuses what finished, the end
result equals an uninterrupted run, no traceback is printed, no temporary file is left,
and no child process outlives its parent. (Damaged cache entries: test_stages.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, ROOT, SAMPLE

pytestmark = pytest.mark.slow

ARGS = [
    "run", str(SAMPLE), "--lang", "en", "--langs", "ru", "--mt-model", str(DATA / "tiny-nllb"),
    "--dub", "--dub-langs", "en", "--quiet",
]  # fmt: skip
#: The stages of that run, in the order they finish (each leaves one cache entry).
STAGES = [
    "transcribe", "subtitles", "localize", "shots", "snap", "soundtrack", "dub", "backcheck",
    "deliver",
]  # fmt: skip


def _entries(out: Path) -> list[Path]:
    """The stage entries in the cache, oldest first (not the temporary files of writes).
    Only the stage folders are listed, each read in one call: the run beside it creates and
    removes its temporary folders meanwhile (a glob over ``.scodub`` raced with that)."""
    found: list[tuple[int, Path]] = []
    for stage in STAGES:
        try:
            with os.scandir(out / ".scodub" / stage) as listing:
                for entry in listing:
                    if entry.name.endswith(".json") and not entry.name.startswith("."):
                        found.append((entry.stat().st_mtime_ns, Path(entry.path)))
        except FileNotFoundError:
            continue  # not made yet, or an entry replaced while it was read
    return [p for _, p in sorted(found)]


def _start(out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "scodub", *ARGS, "--out", str(out), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_when(out: Path, entries: int, sig: signal.Signals) -> str:
    """Start a run; send ``sig`` as soon as ``entries`` stage entries exist (the end of
    one stage, the start of the next). Returns what the run printed on stderr."""
    proc = _start(out)
    deadline = time.monotonic() + 600
    while len(_entries(out)) < entries and proc.poll() is None:
        assert time.monotonic() < deadline, "the run did not reach the stage"
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return err


def _children_of_dead_runs(out: Path) -> list[str]:
    """Command lines of processes that still work on ``out`` (ffmpeg children and the like)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if str(out) in cmdline:
            found.append(cmdline)
    return found


def _outputs(out: Path) -> dict[str, object]:
    srts = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.srt"))}
    report = json.loads((out / "sco-sample.dub.json").read_text(encoding="utf-8"))
    streams = [(s["type"], s["language"], s["title"]) for s in report["streams"]]
    lines = [line["text"] for line in report["languages"]["en"]["lines"]]
    return {"srt": srts, "streams": streams, "lines": lines}


def _leftovers(out: Path) -> list[Path]:
    found = [*out.glob(".*.part*"), *(out / ".scodub").glob("**/.*.part*")]
    scratch = out / ".scodub" / "tmp"
    return found + (list(scratch.iterdir()) if scratch.is_dir() else [])


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    proc = _start(out)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    assert [p.parent.name for p in _entries(out)] == STAGES
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killed_at_every_stage_boundary_resumes_to_the_same_result(
    clean: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "out"
    finished_at: dict[Path, int] = {}
    for finished in range(1, len(STAGES)):
        err = _kill_when(out, finished, sig)
        assert "Traceback" not in err, (STAGES[finished - 1], err)
        assert [p.parent.name for p in _entries(out)][:finished] == STAGES[:finished]
        time.sleep(0.2)  # a child that outlives its parent would still be running now
        assert _children_of_dead_runs(out) == [], STAGES[finished - 1]
        finished_at.update({p: p.stat().st_mtime_ns for p in _entries(out)})
    proc = _start(out)
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err
    assert [p.parent.name for p in _entries(out)] == STAGES
    assert {p: p.stat().st_mtime_ns for p in finished_at} == finished_at  # none ran twice
    assert _leftovers(out) == []
    assert _outputs(out) == _outputs(clean)


def test_ctrl_c_stops_the_run_with_one_line(tmp_path: Path) -> None:
    """SIGINT is handled as SIGTERM is: no KeyboardInterrupt that a callback of the voice
    engine or a fork hook could print and swallow (exit 0, a line voiced in part)."""
    out = tmp_path / "out"
    proc = _start(out)
    deadline = time.monotonic() + 600
    while not _entries(out) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.splitlines()[-1:] == [
        "scodub: interrupted; finished work is kept (run again to resume)"
    ], err
    assert "Traceback" not in err and "Exception ignored" not in err
