"""A batch worker process: runs jobs one at a time from JSON lines on stdin and answers
one JSON line per job on stdout. It lives as long as the batch, so a model it loaded for
one job (Whisper, the translation model) stays loaded for the next job that holds it.

``run_payload`` is also what a Ray task or actor calls: both executors run a stage the
same way. A ``ScodubError`` (bad input, a stage that cannot do its work) is the job's
failure, reported as one line; any other exception is reported with its type (a bug).

The worker dies with the batch process (Linux ``PR_SET_PDEATHSIG``): after ``kill -9`` of
the batch no orphan keeps writing into the output folder while a re-run starts.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from scodub.errors import ScodubError

PARENT_ENV = "SCODUB_BATCH_PARENT"
_PR_SET_PDEATHSIG = 1


def _resolve(spec: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    module, _, name = spec.partition(":")
    func = getattr(importlib.import_module(module), name)
    if not callable(func):
        raise TypeError(f"{spec} is not callable")
    return func  # type: ignore[no-any-return]


def run_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one job: ``{"ok", "reused", "seconds", "error", "warnings"}`` (never raises)."""
    started = time.perf_counter()
    try:
        result = _resolve(str(payload["runner"]))(payload["args"])
    except ScodubError as exc:
        return _failed(" ".join(str(exc).split()), started)
    except Exception as exc:  # a bug in a stage must fail its film, not the batch
        return _failed(f"{type(exc).__name__}: {' '.join(str(exc).split())}", started)
    return {
        "ok": True,
        "reused": bool(result.get("reused", False)),
        "seconds": float(result.get("seconds", time.perf_counter() - started)),
        "error": None,
        "warnings": [str(w) for w in result.get("warnings", ())],
    }


def _failed(error: str, started: float) -> dict[str, Any]:
    return {"ok": False, "reused": False, "seconds": time.perf_counter() - started, "error": error}


def _die_with_parent() -> None:
    parent = int(os.environ.get(PARENT_ENV, "0"))
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent and os.getppid() != parent:  # the batch died before prctl took effect
        os._exit(1)


def serve(requests: TextIO, replies: TextIO) -> None:
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = run_payload(request["payload"])
        reply["id"] = request["id"]
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    _die_with_parent()
    # Ctrl-C in a terminal reaches the whole process group. The batch answers it (its
    # finished work kept, the run's temporary folder removed) and the workers die with
    # it; in a worker, a KeyboardInterrupt could land in the voice engine's callback and
    # leave a line half voiced, then cached.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies go to the original stdout; anything a library prints goes to stderr instead
    # (including C-level writes to fd 1), so it cannot corrupt the reply stream.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
