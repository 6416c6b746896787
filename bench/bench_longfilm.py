"""Peak resident memory of ``scodub run --dub --dub-langs en`` on a long film vs a short
one (issue 10, "Long films"): the long run must stay under 2 GB and within 1.3x of the
short one (memory flat in the film's length).

The films are built here, never committed: the bundled sample's soundtrack (speech over
a quiet chord) repeated to the length asked, under a generated picture (``testsrc2``,
small and at a low frame rate so that encoding stays quick). Peak RSS is the largest
resident set of the ``scodub run`` process and every child it waited for (ffmpeg),
from ``getrusage(RUSAGE_CHILDREN)`` of a fresh measuring process per film.

Run: ``.venv/bin/python bench/bench_longfilm.py --short 10 --long 120`` (minutes; the
2-hour run transcribes, voices and back-checks two hours: hours on 2 CPU cores).
``--voice en=espeak`` makes the voicing quicker; ``--no-backcheck`` skips the back-check;
``--model DIR --beam-size 1`` (a smaller Whisper, greedy decoding) makes the two ASR passes
quicker on a loaded machine (both films run with the same settings, so the ratio holds).
``--stages`` runs each film through ``bench/longfilm_stages.py`` and prints the peak of
each stage (the process's own and its ffmpeg children's); the run's peak is then the
largest of those.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sco-sample.mp4"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

# Runs the command in a child and prints its peak RSS (KiB on Linux) and wall time.
_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(code, peak, time.perf_counter() - t)
"""


def ffmpeg_exe() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from scodub.media.ffmpeg import ffmpeg_exe as exe

    return exe()


def build_film(minutes: float, target: Path) -> Path:
    """The sample's soundtrack looped to ``minutes`` under a generated picture."""
    seconds = minutes * 60
    cmd = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=s=160x90:r=6:d={seconds}",
        "-stream_loop", "-1", "-i", str(SAMPLE),
        "-map", "0:v", "-map", "1:a", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-metadata:s:a:0", "language=eng", str(target),
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    return target


def peak_rss(film: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one ``scodub run --dub --dub-langs en``."""
    run = [sys.executable, "-m", "scodub", "run", str(film), "--lang", "en", "--dub",
           "--dub-langs", "en", "--out", str(out), "-q", *extra]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *run], env=ENV, capture_output=True, text=True, check=True
    )
    code, peak_kib, seconds = result.stdout.split()
    if code != "0":
        raise SystemExit(f"scodub run failed on {film.name} (exit {code})")
    return int(peak_kib) / 1024, float(seconds)


def stage_peaks(film: Path, out: Path, extra: list[str]) -> tuple[float, float, dict[str, Any]]:
    """``peak_rss`` through ``longfilm_stages.py``: (peak MiB, seconds, per-stage peaks)."""
    script = str(ROOT / "bench" / "longfilm_stages.py")
    run = [sys.executable, script, "run", str(film), "--lang", "en", "--dub",
           "--dub-langs", "en", "--out", str(out), "-q", *extra]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(run, env=ENV, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"scodub run failed on {film.name}: {result.stderr.strip()[-500:]}")
    stages: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    # The process's own peak and its ffmpeg children's are both counted, as getrusage does
    # (each child on its own: they are not summed with the parent).
    peak = max(max(v["self_mib"], v["children_mib"]) for v in stages.values())
    return peak, time.perf_counter() - started, stages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", type=float, default=10.0, help="minutes")
    parser.add_argument("--long", type=float, default=120.0, help="minutes")
    parser.add_argument("--voice", default=None, help="e.g. en=espeak")
    parser.add_argument("--no-backcheck", action="store_true")
    parser.add_argument("--model", default=None, help="Whisper model name or folder")
    parser.add_argument("--beam-size", type=int, default=None)
    parser.add_argument("--stages", action="store_true", help="print each stage's peak")
    args = parser.parse_args()
    extra = (["--voice", args.voice] if args.voice else []) + (
        ["--no-backcheck"] if args.no_backcheck else []
    )
    extra += ["--model", args.model] if args.model else []
    extra += ["--beam-size", str(args.beam_size)] if args.beam_size else []
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-longfilm-") as tmp:
        for label, minutes in (("short", args.short), ("long", args.long)):
            started = time.perf_counter()
            film = build_film(minutes, Path(tmp) / f"{label}.mp4")
            built = time.perf_counter() - started
            stages: dict[str, Any] = {}
            if args.stages:
                mib, seconds, stages = stage_peaks(film, Path(tmp) / f"out-{label}", extra)
            else:
                mib, seconds = peak_rss(film, Path(tmp) / f"out-{label}", extra)
            results[label] = {
                "minutes": minutes,
                "peak_rss_mib": round(mib),
                "seconds": round(seconds),
                **({"stages": stages} if stages else {}),
            }
            print(f"{minutes:6.1f} min film (built in {built:.0f} s): peak RSS {mib:7.0f} MiB, "
                  f"run {seconds:.0f} s", flush=True)  # fmt: skip
            (Path(tmp) / f"{label}.mp4").unlink()
    ratio = results["long"]["peak_rss_mib"] / results["short"]["peak_rss_mib"]
    print(f"long/short peak RSS: {ratio:.2f}x (target <= 1.3x); long under 2 GiB: "
          f"{results['long']['peak_rss_mib'] < 2048}")  # fmt: skip
    print(json.dumps(results))


if __name__ == "__main__":
    main()
