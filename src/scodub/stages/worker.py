"""Run one stage written as JSON, in this process: ``python -m scodub.stages.worker
STAGE.json OUT_DIR``. The stages it needs come from the cache in ``OUT_DIR`` (or are
computed here when missing); its result lands in that cache. Prints the outcome as one
JSON line: the stage's key, whether it was reused, the seconds it took."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scodub.errors import ScodubError
from scodub.stages import registry  # noqa: F401  (registers every stage class)
from scodub.stages.base import StageContext, cached, stage_from_json


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m scodub.stages.worker STAGE.json OUT_DIR", file=sys.stderr)
        return 2
    spec_path, out_dir = Path(argv[0]), Path(argv[1])
    try:
        stage = stage_from_json(json.loads(spec_path.read_text(encoding="utf-8")))
        outcome = cached(stage, StageContext(out_dir))
    except ScodubError as exc:
        print(f"scodub: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps({"key": stage.key(), "reused": outcome.reused, "seconds": outcome.seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
