"""A batch's progress on stderr, fed by its events (``scodub.batch.state``): one bar with
an ETA on a terminal; one line per finished stage elsewhere (a log file, ``nohup``, a
container's log), where a bar would be one line rewritten thousands of times or nothing."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from scodub.data import hms

Update = Callable[[dict[str, Any]], None]


def batch_progress(
    quiet: bool, stream: TextIO | None = None
) -> tuple[Update, Callable[[], None]]:
    """(update, close) for the batch's events: a bar on a terminal, lines otherwise,
    nothing when ``quiet``."""
    out = stream or sys.stderr
    if quiet:
        return (lambda record: None), (lambda: None)
    if out.isatty():
        bar = Bar(out)
        return bar.update, bar.close
    lines = Lines(out)
    return lines.update, (lambda: None)


def _what(record: dict[str, Any]) -> str:
    lang = f":{record['language']}" if record.get("language") else ""
    return f"{record['film']} {record['stage']}{lang}"


class Bar:
    """One bar over films x stages (tqdm's ETA)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.bar: Any = None

    def update(self, record: dict[str, Any]) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="stage", file=self.out, dynamic_ncols=True)
        if record["event"] == "batch_planned":
            self.bar.total = record["stages"]
            self.bar.refresh()
        elif record["event"] in ("stage_finished", "stage_failed", "stage_skipped"):
            self.bar.update(1)
        elif record["event"] == "stage_started":
            self.bar.set_description(_what(record), refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Lines:
    """A line per stage that ends: how many of all are done, the time left at the pace so
    far (stages taken from the cache do not count toward the pace), and what ended."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.clock = out, clock
        self.total = self.done = self.timed = 0
        self.started = clock()

    def update(self, record: dict[str, Any]) -> None:
        event = record["event"]
        if event == "batch_planned":
            self.total, self.started = int(record["stages"]), self.clock()
            self.out.write(f"scodub: {record['films']} film(s), {self.total} stage(s)\n")
        elif event in ("stage_finished", "stage_failed", "stage_skipped"):
            self.done += 1
            reused = bool(record.get("reused"))
            self.timed += not reused and event == "stage_finished"
            seconds = float(record.get("seconds") or 0)
            how = {
                "stage_finished": "reused" if reused else f"done in {seconds:.1f} s",
                "stage_failed": f"FAILED: {record.get('reason', '')}",
                "stage_skipped": f"skipped: {record.get('reason', '')}",
            }[event]
            where = f"[{self.done}/{self.total}{self._left()}]"
            self.out.write(f"scodub: {where} {_what(record)} {how}\n")
        elif event == "batch_finished":
            took = self._clock(self.clock() - self.started)
            self.out.write(f"scodub: batch finished in {took}\n")
        else:
            return
        self.out.flush()

    def _left(self) -> str:
        if not self.timed or self.done >= self.total:
            return ""
        pace = (self.clock() - self.started) / self.timed
        return f", about {self._clock(pace * (self.total - self.done))} left"

    @staticmethod
    def _clock(seconds: float) -> str:
        return hms(seconds * 1000)
