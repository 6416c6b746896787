"""The Ray executor on a real local Ray cluster (``ray start --head``, 2 CPUs)."""

from __future__ import annotations

import json
import os
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
            started = (tmp_path / "log.jsonl").exists() and any(
                e["job"] == "f1/asr" for e in _log(tmp_path)
            )
            if started:
                pid = kill_ray_worker("ModelWorker")
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
