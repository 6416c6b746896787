"""Generated films with known shot changes (real ffmpeg, lavfi sources), for the shot
tests and bench/bench_timing.py.

Each shot is a lavfi source (moving test patterns, a zooming fractal, colour bars, a
cellular automaton, grey with moving grain), optionally darkened or brightened, faded in
or out through black. The known cut of two shots is the first frame of the second; a fade
out of one shot into a fade in of the next is one shot change at that frame.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from scodub.media.ffmpeg import ffmpeg_exe

SIZE = "320x180"


@dataclass(frozen=True, slots=True)
class ShotSpec:
    source: str  # a lavfi source without size/rate, e.g. "testsrc2" or "color=c=gray"
    frames: int
    look: str = ""  # extra filters: "eq=brightness=-0.3", "hflip,vflip", ...
    fade_in: int = 0  # frames
    fade_out: int = 0


# Plain cuts between different sources, some with fast motion inside the shot.
HARD_CUTS = (
    ShotSpec("testsrc2", 40),
    ShotSpec("smptebars", 30),
    ShotSpec("mandelbrot", 50),
    ShotSpec("rgbtestsrc", 28),
    ShotSpec("cellauto=rule=110:seed=1", 45),
    ShotSpec("color=c=0x707070", 36, "noise=alls=30:allf=t"),
    ShotSpec("testsrc", 33),
    ShotSpec("smptehdbars", 40),
)
# Fades through black between shots.
FADES = (
    ShotSpec("testsrc2", 48, fade_out=12),
    ShotSpec("smptebars", 48, fade_in=12, fade_out=8),
    ShotSpec("mandelbrot", 48, fade_in=8, fade_out=16),
    ShotSpec("rgbtestsrc", 40, fade_in=16),
)
# Dark and bright scenes, cut into each other and into normal ones.
DARK_BRIGHT = (
    ShotSpec("testsrc2", 40, "eq=brightness=-0.3"),
    ShotSpec("mandelbrot", 40, "eq=brightness=-0.25"),
    ShotSpec("smptebars", 36, "eq=brightness=0.35"),
    ShotSpec("testsrc", 40, "eq=brightness=0.3"),
    ShotSpec("testsrc2", 40, "eq=brightness=-0.3,hflip"),
    ShotSpec("cellauto=rule=30:seed=1", 30, "eq=brightness=-0.2"),
)
# Cuts whose two sides have the same brightness but different content: the same pattern
# mirrored, two soft colour gradients, the same bars re-coloured.
SIMILAR = (
    ShotSpec("testsrc2", 40),
    ShotSpec("testsrc2", 40, "hflip,vflip"),
    ShotSpec("gradients=seed=1:speed=0.02", 36),
    ShotSpec("gradients=seed=5:speed=0.02", 36),
    ShotSpec("smptebars", 30),
    ShotSpec("smptebars", 30, "hue=h=120"),
    ShotSpec("testsrc", 30),
    ShotSpec("testsrc", 30, "hflip"),
)
FILMS: dict[str, tuple[ShotSpec, ...]] = {
    "hard-cuts": HARD_CUTS,
    "fades": FADES,
    "dark-bright": DARK_BRIGHT,
    "similar": SIMILAR,
}


def known_cuts(shots: tuple[ShotSpec, ...]) -> list[int]:
    """Frame indices where a new shot starts."""
    cuts, at = [], 0
    for shot in shots[:-1]:
        at += shot.frames
        cuts.append(at)
    return cuts


def make_film(
    path: Path,
    shots: tuple[ShotSpec, ...],
    fps: float = 24.0,
    *,
    audio: Path | None = None,
    size: str = SIZE,
) -> Path:
    """Render ``shots`` into an H.264 film at ``fps`` (with ``audio`` as its sound, if given)."""
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    chains = []
    for k, shot in enumerate(shots):
        joiner = ":" if "=" in shot.source else "="
        args += ["-f", "lavfi", "-i", f"{shot.source}{joiner}s={size}:r={fps}"]
        steps = [f"trim=end_frame={shot.frames}", "setpts=PTS-STARTPTS", "format=yuv420p"]
        if shot.look:
            steps.append(shot.look)
        if shot.fade_in:
            steps.append(f"fade=t=in:s=0:n={shot.fade_in}")
        if shot.fade_out:
            steps.append(f"fade=t=out:s={shot.frames - shot.fade_out}:n={shot.fade_out}")
        steps.append(f"scale={size.replace('x', ':')},setsar=1")
        chains.append(f"[{k}:v]{','.join(steps)}[v{k}]")
    if audio is not None:
        args += ["-i", str(audio)]
    joined = "".join(f"[v{k}]" for k in range(len(shots)))
    graph = ";".join([*chains, f"{joined}concat=n={len(shots)}:v=1:a=0[v]"])
    args += ["-filter_complex", graph, "-map", "[v]"]
    if audio is not None:
        args += ["-map", f"{len(shots)}:a:0", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-r", str(fps)]
    args += [str(path)]
    subprocess.run(args, check=True)
    return path
