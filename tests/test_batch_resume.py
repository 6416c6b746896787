"""Resume after kill -9: a real ``scodub batch`` process killed at three points (during
transcription, during translation, while the outputs are published), then run again until
it finishes. After each kill no visible file is half-written and no worker is left running; each
re-run reuses every stage that had finished and redoes only what was running (or never
started); the end result equals an uninterrupted batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import DATA, ROOT
from scodub.text.srt import read_srt

TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"


def _command(manifest: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "scodub", "batch", str(manifest), "--out", str(out),
            "--workers", "2", "--quiet"]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _state(out: Path) -> dict[str, dict[str, str]]:
    """film -> stage -> status, as batch.json says."""
    try:
        data = json.loads((out / "batch.json").read_text())
    except (OSError, ValueError):
        return {}
    return {
        f: {k: s["status"] for k, s in film["stages"].items()} for f, film in data["films"].items()
    }


def _with(state: dict[str, dict[str, str]], status: str) -> set[tuple[str, str]]:
    return {(f, k) for f, stages in state.items() for k, s in stages.items() if s == status}


def _kill_when(manifest: Path, out: Path, stage: str) -> tuple[dict[str, dict[str, str]], bool]:
    """Run the batch and kill -9 it while ``stage`` runs; (its state, whether it was killed:
    a stage shorter than one poll can be over, and the batch with it, before it is seen)."""
    proc = subprocess.Popen(_command(manifest, out), env=_env())
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if any(k.startswith(stage) for _, k in _with(_state(out), "running")):
            break
        if proc.poll() is not None:
            assert proc.returncode == 0
            return _state(out), False
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # A worker still importing when the batch died exits as soon as it starts serving.
    deadline = time.monotonic() + 10
    while _orphans(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _orphans(proc.pid), "a worker outlived the killed batch"
    return _state(out), True


def _orphans(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"SCODUB_BATCH_PARENT={parent}\0".encode() in environ:
                found.append(int(entry.name))
    return found


def _check_visible_files(out: Path) -> None:
    """Every file a user can see is whole: JSON parses, SRT reads."""
    for path in out.rglob("*"):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(out).parts):
            continue
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".srt":
            read_srt(path, path.suffixes[-2].strip("."))


def test_kill_9_at_three_points_then_resume(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(DATA / "jfk.wav", tmp_path / folder / "speech.wav")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        f"defaults: {{lang: en, langs: [en, ru], mt_model: {TINY_NLLB}}}\n"
        "films: [a/speech.wav, b/speech.wav]\n"
    )
    out = tmp_path / "out"
    kills = []
    for stage in ("transcribe", "localize", "publish"):
        before = _state(out)
        after, killed = _kill_when(manifest, out, stage)
        kills.append(killed)
        _check_visible_files(out)
        finished = _with(before, "done") | _with(before, "reused")
        # What had finished before this run was reused by it (not run again).
        assert finished <= _with(after, "reused") | _with(after, "running"), (before, after)
        assert not _with(after, "failed"), after
        if not killed:
            break  # the batch finished: nothing left to kill
    assert kills[0]  # transcribing takes seconds: that point is always reached
    killed = _state(out)
    was_running = _with(killed, "running")
    result = subprocess.run(_command(manifest, out), env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    final = _state(out)
    redone = _with(final, "done")
    # Only what was running or pending at the last kill runs again (nothing, if none).
    assert redone <= was_running | _with(killed, "pending"), (killed, final)
    assert _with(final, "reused") >= _with(killed, "done") | _with(killed, "reused")
    assert not list(out.rglob(".*.part*"))  # leftovers of the kills are cleared
    # Same result as an uninterrupted batch.
    ref = tmp_path / "ref"
    result = subprocess.run(_command(manifest, ref), env=_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for film in final:
        for name in ("speech.en.srt", "speech.ru.srt", "speech.transcript.json"):
            assert (out / film / name).read_bytes() == (ref / film / name).read_bytes(), name
