"""Review page size: does a 2-hour film in 11 languages open fast and scroll smoothly?

Builds the output folder of a synthetic 2-hour run (1,500 cues in each of the 11 SCO
languages, in each language's own script and limits, words with probabilities and two
speakers, shot changes, a dub report; a 2-hour film of a tiny picture and noise), writes
its review page with ``scodub review`` and the festival glossary, and opens it in
Debian's Chromium (headless, Playwright), as the tests do. Measured in the browser:

- open: navigation start to the page ready (data parsed, grid drawn, the shown subtitle
  track composed; the others follow one per task), ms, and the renderer's CPU time for it
  (open_cpu, ms: what the load of a shared machine does not inflate);
- scroll: the grid scrolled through in animation frames (small steps, then jumps across
  the film): frame times p50 / p95 / max and frames over 50 ms (a visible stall);
- CPU per scroll frame, ms, of the page's renderer process (Chromium's own counter), for
  small steps (cpu_step) and jumps (cpu_jump): unlike frame times it hardly changes with
  the load of a shared machine; under 16.7 ms a frame keeps 60 frames per second;
- script_jump / layout_jump: of a jump's main-thread time, ms spent in script and in
  style and layout (Chromium's ScriptDuration, RecalcStyleDuration + LayoutDuration);
- rows alive while scrolling (rows are rendered only when seen);
- edit: one keystroke in a source cell (every rule of the column re-checked, the row's
  names found again in every language), ms, median of 20.

The baseline, measured the same way in the same run, is a short film (60 cues, 2
languages): the ratios show what size costs. Also printed: the time ``scodub review``
took to write the page (the film's waveform and the QC of every track).

Run: ``.venv/bin/python bench/bench_review.py [--work DIR] [--cues 1500]``
(about 1-2 minutes on 2 cores; the 2-hour film is made once in DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from review_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from scodub.data import Cue, Track  # noqa: E402
from scodub.langs import SCO_LANGUAGES, get_language  # noqa: E402
from scodub.media.ffmpeg import ffmpeg_exe  # noqa: E402
from scodub.names.io import load_glossary  # noqa: E402
from scodub.review.page import write_review  # noqa: E402
from scodub.text.srt import write_srt  # noqa: E402

#: Letters to make words from, per script (words, not meaning: the page's cost is the same).
LETTERS = {
    "Latin": "abcdefghijklmnopqrstuvwxyz",
    "Cyrillic": "абвгдеёжзийклмнопрстуфхцчшщыэюяқңөүұһҷӣ",
    "Arabic": "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "Devanagari": "कखगघचछजझटठडढतथदधनपफबभमयरलवशसह",
    "Han": "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年",
}


def _line(rng: random.Random, script: str, chars: int) -> str:
    letters = LETTERS[script]
    if script == "Han":
        return "".join(rng.choice(letters) for _ in range(max(1, chars // 2)))
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))))
    return " ".join(words)


def make_run(folder: Path, cues: int, languages: tuple[str, ...], film: Path | None) -> None:
    """A run's output folder: report, transcript, SRT per language, dub report."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    times: list[tuple[int, int]] = []
    at = 1000
    for _ in range(cues):
        length = rng.randint(900, 6500)
        times.append((at, at + length))
        at += length + rng.choice((83, 250, 700, 1500))
    duration = at + 1000
    for code in languages:
        lang = get_language(code)
        track = []
        for start, end in times:
            chars = rng.randint(12, 80)
            lines = [_line(rng, lang.script, min(chars, 40))]
            if chars > 40:
                lines.append(_line(rng, lang.script, chars - 40))
            if lang.rtl:
                lines = [f"\u202b{line}\u202c" for line in lines]
            track.append(Cue(start, end, tuple(lines)))
        write_srt(Track(code, tuple(track)), folder / f"film.{code}.srt")
    words = [
        [w, s + k * 300, s + k * 300 + 250, round(rng.random(), 3), f"S{1 + (cue + k // 4) % 2}"]
        for (s, _), cue in zip(times, range(cues), strict=True)
        for k, w in enumerate(_line(rng, "Latin", 40).split())
    ]
    transcript = {
        "language": "en",
        "duration_ms": duration,
        "corrections": [],
        "segments": [{"start_ms": 0, "end_ms": duration, "text": "", "words": words}],
        "speakers": [{"id": "S1", "speech_ms": duration // 2}, {"id": "S2", "speech_ms": 1}],
    }
    (folder / "film.transcript.json").write_text(json.dumps({"transcript": transcript}))
    report = {
        "film": str(film) if film else "",
        "stages": {
            "transcribe": {"language": "en", "media": {"duration_ms": duration, "fps": 24.0}},
            # a shot change near every third in-time (the shot rules are checked with them)
            "shots": {"cuts_ms": [s + rng.randint(-200, 200) for s, _ in times[::3]]},
        },
    }
    (folder / "film.report.json").write_text(json.dumps(report))
    lines = [
        {
            "index": i + 1,
            "start_ms": s,
            "duration_ms": e - s,
            "engine_rate": 1.1,
            "stretch": 1.0 + (i % 7) * 0.05,
            "fitted": i % 13 != 0,
            "overflow_ms": 120 * (i % 13 == 0),
        }
        for i, (s, e) in enumerate(times)
    ]
    dub = {"languages": {"ru": {"voice": {"route": "espeak-ng ru"}, "lines": lines}}}
    (folder / "film.dub.json").write_text(json.dumps(dub))


def make_film(path: Path, seconds: int) -> Path:
    if path.is_file():
        return path
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c=gray:s=160x90:r=1:d={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"anoisesrc=d={seconds}:c=pink:r=8000:a=0.3",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-b:a",
            "16k",
            "-shortest",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
    )
    return path


SCROLL_JS = """async (jumps) => {
  const grid = document.getElementById('grid');
  const frames = [];
  let last = performance.now(), rows = 0;
  const step = async (to) => {
    grid.scrollTop = to;
    await new Promise(requestAnimationFrame);
    const now = performance.now();
    frames.push(now - last);
    last = now;
    rows = Math.max(rows, document.querySelectorAll('#grid-body .row').length);
  };
  if (!jumps) for (let k = 0; k < 300; k++) await step(k * 40);
  else for (let k = 0; k < 100; k++) await step((k * 7919 * 150) % grid.scrollHeight);
  return {frames, rows};
}"""

EDIT_JS = """async () => {
  const r = scodubReview, src = r.data.columns[0], row = r.state.rows[0];
  r.startEdit(src, row);
  const area = document.querySelector(`.cell[data-lang="${src.code}"][data-row="${row}"] textarea`);
  const times = [];
  for (let k = 0; k < 20; k++) {
    const t0 = performance.now();
    area.value += k % 2 ? " 5" : " SCO Film Festival";
    area.dispatchEvent(new Event("input"));
    times.push(performance.now() - t0);
  }
  r.finishEdit();
  times.sort((a, b) => a - b);
  return times[10];
}"""


def measure(browser: Any, page_file: Path) -> dict[str, float]:
    """Open the page, then scroll it; the figures listed in the module docstring."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    start = _metrics(cdp)
    page.goto(page_file.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=60000)
    opened = page.evaluate("scodubReview.readyMs")
    ready = _metrics(cdp)
    result = {
        "open_ms": float(opened),
        "open_cpu": 1000 * (ready["ProcessTime"] - start["ProcessTime"]),
    }
    result["edit_ms"] = float(page.evaluate(EDIT_JS))
    page.evaluate("document.getElementById('grid').scrollTop = 0")
    frames: list[float] = []
    # small steps (a wheel or the arrow keys), then jumps across the film (the scrollbar)
    for phase, jumps in (("step", False), ("jump", True)):
        before = _metrics(cdp)
        scroll = page.evaluate(SCROLL_JS, jumps)
        after = _metrics(cdp)
        frames += scroll["frames"]
        # CPU time, unlike frame times, hardly depends on what else the machine runs:
        # the page's whole renderer process, per scroll frame.
        count = len(scroll["frames"])
        result[f"cpu_{phase}"] = 1000 * (after["ProcessTime"] - before["ProcessTime"]) / count
        # where a jump's main-thread time goes (Chromium's own counters): script, then
        # style and layout (text shaping of the new rows)
        if jumps:
            for key, name in (("script", "ScriptDuration"), ("layout", "LayoutDuration")):
                result[f"{key}_jump"] = 1000 * (after[name] - before[name]) / count
            result["layout_jump"] += (
                1000 * (after["RecalcStyleDuration"] - before["RecalcStyleDuration"]) / count
            )
        result["rows"] = max(result.get("rows", 0), scroll["rows"])
    context.close()
    if errors:
        raise SystemExit(f"page errors: {errors}")
    frames.sort()
    result.update(
        p50=frames[len(frames) // 2],
        p95=frames[int(0.95 * len(frames))],
        max=frames[-1],
        stalls=sum(1 for f in frames if f > 50),
    )
    return result


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


GLOSSARY = load_glossary(ROOT / "glossaries" / "sco-film-festival-2025.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="folder for the 2-hour film")
    parser.add_argument("--cues", type=int, default=1500)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-review-"))
    work.mkdir(parents=True, exist_ok=True)
    cases = {
        "baseline: 60 cues x 2 languages": (60, ("en", "ru")),
        f"{args.cues} cues x {len(SCO_LANGUAGES)} languages": (args.cues, SCO_LANGUAGES),
    }
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (cues, languages) in cases.items():
            folder = work / f"run-{cues}-{len(languages)}"
            film = make_film(work / f"film-{cues}.mp4", cues * 5 + 60)
            make_run(folder, cues, tuple(languages), film)
            started = time.perf_counter()
            write_review(folder, GLOSSARY)
            built = time.perf_counter() - started
            results[name] = {"build_s": built, **measure(browser, folder / "review" / "index.html")}
            size = (folder / "review" / "data.js").stat().st_size
            results[name]["data_mb"] = size / 1e6
        browser.close()
    base = results[next(iter(results))]
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after (frame times grow with it; CPU times much less)"
    )
    keys = (
        "build_s",
        "data_mb",
        "open_ms",
        "open_cpu",
        "p95",
        "max",
        "stalls",
        "cpu_step",
        "cpu_jump",
        "script_jump",
        "layout_jump",
        "edit_ms",
    )
    print(f"{'':38}" + "".join(f"{k:>12}" for k in keys))
    for name, row in results.items():
        print(f"{name:38}" + "".join(f"{row[k]:>12.1f}" for k in keys))
    big = results[list(results)[-1]]
    print(
        f"{'ratio to baseline':38}"
        + "".join(f"{big[k] / base[k]:>12.2f}" if base[k] else f"{'-':>12}" for k in keys)
    )
    print(
        f"opens in {big['open_ms'] / 1000:.2f} s (target: under 2 s; "
        f"{big['open_cpu'] / 1000:.2f} s of CPU); scrolling costs "
        f"{big['cpu_step']:.1f} ms CPU per frame in small steps and {big['cpu_jump']:.1f} ms "
        "per jump (one 60 fps frame: 16.7 ms); frames over 50 ms on this machine: "
        f"{big['stalls']:.0f} of 400 (baseline {base['stalls']:.0f}); a keystroke in "
        f"an edited cell: {big['edit_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
