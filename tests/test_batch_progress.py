"""A batch's progress where stderr is no terminal (a log file, nohup, a container's log):
one line per stage that ends, with the count and the time left; a bar on a terminal."""

from __future__ import annotations

import io
from typing import Any

from scodub.cli.progress import Bar, Lines, batch_progress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _stage(event: str, stage: str, **extra: Any) -> dict[str, Any]:
    return {"event": event, "film": "Фильм 1", "stage": stage, "language": None, **extra}


def test_lines_count_the_stages_and_the_time_left() -> None:
    out, clock = io.StringIO(), _Clock()
    lines = Lines(out, clock)
    lines.update({"event": "batch_planned", "films": 2, "stages": 4})
    lines.update(_stage("stage_started", "transcribe"))
    lines.update(_stage("stage_finished", "transcribe", seconds=0.1, reused=True))
    clock.now += 60
    lines.update(_stage("stage_finished", "subtitles", language="ru", seconds=59.5, reused=False))
    clock.now += 60
    lines.update(_stage("stage_failed", "dub", language="ru", seconds=1, reason="no voice"))
    lines.update(_stage("stage_skipped", "deliver", reason="dub failed"))
    lines.update({"event": "batch_finished"})
    assert out.getvalue().splitlines() == [
        "scodub: 2 film(s), 4 stage(s)",
        "scodub: [1/4] Фильм 1 transcribe reused",
        # 60 s for the one stage made here: two stages left, about two minutes
        "scodub: [2/4, about 0:02:00 left] Фильм 1 subtitles:ru done in 59.5 s",
        "scodub: [3/4, about 0:02:00 left] Фильм 1 dub:ru FAILED: no voice",
        "scodub: [4/4] Фильм 1 deliver skipped: dub failed",
        "scodub: batch finished in 0:02:00",
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_bar_a_log_gets_lines_quiet_gets_nothing() -> None:
    log = io.StringIO()
    update, close = batch_progress(False, log)
    update({"event": "batch_planned", "films": 1, "stages": 1})
    close()
    assert log.getvalue() == "scodub: 1 film(s), 1 stage(s)\n"
    terminal = _Terminal()
    update, close = batch_progress(False, terminal)
    assert isinstance(getattr(update, "__self__", None), Bar)
    update({"event": "batch_planned", "films": 1, "stages": 3})
    update(_stage("stage_finished", "transcribe"))
    close()
    assert "1/3" in terminal.getvalue()
    quiet = io.StringIO()
    update, close = batch_progress(True, quiet)
    update({"event": "batch_planned", "films": 1, "stages": 1})
    close()
    assert quiet.getvalue() == ""
