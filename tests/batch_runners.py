"""Job runners for the executor tests: small, real work (files written atomically) that
the batch worker processes import by name, as they import the real stage runner."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from scodub.errors import MediaError
from scodub.fsutil import write_json_atomic


def touch(args: dict[str, Any]) -> dict[str, Any]:
    """Write ``args["path"]`` once (reused when it exists), logging the worker's pid."""
    target = Path(args["path"])
    with open(Path(args["log"]), "a", encoding="utf-8") as log:
        log.write(
            json.dumps({"job": args["job"], "pid": os.getpid(), "model": args.get("model")}) + "\n"
        )
    if target.exists():
        return {"reused": True, "seconds": 0.0}
    if args.get("fail"):
        raise MediaError(args["fail"], "has no audio stream")
    if args.get("die_once") and not Path(args["die_once"]).exists():
        Path(args["die_once"]).write_text("died\n")
        os._exit(9)  # as if killed: no reply, no cleanup
    time.sleep(float(args.get("sleep", 0.0)))
    write_json_atomic(target, {"job": args["job"]})
    return {"reused": False, "seconds": float(args.get("sleep", 0.0))}
