"""The Ray executor on a real local Ray cluster (``ray start --head``, 2 CPUs)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT
from ray_cluster import kill_ray_worker, local_ray_cluster
from scodub.batch.ray_executor import RayExecutor
from scodub.batch.schedule import Schedule
from scodub.batch.state import DONE, BatchState
from test_batch_executor import STAGES, _jobs, _log

TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"
PYTHONPATH = os.pathsep.join([str(ROOT / "tests"), str(ROOT / "src")])


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    with local_ray_cluster(PYTHONPATH) as address:
        yield address


def test_a_worker_killed_mid_batch_is_retried_and_the_batch_completes(
    ray_address: str, tmp_path: Path
) -> None:
    slow = {(1, "asr"): {"sleep": 4.0}}
    jobs = _jobs(tmp_path, 2, slow)
    state = BatchState(tmp_path, "ray")
    for job in jobs:
        state.add(job.film_id, job.film_id, job.film_id, job.label, job.stage, None)
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            log = tmp_path / "log.jsonl"
            lines = log.read_text().split("\n")[:-1] if log.exists() else []  # whole lines
            started = [e["pid"] for e in map(json.loads, lines) if e["job"] == "f1/asr"]
            if started:  # the actor process running the slow stage, not any model actor
                pid = kill_ray_worker("ModelWorker", int(str(started[0])))
                if pid:
                    killed.append(pid)
            time.sleep(0.2)

    thread = threading.Thread(target=killer)
    thread.start()
    RayExecutor(address=ray_address).run(Schedule.of(jobs, state))
    thread.join()
    assert killed, "no Ray worker was running the slow stage"
    assert not state.failed(), json.dumps(state.to_json(), indent=1)
    assert all(s.status == DONE for f in state.films.values() for s in f.stages.values())
    runs = [e for e in _log(tmp_path) if e["job"] == "f1/asr"]
    assert len(runs) >= 2 and runs[0]["pid"] == killed[0] != runs[-1]["pid"]
    assert len(STAGES) * 2 == sum(len(f.stages) for f in state.films.values())


def test_the_same_manifest_gives_the_same_outputs_on_ray_even_with_a_worker_killed(
    ray_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import DATA, run_cli

    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    shutil.copy(
        DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav", tmp_path / "ss.wav"
    )
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        f"defaults: {{lang: en, langs: [en, ru], mt_model: {TINY_NLLB}}}\n"
        "films: [jfk.wav, ss.wav]\n"
    )
    local, ray_out = tmp_path / "local", tmp_path / "ray"
    code, _, err = run_cli(["batch", str(manifest), "--out", str(local), "-q"], capsys)
    assert code == 0, err
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            state = (
                (ray_out / "batch.json").read_text() if (ray_out / "batch.json").exists() else ""
            )
            if '"running"' in state:
                pid = kill_ray_worker("ModelWorker")
                if pid:
                    killed.append(pid)
            time.sleep(0.2)

    thread = threading.Thread(target=killer)
    thread.start()
    args = ["batch", str(manifest), "--out", str(ray_out), "-q", "--executor", "ray",
            "--address", ray_address]  # fmt: skip
    code, _, err = run_cli(args, capsys)
    thread.join()
    assert code == 0, err
    assert killed, "no model worker was killed"
    for film in ("jfk", "ss"):
        for suffix in ("en.srt", "ru.srt", "transcript.json"):
            name = f"{film}.{suffix}"
            assert (ray_out / film / name).read_bytes() == (local / film / name).read_bytes()
    state = json.loads((ray_out / "batch.json").read_text())
    assert state["executor"] == "ray" and state["summary"]["done"] == 8  # 3 stages + publish


def test_without_ray_the_executor_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    from conftest import DATA, run_cli

    real_import = builtins.__import__

    def no_ray(name: str, *args: object, **kwargs: object) -> object:
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ray)
    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    code, _, err = run_cli(["batch", str(tmp_path), "--lang", "en", "--executor", "ray",
                            "--out", str(tmp_path / "out")], capsys)  # fmt: skip
    assert (
        code == 2
        and err.strip() == "scodub: error: --executor ray needs Ray: pip install 'scodub[ray]'"
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1:1", "--address 127.0.0.1:1: cannot reach a Ray cluster at 127.0.0.1:1"),
        ("nosuch.invalid:6379", "--address nosuch.invalid:6379: cannot reach a Ray cluster"),
        ("cluster", "--address cluster: expected HOST:PORT (or auto)"),
    ],
)
def test_a_wrong_ray_address_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str, message: str
) -> None:
    """ray.init retried an unreachable address for minutes (a log line a second), and
    the batch had written its folder and state first."""
    from conftest import DATA, run_cli

    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    out = tmp_path / "out"
    started = time.monotonic()
    code, _, err = run_cli(
        ["batch", str(tmp_path), "--out", str(out), "--executor", "ray", "--address", address],
        capsys,
    )
    assert code == 2 and err.startswith(f"scodub: error: {message}") and err.count("\n") == 1
    assert time.monotonic() - started < 30 and not out.exists()


def test_a_wrong_ray_address_in_the_environment_is_one_line_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --address, ray.init connects to $RAY_ADDRESS: an unreachable one was not
    checked, and the batch waited minutes on it, Ray printing a log line a second."""
    from conftest import DATA, run_cli

    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    out = tmp_path / "out"
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    started = time.monotonic()
    code, _, err = run_cli(["batch", str(tmp_path), "--out", str(out), "--executor", "ray"], capsys)
    message = "$RAY_ADDRESS=127.0.0.1:1: cannot reach a Ray cluster at 127.0.0.1:1"
    assert code == 2 and err.startswith(f"scodub: error: {message}") and err.count("\n") == 1
    assert "unset it for a private local Ray" in err
    assert time.monotonic() - started < 30 and not out.exists()


def test_sigterm_under_ray_is_scodubs_one_line(ray_address: str, tmp_path: Path) -> None:
    """Ray installed its own SIGTERM handler: a crash dump and exit 15, not scodub's
    "terminated; finished work is kept" and 143."""
    import signal
    import subprocess
    import sys

    from conftest import DATA

    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": PYTHONPATH}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scodub", "batch", str(tmp_path), "--out", str(out), "-q",
         "--lang", "en", "--executor", "ray", "--address", ray_address],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:  # a stage running: Ray is connected (a signal while it connects is Ray's)
            if json.loads((out / "batch.json").read_text(encoding="utf-8"))["summary"]["running"]:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "scodub: terminated" in err, err[-6000:]
