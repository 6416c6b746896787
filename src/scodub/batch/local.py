"""The local executor: a pool of worker processes on this machine (one per core by
default; model-holding stages on at most one worker per model and GPU).

Stage-major scheduling: ready jobs go out lowest stage rank first across all films, and a
job that holds a model goes to the worker that already has that model loaded (waiting for
it rather than loading the model a second time). So a batch of films loads Whisper once
and the translation model once, where a loop of ``scodub run`` loads each per film.
A worker that dies (killed, out of memory) is replaced and its job run again once.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scodub.batch.schedule import Job, JobOutcome, Schedule
from scodub.batch.worker import PARENT_ENV


def gpu_count() -> int:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # no CUDA runtime: no GPU
        return 0


#: The most local workers (``--workers``): each process may hold Whisper and a translation
#: model (hundreds of MB), and a batch of a thousand films has a thousand transcriptions
#: ready at once: more would only exhaust the memory.
MAX_WORKERS = 256


def default_workers() -> int:
    return min(MAX_WORKERS, max(1, os.cpu_count() or 1))


@dataclass(slots=True)
class _Worker:
    index: int
    log: Path
    proc: subprocess.Popen[str] | None = None
    job: Job | None = None
    models: set[str] = field(default_factory=set)  # reserved: jobs of these models come here
    loaded: set[str] = field(default_factory=set)  # models this process has really run with

    def spawn(self) -> None:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scodub.batch.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
            )
        self.models = set()
        self.loaded = set()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class LocalExecutor:
    """Runs a ``Schedule`` on worker processes of this machine."""

    name = "local"

    def __init__(
        self, workers: int | None = None, gpus: int | None = None, log_dir: Path | None = None
    ) -> None:
        self.size = workers or default_workers()
        self.gpus = gpu_count() if gpus is None else gpus
        self.log_dir = log_dir

    def run(self, schedule: Schedule) -> None:
        log_dir = self.log_dir or schedule.state.out_dir / ".scodub-batch"
        pool = [_Worker(i, log_dir / f"worker-{i}.log") for i in range(self.size)]
        replies: queue.Queue[tuple[_Worker, Job, JobOutcome]] = queue.Queue()
        try:
            while schedule.open():
                for worker, job in self._assign(schedule.ready(), pool):
                    schedule.start(job)
                    self._send(worker, job, replies)
                if not schedule.running():
                    break  # nothing runs and nothing is ready: every open job is blocked
                worker, job, outcome = replies.get()
                worker.job = None
                if (
                    outcome.ok
                    and not outcome.reused
                    and job.model
                    and job.model not in worker.loaded
                ):
                    worker.loaded.add(job.model)
                    schedule.state.model_loads.append(f"{job.model} (worker {worker.index})")
                if outcome.worker_lost:
                    worker.stop()
                    worker.proc = None
                schedule.finish(job, outcome)
        finally:
            for worker in pool:
                worker.stop()

    def _assign(self, ready: Sequence[Job], pool: list[_Worker]) -> list[tuple[_Worker, Job]]:
        assigned: list[tuple[_Worker, Job]] = []
        free = [w for w in pool if w.job is None]
        for job in ready:
            if not free:
                break
            worker = self._pick(job, free, pool)
            if worker is None:
                continue
            free.remove(worker)
            worker.job = job  # reserved; the reply thread clears it
            assigned.append((worker, job))
        return assigned

    def _pick(self, job: Job, free: list[_Worker], pool: list[_Worker]) -> _Worker | None:
        if job.model is None:
            # CPU stages prefer workers that hold no model, keeping model workers free.
            return min(free, key=lambda w: (len(w.models), w.index))
        holders = [w for w in pool if job.model in w.models]
        for worker in holders:
            if worker in free:
                return worker
        if holders and len(holders) >= max(1, self.gpus):
            return None  # wait for the worker that has it loaded
        fresh = min(free, key=lambda w: (len(w.models), w.index))
        fresh.models.add(job.model)
        return fresh

    def _send(
        self, worker: _Worker, job: Job, replies: queue.Queue[tuple[_Worker, Job, JobOutcome]]
    ) -> None:
        if worker.proc is None or worker.proc.poll() is not None:
            models = set(worker.models)
            worker.spawn()
            worker.models = models  # the reservation made in _pick, for this fresh process
        proc = worker.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        request = json.dumps({"id": job.id, "payload": job.payload})
        thread = threading.Thread(
            target=_exchange, args=(worker, proc, request, job, replies), daemon=True
        )
        thread.start()


def _exchange(
    worker: _Worker,
    proc: subprocess.Popen[str],
    request: str,
    job: Job,
    replies: queue.Queue[tuple[_Worker, Job, JobOutcome]],
) -> None:
    stdin: IO[str] | None = proc.stdin
    stdout: IO[str] | None = proc.stdout
    assert stdin is not None and stdout is not None
    try:
        stdin.write(request + "\n")
        stdin.flush()
        line = stdout.readline()
    except (BrokenPipeError, OSError):
        line = ""
    if not line:
        code = proc.wait()
        replies.put(
            (
                worker,
                job,
                JobOutcome(False, error=f"worker died (exit code {code})", worker_lost=True),
            )
        )
        return
    reply: dict[str, Any] = json.loads(line)
    replies.put(
        (
            worker,
            job,
            JobOutcome.of(reply),
        )
    )
