"""Run a validated batch: one lock per output folder, leftovers of a killed run cleared,
every film's stages planned into one job graph, the graph run by an executor, the state
kept in ``DIR/batch.json``.

Resuming is the stage cache's work: a re-run plans the same stages with the same keys, a
stage whose result is in ``DIR/<film-id>/.scodub/`` is reused, so only what was running
(or failed, or never started) runs again.
"""

from __future__ import annotations

import fcntl
import os
import resource
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from scodub.batch.manifest import FilmEntry
from scodub.batch.plan import film_jobs, mark_owned
from scodub.batch.schedule import Job, Schedule, check_graph
from scodub.batch.state import BatchState, Emit
from scodub.errors import OutputError
from scodub.fsutil import ensure_writable_dir
from scodub.stages.outputs import BATCH_DIRNAME, claim_stem, holds_single_runs, output_lock
from scodub.stages.plan import FilmPlan

WORK_DIR = BATCH_DIRNAME


class Executor(Protocol):
    name: str

    def run(self, schedule: Schedule) -> None: ...


#: The output folders this process holds the batch lock of (the lock is taken before the
#: films are validated, which writes in the folder, and held again by ``run_batch``).
_HELD: set[Path] = set()


@contextmanager
def batch_lock(out_dir: Path) -> Iterator[None]:
    """One batch per output folder at a time (a second one stops with one line, before it
    writes anything there). Re-entrant within a process."""
    key = Path(out_dir).absolute()
    if key in _HELD:
        yield
        return
    if holds_single_runs(Path(out_dir)):  # the batch's films would sit among them
        raise OutputError(
            f"{out_dir}: holds the outputs of a scodub run; write the batch into another --out"
        )
    # Below a file, a link to a folder that is gone, a read-only place: one line.
    ensure_writable_dir(Path(out_dir))
    folder = Path(out_dir) / WORK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / "lock", "a+", encoding="utf-8")  # noqa: SIM115 (held until exit)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"{out_dir}: another scodub batch is running here") from None
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
    finally:
        handle.close()


def batch_running(out_dir: Path) -> bool | None:
    """Whether a batch holds ``out_dir`` now (its lock is taken), None when that cannot be
    told (no lock there); nothing is written."""
    try:
        fd = os.open(Path(out_dir) / WORK_DIR / "lock", os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # given back at once
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)
    return False


def clear_partials(out_dir: Path) -> list[Path]:
    """Remove temporary files a killed batch left in its own files (``fsutil.atomic_path``
    names them ``.<stem>.<random>.part<suffix>``: ``batch.json``'s): hidden, never a
    finished output, safe under the batch lock. Each film's folder is swept by its own
    lock (``stages.outputs.output_lock``); nothing deeper is this batch's to clear: a
    folder inside --out may be another batch's or run's, writing now."""
    removed = []
    for folder in (out_dir, out_dir / WORK_DIR):
        for path in folder.glob(".*.part*"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


#: Open files a batch may need besides one lock per film: the interpreter's and its
#: libraries', each local worker's pipes and log. Wanted, not required: the batch refuses
#: only when the films' locks leave fewer than ``MIN_SPARE_FILES`` (as many as before).
SPARE_FILES = 1024
MIN_SPARE_FILES = 64


def make_room_for_locks(out_dir: Path, films: int) -> None:
    """Each film's folder lock is an open file, held for the whole batch: the soft limit on
    open files (1024 on many systems) is raised toward the hard one for a large catalogue;
    past the hard one, one line before any film is touched."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = films + SPARE_FILES
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    room = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if room > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (room, hard))
        except (ValueError, OSError):  # a system cap below the hard limit (macOS)
            room = soft
    room = max(room, soft)
    if films + MIN_SPARE_FILES > room:
        raise OutputError(
            f"{out_dir}: a batch of {films} films needs more than {films + MIN_SPARE_FILES} "
            f"open files (one per film's folder), past this system's limit of {room} "
            "(ulimit -Hn); raise the limit or split the manifest"
        )


def plan_batch(entries: Sequence[FilmEntry], plans: Mapping[str, FilmPlan]) -> list[Job]:
    jobs: list[Job] = []
    shared: dict[str, tuple[str, str]] = {}  # the same film under two names: work done once
    for order, entry in enumerate(entries):
        jobs += film_jobs(entry.film_id, plans[entry.film_id], order, shared)
    check_graph(jobs)
    return jobs


def run_batch(
    entries: Sequence[FilmEntry],
    plans: Mapping[str, FilmPlan],
    out_dir: Path,
    executor: Executor,
    *,
    invalid: Sequence[str] = (),
    emit: Emit | None = None,
) -> BatchState:
    """Run every film's stages; a failing film fails alone. Returns the final state.

    Each film's folder is held (``stages.outputs.output_lock``: no ``scodub run`` writes
    there meanwhile), its file names claimed, and marked as the batch's own."""
    out_dir = Path(out_dir).absolute()  # workers elsewhere do not share our cwd
    with batch_lock(out_dir), ExitStack() as held:
        make_room_for_locks(out_dir, len(entries))
        clear_partials(out_dir)
        for entry in entries:
            film_out = out_dir / entry.film_id
            held.enter_context(output_lock(film_out))
            claim_stem(film_out, plans[entry.film_id].film)
            mark_owned(film_out)
        jobs = plan_batch(entries, plans)
        state = BatchState(out_dir, executor.name, invalid=list(invalid), emit=emit)
        by_id = {e.film_id: e for e in entries}
        for job in jobs:
            entry = by_id[job.film_id]
            state.add(job.film_id, str(entry.path), entry.where, job.label, job.stage, job.language)
        state.save()
        if emit is not None:
            emit({"event": "batch_planned", "films": len(entries), "stages": len(jobs)})
        executor.run(Schedule.of(jobs, state))
        state.finish()
        if emit is not None:
            emit({"event": "batch_finished", **state.counts(), "model_loads": state.model_loads})
    return state
