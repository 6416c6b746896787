"""Translation throughput: one batched call versus one call per cue, measured in one run.

Cues are real sentences from the festival articles (../shared/seeds) cut into
subtitle-sized pieces. Three ways to translate the same cues into the same targets:

1. batched: ``NllbTranslator.translate_many`` - every cue and every target in ONE
   ctranslate2 call (per-example target prefix);
2. per target: one batched call per target language;
3. per cue: one call per cue per target (what a naive loop does; the baseline).

Also ``translate_cues`` (sentence context: joined cues, one call). Prints cue
translations per second for each and the speed-up of batching over the per-cue baseline.

Run: ``.venv/bin/python bench/bench_translate.py`` (the committed tiny model, ~1 minute
on 2 cores), or ``--mt-model FOLDER`` for a real CTranslate2 NLLB folder.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scodub.langs import parse_language_list  # noqa: E402
from scodub.mt.nllb import NllbTranslator, translate_cues  # noqa: E402

TINY = ROOT / "tests" / "data" / "tiny-nllb"
SEEDS = ROOT.parent / "shared" / "seeds"


def festival_cues(count: int, max_words: int = 7) -> list[str]:
    """Subtitle-sized cues cut from the seed articles' sentences, in order."""
    cues: list[str] = []
    for seed in sorted(SEEDS.glob("*.txt")):
        for line in seed.read_text(encoding="utf-8").splitlines():
            for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                words = sentence.split()
                if len(words) < 4 or not sentence.endswith((".", "!", "?")):
                    continue
                for start in range(0, len(words), max_words):
                    cues.append(" ".join(words[start: start + max_words]))
                    if len(cues) == count:
                        return cues
    if not cues:
        raise SystemExit(f"no sentences found in {SEEDS}")
    return (cues * (count // len(cues) + 1))[:count]


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median wall seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="translation throughput, batched vs per cue")
    parser.add_argument("--mt-model", type=Path, default=TINY)
    parser.add_argument("--cues", type=int, default=120)
    parser.add_argument("--targets", default="ru,zh,kk")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    targets = list(parse_language_list(args.targets))
    cues = festival_cues(args.cues)
    translator = NllbTranslator(args.mt_model, device=args.device, beam_size=args.beam_size,
                                max_batch_size=args.max_batch_size)
    translator.translate(cues[:4], "en", targets[0])  # warm up
    work = len(cues) * len(targets)

    def per_cue() -> None:
        for target in targets:
            for cue in cues:
                translator.translate([cue], "en", target)

    seconds = {
        "batched (one call)": timed(lambda: translator.translate_many(cues, "en", targets),
                                    args.repeat),
        "one call per target": timed(
            lambda: [translator.translate(cues, "en", t) for t in targets], args.repeat),
        "one call per cue": timed(per_cue, args.repeat),
        "translate_cues (context)": timed(lambda: translate_cues(cues, translator, "en", targets),
                                          args.repeat),
    }
    print(f"model {translator.folder} on {translator.device}/{translator.compute_type}, "
          f"beam {args.beam_size}, {len(cues)} cues x {len(targets)} targets "
          f"({', '.join(targets)}), median of {args.repeat}")
    for label, secs in seconds.items():
        print(f"  {label:26} {secs:7.2f} s  {work / secs:8.1f} cues/s")
    ratio = seconds["one call per cue"] / seconds["batched (one call)"]
    print(f"  batched is {ratio:.1f}x faster than one call per cue")
    print(json.dumps({
        "model": str(translator.folder), "device": translator.device, "cues": len(cues),
        "targets": targets, "cues_per_second": {k: round(work / v, 1) for k, v in seconds.items()},
        "batched_over_per_cue": round(ratio, 2),
    }))


if __name__ == "__main__":
    main()
