"""Shot-change part of the timing bench (issue 14), run by bench_timing.py.

1. Detection on generated films with known cuts (tests/films.py): the films the detector
   was tuned on (hard cuts, fades through black, dark and bright scenes, cuts between
   shots of similar brightness) and held-out films it never saw while being tuned (other
   sources, other looks, 25 and 29.97 fps). Detectors: scodub's (scodub.media.shots), the
   common ffmpeg recipe ``select='gt(scene,0.4)'``, ffmpeg's ``scdet`` filter (default
   threshold), and PySceneDetect 0.7's ContentDetector and AdaptiveDetector (defaults).
   A detection matches a known cut within 1 frame (hard cuts) or within half the fade
   (fades); precision, recall, the share of matched cuts found on their exact frame.
2. Speed: each detector on a 30 s 1280x720 film, CPU seconds (this process and its ffmpeg
   children; wall time swings 2-3x on a shared machine) per minute of film, best of three,
   alternated; wall time beside it.
3. Snapping: a film with a cut placed near each of 33 cue in-times (-7 to +7 frames:
   the in-time must move onto the cut; 8 to 11 frames before it: to 12 frames before it;
   12 or more, or 8 or more after: left alone); cuts detected by scodub, then
   ``snap_times``; the share of in-times that land exactly where the rules say, with the
   detected cuts and with the known cuts.
"""

from __future__ import annotations

import itertools
import re
import resource
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from films import FILMS, ShotSpec, known_cuts, make_film
from scodub.langs import TIMING
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.media.shots import ShotSettings, detect_shots
from scodub.text.shots import snap_times

HELD_OUT: dict[str, tuple[tuple[ShotSpec, ...], float]] = {
    "held-out-25fps": (
        (
            ShotSpec("life=mold=10:ratio=0.4:mold_color=0x505050", 40),
            ShotSpec("mandelbrot=maxiter=300", 35),
            ShotSpec("testsrc2", 30, "eq=brightness=-0.35,vflip"),
            ShotSpec("testsrc2", 30, "eq=brightness=-0.35"),
            ShotSpec("gradients=seed=9:speed=0.05", 40),
            ShotSpec("smptehdbars", 25, "hue=h=60", fade_out=10),
            ShotSpec("rgbtestsrc", 30, fade_in=10),
            ShotSpec("color=c=0x303030", 30, "noise=alls=10:allf=t"),
            ShotSpec("cellauto=rule=18", 30),
        ),
        25.0,
    ),
    "held-out-29.97fps": (
        (
            ShotSpec("testsrc", 45, "eq=brightness=0.25"),
            ShotSpec("smptebars", 45, "eq=brightness=0.25,hflip"),
            ShotSpec("gradients=seed=3:speed=0.01", 45),
            ShotSpec("gradients=seed=4:speed=0.01", 45, fade_out=14),
            ShotSpec("mandelbrot", 45, "eq=brightness=-0.2", fade_in=14),
            ShotSpec("testsrc2", 12),  # a short shot
            ShotSpec("testsrc2", 45, "hue=h=180"),
        ),
        30000 / 1001,
    ),
}

Detector = Callable[[Path, float], list[int]]


def _scodub(path: Path, fps: float) -> list[int]:
    shots = detect_shots(path, fps, ShotSettings())
    return [round(t * fps / 1000) for t in shots.cuts_ms]


def _ffmpeg_frames(path: Path, fps: float, graph: str, key: str) -> list[int]:
    out = path.with_suffix(".meta.txt")
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path)]
    args += ["-map", "0:v:0", "-vf", f"{graph},metadata=print:key={key}:file={out.name}"]
    subprocess.run([*args, "-f", "null", "-"], check=True, cwd=path.parent)
    times = re.findall(r"pts_time:(\S+)\n" + re.escape(key), out.read_text())
    return [round(float(t) * fps) for t in times]


def _ffmpeg_select(path: Path, fps: float) -> list[int]:
    graph = "scale=160:-2,select='gt(scene,0.4)'"
    return _ffmpeg_frames(path, fps, graph, "lavfi.scene_score")


def _ffmpeg_scdet(path: Path, fps: float) -> list[int]:
    return _ffmpeg_frames(path, fps, "scale=160:-2,scdet", "lavfi.scd.time")


def _pyscenedetect(kind: str) -> Detector:
    def detect(path: Path, fps: float) -> list[int]:
        import scenedetect

        detector = getattr(scenedetect, kind)()
        scenes = scenedetect.detect(str(path), detector)
        return [int(start.frame_num) for start, _ in scenes[1:]]

    return detect


DETECTORS: dict[str, Detector] = {
    "scodub (ffmpeg scene score, adaptive, fades)": _scodub,
    "ffmpeg select scene>0.4": _ffmpeg_select,
    "ffmpeg scdet (default)": _ffmpeg_scdet,
    "PySceneDetect ContentDetector": _pyscenedetect("ContentDetector"),
    "PySceneDetect AdaptiveDetector": _pyscenedetect("AdaptiveDetector"),
}


def _tolerances(shots: tuple[ShotSpec, ...]) -> list[int]:
    return [max(1, (a.fade_out + b.fade_in) // 2) for a, b in itertools.pairwise(shots)]


def _score(found: list[int], truth: list[int], tolerance: list[int]) -> tuple[int, int, int]:
    """(matched cuts, matched exactly, detections that match no cut)."""
    unused = sorted(found)
    matched = exact = 0
    for cut, tol in zip(truth, tolerance, strict=True):
        near = [d for d in unused if abs(d - cut) <= tol]
        if near:
            best = min(near, key=lambda d: abs(d - cut))
            unused.remove(best)
            matched += 1
            exact += best == cut
    return matched, exact, len(unused)


def bench_detection(folder: Path) -> None:
    sets = {
        "tuned-on": {name: (shots, 24.0) for name, shots in FILMS.items()},
        "held-out": HELD_OUT,
    }
    for label, films in sets.items():
        made = {
            name: (make_film(folder / f"{name}.mp4", shots, fps), shots, fps)
            for name, (shots, fps) in films.items()
        }
        truth_total = sum(len(known_cuts(s)) for _, s, _ in made.values())
        print(f"[shots] detection, {label} films ({len(made)} films, {truth_total} cuts):")
        for detector, detect in DETECTORS.items():
            matched = exact = false = found = 0
            misses: list[str] = []
            for name, (path, shots, fps) in made.items():
                frames = detect(path, fps)
                truth = known_cuts(shots)
                m, e, f = _score(frames, truth, _tolerances(shots))
                matched, exact, false, found = (
                    matched + m,
                    exact + e,
                    false + f,
                    found + len(frames),
                )
                if m < len(truth) or f:
                    misses.append(f"{name}: found {frames} known {truth}")
            precision = (found - false) / found if found else 0.0
            recall = matched / truth_total
            print(
                f"  {detector:<46} precision {precision:.1%} recall {recall:.1%} "
                f"exact frame {exact}/{matched}"
            )
            for miss in misses[:2]:
                print(f"      {miss}")


def bench_speed(folder: Path) -> None:
    shots = tuple(
        ShotSpec(src, 72) for src in ("testsrc2", "smptebars", "rgbtestsrc", "gradients") * 3
    )
    path = make_film(folder / "speed-720p.mp4", shots[:10], 24.0, size="1280x720")
    seconds_of_film = 10 * 72 / 24
    print(f"[shots] speed on a {seconds_of_film:.0f} s 1280x720 film (9 cuts):")
    cpus: dict[str, float] = {}
    walls: dict[str, float] = {}
    counts: dict[str, int] = {}
    for _ in range(3):  # alternated, best of three: the machine is shared
        for detector, detect in DETECTORS.items():
            cpu, wall = _cpu_seconds(), time.perf_counter()
            counts[detector] = len(detect(path, 24.0))
            wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
            walls[detector] = min(walls.get(detector, wall), wall)
            cpus[detector] = min(cpus.get(detector, cpu), cpu)
    base = next(iter(cpus.values()))
    for detector, cpu in cpus.items():
        print(
            f"  {detector:<46} CPU {cpu * 60 / seconds_of_film:6.2f} s per minute of film "
            f"({cpu / base:.2f}x scodub's), wall {walls[detector] * 60 / seconds_of_film:6.2f} s, "
            f"{counts[detector]} cuts"
        )


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user and system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_snapping(folder: Path) -> None:
    fps = 24.0
    offsets = [-7, -4, -1, 0, 2, 5, 7, 8, 9, 10, 11, 12, 15, -9]  # cut frame - in-time frame
    plan = [offsets[k % len(offsets)] for k in range(33)]
    in_frames = [30 + 80 * k for k in range(len(plan))]
    cut_frames = [s + o for s, o in zip(in_frames, plan, strict=True)]
    sources = ("testsrc2", "smptebars", "mandelbrot", "rgbtestsrc", "gradients", "testsrc")
    bounds = [0, *cut_frames, cut_frames[-1] + 60]
    shots = tuple(
        ShotSpec(sources[k % len(sources)], b - a)
        for k, (a, b) in enumerate(itertools.pairwise(bounds))
    )
    path = make_film(folder / "snapping.mp4", shots, fps)
    ms = [TIMING.frames_ms(f, fps) for f in in_frames]
    times = [(s, s + 2000) for s in ms]
    truth = [TIMING.frames_ms(c, fps) for c in cut_frames]
    detected = list(detect_shots(path, fps).cuts_ms)
    clear = TIMING.frames_ms(TIMING.shot_clear_frames, fps)
    for label, cuts in (("detected cuts", detected), ("known cuts", truth)):
        new, _, _ = snap_times(times, cuts, fps)
        onto = [new[k][0] == truth[k] for k, o in enumerate(plan) if abs(o) <= 7]
        mark = [new[k][0] == truth[k] - clear for k, o in enumerate(plan) if 8 <= o <= 11]
        kept = [new[k][0] == times[k][0] for k, o in enumerate(plan) if o >= 12 or o <= -8]
        print(
            f"[shots] snapping with {label}: in-times exactly on the cut "
            f"{sum(onto)}/{len(onto)} ({sum(onto) / len(onto):.0%}), exactly 12 frames before "
            f"{sum(mark)}/{len(mark)}, left alone {sum(kept)}/{len(kept)}"
        )


def bench_shots(folder: Path) -> None:
    bench_detection(folder)
    bench_speed(folder)
    bench_snapping(folder)
