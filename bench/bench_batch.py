"""Benchmarks of ``scodub batch`` (issue 10), each against a baseline measured in the same
run, on the same four short films with the same settings (English speech, English and
Russian subtitles through the tiny test translation model, so Whisper and a translation
model are both loaded):

1. stage-major batch (``--executor local``) vs a loop of ``scodub run`` over the films:
   wall time ratio, and model loads (measured: a stage that ran and was not reused loaded
   its model once in its process; ``scodub run`` is one process per film);
2. ``--executor ray`` on a local Ray cluster that is already up (as a deployed cluster
   is) vs ``--executor local``: the overhead of Ray (target: at most 15%); the cluster's
   start-up time is printed apart.

Run: ``.venv/bin/python bench/bench_batch.py [--skip-ray]`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from ray_cluster import local_ray_cluster  # noqa: E402

DATA = ROOT / "tests" / "data"
TINY_NLLB = DATA / "tiny-nllb"
CLIPS = [
    DATA / "jfk.wav",
    *sorted((DATA / "librivox").glob("*.wav"))[:3],
]
SETTINGS = ["--lang", "en", "--langs", "en,ru", "--mt-model", str(TINY_NLLB)]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _scodub(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scodub", *args]
    result = subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return result


def loop_of_run(films: list[Path], out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    loads = 0
    for film in films:
        result = _scodub("run", str(film), *SETTINGS, "--out", str(out / film.stem), "--json", "-q")
        stages = json.loads(result.stdout)["stages"]
        loads += int(not stages["transcribe"]["cached"]) + int(not stages["localize"]["cached"])
    return time.perf_counter() - started, loads


def batch(manifest: Path, out: Path, *extra: str) -> tuple[float, int]:
    started = time.perf_counter()
    result = _scodub("batch", str(manifest), *SETTINGS, "--out", str(out), "--json", "-q", *extra)
    seconds = time.perf_counter() - started
    finished = json.loads(result.stdout.splitlines()[-1])
    assert finished["event"] == "batch_finished" and finished["failed"] == 0, finished
    return seconds, len(finished["model_loads"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        films = []
        for i, clip in enumerate(CLIPS):
            film = root / "films" / f"film{i}.wav"
            film.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(clip, film)
            films.append(film)
        manifest = root / "films" / "catalogue.yaml"
        manifest.write_text("films:\n" + "".join(f"  - {f.name}\n" for f in films))
        print(f"{len(films)} films, {sum(f.stat().st_size for f in films) / 32000:.0f} s of "
              f"speech; settings: {' '.join(SETTINGS)}")  # fmt: skip
        loop_s, loop_loads = loop_of_run(films, root / "loop")
        local_s, local_loads = batch(manifest, root / "local")
        print(f"loop of scodub run: {loop_s:6.1f} s, {loop_loads} model loads")
        print(f"batch (local):      {local_s:6.1f} s, {local_loads} model loads")
        print(f"  ratio loop/batch: {loop_s / local_s:.2f}x; model loads saved: "
              f"{loop_loads - local_loads} of {loop_loads}")  # fmt: skip
        if args.skip_ray:
            return
        started = time.perf_counter()
        pythonpath = str(ROOT / "src")
        with local_ray_cluster(pythonpath) as address:
            up = time.perf_counter() - started
            local2_s, _ = batch(manifest, root / "local2")
            ray_s, ray_loads = batch(manifest, root / "ray", "--executor", "ray",
                                     "--address", address)  # fmt: skip
        print(f"ray cluster start-up (ray start --head, once per cluster): {up:.1f} s")
        print(f"batch (local, again): {local2_s:6.1f} s")
        print(f"batch (ray):          {ray_s:6.1f} s, {ray_loads} model loads")
        local_mean = (local_s + local2_s) / 2
        print(f"  ray overhead vs local (mean of two local runs): "
              f"{(ray_s / local_mean - 1) * 100:+.1f}% (target <= +15%)")  # fmt: skip


if __name__ == "__main__":
    main()
