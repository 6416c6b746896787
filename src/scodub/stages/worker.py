"""Run one stage written as JSON, in this process: ``python -m scodub.stages.worker
STAGE.json OUT_DIR``. The stages it needs come from the cache in ``OUT_DIR`` (or are
computed here when missing); its result lands in that cache. Prints the outcome as one
JSON line: the stage's key, whether it was reused, the seconds it took."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scodub.errors import InputError, ScodubError
from scodub.inputfiles import MB, read_input_bytes
from scodub.stages import registry  # noqa: F401  (registers every stage class)
from scodub.stages.base import Stage, StageContext, cached, stage_from_json

#: A stage spec is settings and a film's description: a few kB (a speaker timeline more).
SPEC_MAX_BYTES = 64 * MB


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is no number a stage takes")


def read_stage(path: Path) -> Stage[Any]:
    """The stage in ``path`` (JSON as ``Stage.to_json`` writes it), or one line naming the
    file: missing, not a regular file, not UTF-8 JSON, NaN or Infinity in it, or no stage
    scodub knows with settings in their bounds."""
    data = read_input_bytes(path, what="a stage spec (JSON)", limit=SPEC_MAX_BYTES)
    try:
        plain = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(path, f"not a JSON stage spec ({' '.join(str(exc).split())})") from None
    try:
        return stage_from_json(plain)
    except ScodubError as exc:
        raise InputError(path, str(exc)) from None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m scodub.stages.worker STAGE.json OUT_DIR", file=sys.stderr)
        return 2
    spec_path, out_dir = Path(argv[0]), Path(argv[1])
    try:
        stage = read_stage(spec_path)
        outcome = cached(stage, StageContext(out_dir))
    except ScodubError as exc:
        print(f"scodub: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps({"key": stage.key(), "reused": outcome.reused, "seconds": outcome.seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
