"""Where a batch stands: the state of every film x stage, kept in ``DIR/batch.json``
(rewritten atomically on every change, so ``scodub batch status DIR`` can read it while
the batch runs), the ``--json`` event lines, and the film x stage table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scodub import __version__
from scodub.errors import InputError
from scodub.fsutil import write_json_atomic
from scodub.inputfiles import MB, read_input_json

STATE_FILE = "batch.json"
#: ``batch.json`` is ~2 KB a film: 256 MB is a catalogue of 100,000 films and more.
STATE_MAX_BYTES = 256 * MB
PENDING, RUNNING, DONE, REUSED, FAILED, SKIPPED = (
    "pending",
    "running",
    "done",
    "reused",
    "failed",
    "skipped",
)
FINISHED = (DONE, REUSED, FAILED, SKIPPED)

Emit = Callable[[dict[str, Any]], None]


#: The largest share of a batch's time that saving batch.json may take, once a save
#: takes longer than CHEAP_SAVE_S (a few hundred films): a smaller batch saves every change.
SAVE_SHARE = 0.1
CHEAP_SAVE_S = 0.02


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(slots=True)
class StageState:
    stage: str
    language: str | None
    status: str = PENDING
    seconds: float | None = None
    reason: str | None = None
    attempts: int = 0
    warnings: tuple[str, ...] = ()  # finished, but a person must look at these

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "language": self.language,
            "status": self.status,
            "seconds": self.seconds,
            "reason": self.reason,
            "attempts": self.attempts,
            "warnings": list(self.warnings),
        }


@dataclass(slots=True)
class FilmState:
    path: str
    where: str
    stages: dict[str, StageState] = field(default_factory=dict)  # by job label


@dataclass(slots=True)
class BatchState:
    """Mutable progress of one batch; every change is announced and saved, but in a large
    batch, where a save takes time, saving may take at most a tenth of it (``SAVE_SHARE``;
    a failure and the end are saved at once). The file grows with the
    batch, and a save per change made a batch of 2,000 films write 43 GB. A resumed batch
    loses nothing by a save not made: each stage's result is in its film's stage cache."""

    out_dir: Path
    executor: str
    films: dict[str, FilmState] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)
    emit: Emit | None = None
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None
    model_loads: list[str] = field(default_factory=list)
    saved_at: float = field(default=float("-inf"), repr=False)  # time.monotonic()
    save_seconds: float = field(default=0.0, repr=False)  # what the last save took

    def add(
        self, film_id: str, path: str, where: str, label: str, stage: str, lang: str | None
    ) -> None:
        film = self.films.setdefault(film_id, FilmState(path, where))
        film.stages[label] = StageState(stage, lang)

    def mark(
        self,
        film_id: str,
        label: str,
        status: str,
        *,
        seconds: float | None = None,
        reason: str | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        state = self.films[film_id].stages[label]
        state.status = status
        if status == RUNNING:
            state.attempts += 1
        if seconds is not None:
            state.seconds = round(seconds, 3)
        state.reason = reason
        state.warnings = tuple(warnings)
        event = {
            RUNNING: "stage_started",
            DONE: "stage_finished",
            REUSED: "stage_finished",
            FAILED: "stage_failed",
            SKIPPED: "stage_skipped",
            PENDING: "stage_retried",
        }[status]
        record: dict[str, Any] = {
            "event": event,
            "film": film_id,
            "stage": state.stage,
            "language": state.language,
            "time": _now(),
        }
        if status in (DONE, REUSED, FAILED):
            record["seconds"] = state.seconds
        if status in (DONE, REUSED):
            record["reused"] = status == REUSED
        if reason:
            record["reason"] = reason
        if warnings:
            record["warnings"] = list(warnings)
        waited = time.monotonic() - self.saved_at
        if status == FAILED or self.save_seconds < CHEAP_SAVE_S or waited * SAVE_SHARE >= (
            self.save_seconds
        ):
            self.save()
        if self.emit is not None:
            self.emit(record)

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in (PENDING, RUNNING, DONE, REUSED, FAILED, SKIPPED)}
        for film in self.films.values():
            for stage in film.stages.values():
                counts[stage.status] += 1
        return counts

    def failed(self) -> bool:
        counts = self.counts()
        return bool(counts[FAILED] or counts[SKIPPED] or self.invalid)

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "out_dir": str(self.out_dir),
            "executor": self.executor,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": self.counts(),
            "model_loads": self.model_loads,
            "invalid": self.invalid,
            "films": {
                film_id: {
                    "path": film.path,
                    "where": film.where,
                    "stages": {label: s.to_json() for label, s in film.stages.items()},
                }
                for film_id, film in self.films.items()
            },
        }

    def save(self) -> None:
        began = time.monotonic()
        write_json_atomic(self.out_dir / STATE_FILE, self.to_json())
        self.saved_at = time.monotonic()
        self.save_seconds = self.saved_at - began

    def finish(self) -> None:
        self.finished_at = _now()
        self.save()


def load_state(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / STATE_FILE
    if not os.path.lexists(path):
        raise InputError(path, "no batch here (batch.json not found)")
    data = read_input_json(path, what="a batch state file", limit=STATE_MAX_BYTES)
    if not isinstance(data, dict) or "films" not in data:
        raise InputError(path, "not a scodub batch state file")
    try:  # every part the status line and the table read, of the kind they read
        str(data["executor"]) + str(data["started_at"])
        table(data)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise InputError(path, f"a damaged batch state file ({problem})") from None
    return data


def run_state(data: dict[str, Any], locked: bool | None = None) -> str:
    """finished, running or interrupted. ``locked``: whether a batch holds the folder's
    lock (None: not known), which says it on this host; else whether the process is alive
    (after a power cut or ``kill -9`` its pid may be another program's)."""
    if data.get("finished_at"):
        return "finished"
    here = data.get("host") == socket.gethostname()
    if locked is not None and (here or locked):
        return "running" if locked else "interrupted"
    if here and _alive(int(data.get("pid", 0))):
        return "running"
    return "interrupted" if here else "running elsewhere?"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cell(stage: dict[str, Any]) -> str:
    status = str(stage["status"])
    if status == DONE:
        return f"done {stage['seconds']:.1f}s" if stage.get("seconds") is not None else "done"
    if status == FAILED:
        return "FAILED"
    return status


def table(data: dict[str, Any]) -> str:
    """The film x stage table, then one line per failure with its reason, then totals."""
    columns: list[str] = []
    for film in data["films"].values():
        for label in film["stages"]:
            if label not in columns:
                columns.append(label)
    rows = [["film", *columns]]
    reasons = []
    for film_id, film in data["films"].items():
        cells = [film_id]
        for label in columns:
            stage = film["stages"].get(label)
            cells.append(_cell(stage) if stage else "")
            if stage and stage["status"] in (FAILED, SKIPPED) and stage.get("reason"):
                reasons.append(f"{film_id} {label}: {stage['status']}: {stage['reason']}")
            for warning in stage.get("warnings") or () if stage else ():
                reasons.append(f"{film_id}: warning: {warning}")
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines += reasons
    lines += [f"invalid: {line}" for line in data.get("invalid", [])]
    s = data["summary"]
    loads = len(data.get("model_loads", []))
    lines.append(
        f"{s['done']} run, {s['reused']} reused, {s['failed']} failed, {s['skipped']} skipped, "
        f"{s['running']} running, {s['pending']} pending; {loads} model loads"
    )
    return "\n".join(lines)


def json_lines(write: Callable[[str], None]) -> Emit:
    def emit(record: dict[str, Any]) -> None:
        write(json.dumps(record, ensure_ascii=False))

    return emit


def chain(*emitters: Emit | None) -> Emit:
    live: Iterable[Emit] = [e for e in emitters if e is not None]

    def emit(record: dict[str, Any]) -> None:
        for e in live:
            e(record)

    return emit
