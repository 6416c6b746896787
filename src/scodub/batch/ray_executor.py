"""The Ray executor: a batch spread over a Ray cluster (``--executor ray``).

Stages without a model become Ray tasks that ask for the CPUs the stage declares.
Stages that hold a model (ASR, translation, back-check) run in one actor per model: the
actor loads the model on its first job and keeps it for every film's job of that model
(stage-major, as in the local executor), on a GPU where the cluster has GPUs and the
stage wants one. An idle actor is retired when a new model needs its resources, so a
small cluster cannot deadlock with every CPU held by a model nobody needs right now.

A worker that dies (killed, node lost) is retried by Ray (task retries, actor restarts);
if Ray gives up, the batch runs the job once more on a fresh actor or task.

Every worker must see the output folder at the same path (a shared file system: NFS,
a mounted bucket, a bind mount in every container): stages pass files, not data. The
executor checks this on every node before any work starts and stops with one line
naming the nodes that do not see it.
"""

from __future__ import annotations

import os
import signal
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scodub.batch.schedule import Job, JobOutcome, Schedule
from scodub.batch.worker import run_payload
from scodub.errors import ConfigError, OutputError

INSTALL_HINT = "--executor ray needs Ray: pip install 'scodub[ray]'"
#: Ray's own retries of a job whose worker died, before the batch's own retry.
RAY_RETRIES = 2
#: How long the address of a Ray cluster may take to answer.
CONNECT_TIMEOUT_S = 5.0


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT) from exc
    return ray


class ModelWorker:
    """A Ray actor that runs the jobs of one model (its process keeps the model loaded)."""

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        return run_payload(payload)


def check_address(address: str | None) -> None:
    """Refuse, in one line and within seconds, a Ray address with no cluster behind it
    (``ray.init`` retries an unreachable address for minutes, printing a line a second,
    and ``auto`` with no cluster ends in a traceback); before any work. Without
    ``--address``, ``ray.init`` takes ``$RAY_ADDRESS`` where it is set: that one is checked."""
    where, unset = f"--address {address}", ""
    if address is None:
        address = os.environ.get("RAY_ADDRESS", "").strip()
        if not address:
            return  # a private local Ray, started by the batch
        where, unset = f"$RAY_ADDRESS={address}", " (or unset it for a private local Ray)"
    resolved = address
    if address == "auto" or os.environ.get("RAY_ADDRESS"):
        ray = import_ray()
        try:
            found = ray._private.services.get_ray_address_from_environment(address, None)
        except ConnectionError:
            raise ConfigError(
                f"{where}: no running Ray cluster found on this machine; start "
                f"one (ray start --head) or give its HOST:PORT{unset}"
            ) from None
        except Exception:  # Ray's private API moved: ray.init will tell
            return
        resolved = str(found or address)
    host, _, port = resolved.split("://")[-1].rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: expected HOST:PORT (or auto){unset}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot reach a Ray cluster at {host}:{port} "
            f"({exc.strerror or exc}){unset}"
        ) from None


def _sees(path: str, marker: str) -> bool:
    return (Path(path) / marker).is_file()


@dataclass(slots=True)
class _Actor:
    handle: Any
    cpus: float
    gpus: float
    busy: int = 0
    ran: bool = False


@dataclass(slots=True)
class RayExecutor:
    address: str | None = None  # HOST:PORT, "auto", or None: a private local Ray
    name: str = "ray"
    actors: dict[str, _Actor] = field(default_factory=dict)
    inflight: dict[Any, tuple[Job, str | None]] = field(default_factory=dict)

    def run(self, schedule: Schedule) -> None:
        ray = import_ray()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            ray.init(address=self.address, log_to_driver=False, ignore_reinit_error=True)
        except Exception as exc:  # Ray's own errors (auth, version): one line, not a trace
            where = f"--address {self.address}" if self.address else "a local Ray"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ConfigError(f"{where}: Ray cannot connect ({first})") from exc
        for sig, handler in handlers.items():  # Ray installs its own: Ctrl-C and SIGTERM
            signal.signal(sig, handler)  # stay scodub's (one line, finished work kept)
        try:
            check_shared_folder(ray, schedule.state.out_dir)
            resources = ray.cluster_resources()
            self._loop(
                ray, schedule, float(resources.get("CPU", 1)), float(resources.get("GPU", 0))
            )
        finally:
            for actor in self.actors.values():
                ray.kill(actor.handle)
            self.actors.clear()
            ray.shutdown()

    def _loop(self, ray: Any, schedule: Schedule, cpus: float, gpus: float) -> None:
        task = ray.remote(run_payload)
        while schedule.open():
            for job in schedule.ready():
                ref = self._submit(ray, task, job, cpus, gpus)
                if ref is not None:
                    schedule.start(job)
                    self.inflight[ref] = (job, job.model)
            if not self.inflight:
                break  # every open job is blocked by a failure
            done, _ = ray.wait(list(self.inflight), num_returns=1)
            for ref in done:
                job, model = self.inflight.pop(ref)
                outcome = self._outcome(ray, ref, model)
                if model is not None and model in self.actors:
                    actor = self.actors[model]
                    actor.busy -= 1
                    if outcome.ok and not outcome.reused and not actor.ran:
                        actor.ran = True
                        schedule.state.model_loads.append(f"{model} (ray actor)")
                schedule.finish(job, outcome)

    def _submit(self, ray: Any, task: Any, job: Job, cpus: float, gpus: float) -> Any:
        if job.model is None:
            return task.options(
                num_cpus=min(job.resources.cpus, cpus), max_retries=RAY_RETRIES
            ).remote(job.payload)
        actor = self.actors.get(job.model)
        if actor is None:
            actor = self._new_actor(ray, job, cpus, gpus)
            if actor is None:
                return None  # wait until an actor is idle and can be retired
        actor.busy += 1
        return actor.handle.run.remote(job.payload)

    def _new_actor(self, ray: Any, job: Job, cpus: float, gpus: float) -> _Actor | None:
        # ASR and MT take a GPU where the cluster has one: with --device auto the stage
        # asks for none, but Ray hides every GPU from an actor that did not reserve one.
        wants = job.resources.gpus > 0 or (job.model or "").startswith(("whisper:", "mt:"))
        want_gpu = 1.0 if wants and gpus >= 1 else 0.0
        need = min(job.resources.cpus, cpus)
        # Keep at least one CPU for tasks; a 1-CPU cluster still runs one actor at a time.
        limit = max(need, cpus - 1)
        for model, actor in list(self.actors.items()):
            if self._reserved() + need <= limit:
                break
            if actor.busy == 0:
                ray.kill(actor.handle)
                del self.actors[model]
        if self._reserved() + need > limit:
            return None
        handle = (
            ray.remote(ModelWorker)
            .options(
                num_cpus=need,
                num_gpus=want_gpu,
                max_restarts=RAY_RETRIES,
                max_task_retries=RAY_RETRIES,
            )
            .remote()
        )
        actor = _Actor(handle, need, want_gpu)
        assert job.model is not None
        self.actors[job.model] = actor
        return actor

    def _reserved(self) -> float:
        return sum(a.cpus for a in self.actors.values())

    def _outcome(self, ray: Any, ref: Any, model: str | None) -> JobOutcome:
        try:
            reply = ray.get(ref)
        except ray.exceptions.RayError as exc:
            if model is not None and isinstance(exc, ray.exceptions.RayActorError):
                self.actors.pop(model, None)  # a fresh actor for the retry
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return JobOutcome(False, error=f"ray worker lost: {first}", worker_lost=True)
        return JobOutcome.of(reply)


def check_shared_folder(ray: Any, out_dir: Path) -> None:
    """Every alive node must see ``out_dir`` at the same path, or the batch cannot work."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    folder = Path(out_dir).resolve()
    marker = f".scodub-batch-probe-{uuid.uuid4().hex}"
    (folder / marker).write_text("scodub\n", encoding="utf-8")
    try:
        probe = ray.remote(_sees)
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        refs = [
            probe.options(
                num_cpus=0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
            ).remote(str(folder), marker)
            for n in nodes
        ]
        blind = [
            n.get("NodeManagerAddress", n["NodeID"])
            for n, ok in zip(nodes, ray.get(refs), strict=True)
            if not ok
        ]
    finally:
        (folder / marker).unlink(missing_ok=True)
    if blind:
        raise OutputError(
            f"{folder}: not visible on Ray node(s) {', '.join(blind)}; every worker needs the "
            "output folder at the same path (a shared file system), see README 'Batches'"
        )
