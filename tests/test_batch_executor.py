"""The local executor on real worker processes: stage-major order with one process per
model, a failing film failing alone, a killed worker replaced and its job run again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import ROOT
from scodub.batch.local import LocalExecutor
from scodub.batch.schedule import Job, Resources, Schedule
from scodub.batch.state import DONE, FAILED, REUSED, SKIPPED, BatchState

STAGES = (("asr", "whisper"), ("subtitles", None), ("translate", "nllb"), ("mix", None))


def _jobs(out: Path, films: int, extra: dict[tuple[int, str], dict[str, object]]) -> list[Job]:
    jobs = []
    for film in range(films):
        previous: tuple[str, ...] = ()
        for rank, (stage, model) in enumerate(STAGES):
            job_id = f"f{film}/{stage}"
            args = {
                "path": str(out / f"f{film}" / f"{stage}.json"),
                "log": str(out / "log.jsonl"),
                "job": job_id,
                "model": model,
                "sleep": 0.05,
                **extra.get((film, stage), {}),
            }
            jobs.append(
                Job(
                    job_id,
                    f"f{film}",
                    stage,
                    stage,
                    None,
                    rank,
                    film,
                    previous,
                    model,
                    Resources(),
                    {"runner": "batch_runners:touch", "args": args},
                )
            )
            previous = (job_id,)
    return jobs


def _run(out: Path, jobs: list[Job]) -> BatchState:
    state = BatchState(out, "local")
    for job in jobs:
        state.add(job.film_id, job.film_id, job.film_id, job.label, job.stage, None)
    LocalExecutor(workers=2, gpus=0).run(Schedule.of(jobs, state))
    return state


@pytest.fixture(autouse=True)
def _runner_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [str(ROOT / "tests"), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))


def _log(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_each_model_stays_in_one_worker_and_a_failing_film_fails_alone(tmp_path: Path) -> None:
    bad = {(1, "asr"): {"fail": str(tmp_path / "film1.mkv")}}
    state = _run(tmp_path, _jobs(tmp_path, 3, bad))
    statuses = {
        (f, label): s.status for f, film in state.films.items() for label, s in film.stages.items()
    }
    assert statuses[("f1", "asr")] == FAILED
    assert all(statuses[("f1", s)] == SKIPPED for s in ("subtitles", "translate", "mix"))
    assert all(statuses[(f, s)] == DONE for f in ("f0", "f2") for s, _ in STAGES)
    assert "has no audio stream" in (state.films["f1"].stages["asr"].reason or "")
    log = _log(tmp_path)
    for model in ("whisper", "nllb"):
        assert len({e["pid"] for e in log if e["model"] == model}) == 1, model
    assert sorted(load.split()[0] for load in state.model_loads) == ["nllb", "whisper"]
    asr_order = [e["job"] for e in log if e["model"] == "whisper"]
    assert asr_order == ["f0/asr", "f1/asr", "f2/asr"]  # stage-major: films in order
    # The re-run reuses every finished stage and retries only the failed film.
    (tmp_path / "log.jsonl").unlink()
    again = _run(tmp_path, _jobs(tmp_path, 3, {}))
    counts = again.counts()
    assert counts[REUSED] == 8 and counts[DONE] == 4 and not again.failed()
    assert {e["job"] for e in _log(tmp_path) if not e["job"].startswith(("f0", "f2"))} == {
        "f1/asr",
        "f1/subtitles",
        "f1/translate",
        "f1/mix",
    }


def test_a_killed_worker_is_replaced_and_its_job_runs_again(tmp_path: Path) -> None:
    die = {(0, "subtitles"): {"die_once": str(tmp_path / "died")}}
    state = _run(tmp_path, _jobs(tmp_path, 2, die))
    assert (tmp_path / "died").exists()
    assert not state.failed(), state.to_json()
    subtitles = state.films["f0"].stages["subtitles"]
    assert subtitles.status == DONE and subtitles.attempts == 2
    assert (tmp_path / "f0" / "mix.json").exists()


def test_a_large_batch_spends_little_time_saving_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """batch.json was written on every stage change: 2,000 films x 5 stages made 20,000
    saves of a 2 MB file (about 25 minutes, 43 GB). Saving now takes at most a tenth of
    the time; a failure and the end are saved at once; what a save skipped is in the
    films' stage caches."""
    from scodub.batch import state as state_module
    from scodub.batch.state import DONE, FAILED, RUNNING, BatchState, load_state

    saves: list[int] = []
    real = state_module.write_json_atomic
    monkeypatch.setattr(
        state_module, "write_json_atomic", lambda p, d: (saves.append(1), real(p, d))[1]
    )
    batch = BatchState(tmp_path, "local")
    labels = ["transcribe", "subtitles", "localize", "dub ru", "publish"]
    for n in range(2000):
        for label in labels:
            batch.add(f"film-{n}", f"/films/{n}.mp4", f"film-{n}", label, label, None)
    for n in range(2000):
        for label in labels:
            batch.mark(f"film-{n}", label, RUNNING)
            batch.mark(f"film-{n}", label, DONE, seconds=0.1)
    assert len(saves) < 100  # seconds of work, not one save per change
    batch.mark("film-7", "publish", FAILED, seconds=0.1, reason="disk full")
    saved = load_state(tmp_path)
    assert saved["films"]["film-7"]["stages"]["publish"]["status"] == FAILED
    batch.finish()
    assert load_state(tmp_path)["summary"][DONE] == 2000 * 5 - 1


def test_a_worker_lets_the_batch_answer_ctrl_c(tmp_path: Path) -> None:
    """Ctrl-C in a terminal reaches every process of the group: a worker leaves it to
    the batch (which it dies with) instead of stopping inside a job."""
    import json
    import signal
    import subprocess
    import sys

    worker = subprocess.Popen(
        [sys.executable, "-m", "scodub.batch.worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert worker.stdin is not None and worker.stdout is not None
    try:
        job = {"id": 1, "payload": {"runner": "copy:copy", "args": {"seconds": 0}}}
        worker.stdin.write(json.dumps(job) + "\n")
        worker.stdin.flush()
        assert json.loads(worker.stdout.readline())["id"] == 1  # it is up and serving
        worker.send_signal(signal.SIGINT)
        worker.stdin.write(json.dumps({**job, "id": 2}) + "\n")
        worker.stdin.flush()
        assert json.loads(worker.stdout.readline())["id"] == 2
    finally:
        worker.kill()
        worker.wait()
