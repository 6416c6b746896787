"""The job graph of a batch and its bookkeeping, shared by both executors.

A job is one stage of one film: what it needs first (``deps``), the model it holds (jobs
that share a model are run while that model is loaded: stage-major order), what it asks
of a machine, and the JSON a worker runs it from. ``Schedule`` hands out ready jobs in
stage-major order (lowest stage rank first, then film order), records outcomes in the
``BatchState`` and, when a job fails, skips what depends on it: the film fails alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scodub.batch.state import DONE, FAILED, PENDING, REUSED, RUNNING, SKIPPED, BatchState
from scodub.stages.base import Resources


@dataclass(frozen=True, slots=True)
class Job:
    id: str  # "<film-id>/<label>"
    film_id: str
    label: str  # the stage's name, plus ":<language>" for a per-language stage
    stage: str
    language: str | None
    rank: int  # stage-major order: jobs of a lower rank go first across all films
    order: int  # the film's position in the manifest
    deps: tuple[str, ...]
    model: str | None  # identity of the model it holds; None: a CPU stage without a model
    resources: Resources  # the stage's own request (CPUs, GPUs)
    payload: dict[str, Any]  # {"runner": "module:function", "args": {...}}: JSON for a worker


@dataclass(frozen=True, slots=True)
class JobOutcome:
    ok: bool
    reused: bool = False
    seconds: float = 0.0
    error: str | None = None
    worker_lost: bool = False  # the worker died (killed, out of memory): worth a retry
    warnings: tuple[str, ...] = ()  # the job succeeded, but a person must look at these

    @classmethod
    def of(cls, reply: dict[str, Any]) -> JobOutcome:
        """A worker's reply (``batch.worker.run_payload``)."""
        return cls(
            bool(reply["ok"]),
            bool(reply["reused"]),
            float(reply["seconds"]),
            reply["error"],
            warnings=tuple(str(w) for w in reply.get("warnings") or ()),
        )


@dataclass(slots=True)
class Schedule:
    jobs: dict[str, Job]
    state: BatchState
    retries: int = 1  # a job whose worker died is run again this many times
    status: dict[str, str] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, jobs: Sequence[Job], state: BatchState, retries: int = 1) -> Schedule:
        schedule = cls({job.id: job for job in jobs}, state, retries)
        for job in jobs:
            schedule.status[job.id] = PENDING
        return schedule

    def ready(self) -> list[Job]:
        """Pending jobs whose dependencies are finished, in stage-major order."""
        out = [
            job
            for job_id, job in self.jobs.items()
            if self.status[job_id] == PENDING
            and all(self.status[d] in (DONE, REUSED) for d in job.deps)
        ]
        return sorted(out, key=lambda j: (j.rank, j.order, j.label))

    def open(self) -> bool:
        return any(s in (PENDING, RUNNING) for s in self.status.values())

    def running(self) -> list[str]:
        return [j for j, s in self.status.items() if s == RUNNING]

    def start(self, job: Job) -> None:
        self.status[job.id] = RUNNING
        self.started[job.id] = time.perf_counter()
        self.attempts[job.id] = self.attempts.get(job.id, 0) + 1
        self.state.mark(job.film_id, job.label, RUNNING)

    def finish(self, job: Job, outcome: JobOutcome) -> None:
        seconds = outcome.seconds or time.perf_counter() - self.started.get(
            job.id, time.perf_counter()
        )
        if outcome.ok:
            status = REUSED if outcome.reused else DONE
            self.status[job.id] = status
            self.state.mark(
                job.film_id, job.label, status, seconds=seconds, warnings=outcome.warnings
            )
            return
        if outcome.worker_lost and self.attempts.get(job.id, 0) <= self.retries:
            self.status[job.id] = PENDING  # run again on a fresh worker
            self.state.mark(job.film_id, job.label, PENDING, reason=f"retrying: {outcome.error}")
            return
        self.status[job.id] = FAILED
        self.state.mark(job.film_id, job.label, FAILED, seconds=seconds, reason=outcome.error)
        self._skip_dependents(job)

    def _skip_dependents(self, failed: Job) -> None:
        blocked = {failed.id}
        changed = True
        while changed:
            changed = False
            for job in self.jobs.values():
                if self.status[job.id] == PENDING and blocked & set(job.deps):
                    self.status[job.id] = SKIPPED
                    blocked.add(job.id)
                    changed = True
                    self.state.mark(
                        job.film_id,
                        job.label,
                        SKIPPED,
                        reason=f"needs {failed.label}, which failed",
                    )

    def any_failed(self) -> bool:
        return any(s in (FAILED, SKIPPED) for s in self.status.values())


def check_graph(jobs: Sequence[Job]) -> None:
    """Every dependency is a job of the batch (a plan bug otherwise, not a user error)."""
    ids = {job.id for job in jobs}
    for job in jobs:
        missing = [d for d in job.deps if d not in ids]
        if missing:
            raise ValueError(f"job {job.id} depends on unknown jobs {missing}")
