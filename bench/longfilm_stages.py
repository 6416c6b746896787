"""Peak resident memory of each stage of ``scodub run`` (issue 10, "Long films"): where
memory grows with the film's length.

Runs the CLI in this process with every registered stage's ``run`` wrapped: the
process's own peak (``VmHWM``, reset at each stage boundary through
``/proc/self/clear_refs``) is charged to the stage that was running, and a sampling
thread (every 50 ms) charges the resident set of the child processes (ffmpeg) to the
stage that started them. A stage that asks for another's result (``ctx.result``) charges
the nested stage, not itself, for that time. What runs outside any stage (planning,
publishing the outputs) is ``(outside)``.

Run: ``python bench/longfilm_stages.py run FILM --lang en --dub --dub-langs en --out DIR``
(any scodub command: ``dub FILM -t en=FILE.srt``)
(``bench/bench_longfilm.py --stages`` runs it on the films it builds). Prints one JSON
line: ``{stage label: {"self_mib": ..., "children_mib": ...}}``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

_OUTSIDE = "(outside)"


def _status_kib(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # 5: reset the peak resident set (VmHWM) to the current one
    except OSError:
        pass


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children", encoding="ascii") as kids:
                children = [int(p) for p in kids.read().split()]
        except OSError:
            continue
        found += children
        todo += children
    return found


def _forked_only(pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/exe") == os.readlink("/proc/self/exe")
    except OSError:
        return True


class Profile:
    def __init__(self) -> None:
        self.stack: list[str] = [_OUTSIDE]
        self.own: dict[str, int] = {}
        self.children: dict[str, int] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()

    def _charge_own(self) -> None:
        peak = _status_kib("self", "VmHWM")
        top = self.stack[-1]
        self.own[top] = max(self.own.get(top, 0), peak)
        _reset_peak()

    def enter(self, label: str) -> None:
        with self.lock:
            self._charge_own()
            self.stack.append(label)

    def leave(self) -> None:
        with self.lock:
            self._charge_own()
            self.stack.pop()

    def sample(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.05):
            # A child that is still this interpreter has been forked but has not yet run
            # ffmpeg: its resident set is the parent's pages, shared, not its own.
            kids = sum(
                _status_kib(pid, "VmRSS") for pid in _descendants(me) if not _forked_only(pid)
            )
            with self.lock:
                top = self.stack[-1]
                self.children[top] = max(self.children.get(top, 0), kids)

    def table(self) -> dict[str, dict[str, int]]:
        with self.lock:
            self._charge_own()
        labels = list(dict.fromkeys([*self.own, *self.children]))
        return {
            label: {
                "self_mib": round(self.own.get(label, 0) / 1024),
                "children_mib": round(self.children.get(label, 0) / 1024),
            }
            for label in labels
        }


def instrument(profile: Profile) -> None:
    from scodub.stages import registry  # noqa: F401  (registers every stage)
    from scodub.stages.base import STAGES

    for cls in set(STAGES.values()):
        original: Callable[..., Any] = cls.run

        def run(self: Any, ctx: Any, _original: Callable[..., Any] = original) -> Any:
            profile.enter(self.label())
            try:
                return _original(self, ctx)
            finally:
                profile.leave()

        cls.run = run  # type: ignore[method-assign]


def main() -> None:
    args = sys.argv[1:]
    profile = Profile()
    instrument(profile)
    sampler = threading.Thread(target=profile.sample, daemon=True)
    sampler.start()
    from scodub.cli import cli

    code = 0
    try:
        cli.main(args, standalone_mode=False)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        profile.done.set()
        sampler.join()
    print(json.dumps(profile.table()), flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
