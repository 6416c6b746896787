"""Shots stage: a film's cuts, detected once and cached, and every subtitle track of the
run snapped to them at once (``scodub.text.shots``); films without a picture skip it."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scodub.data import Track
from scodub.media.probe import probe
from scodub.media.shots import Shots, ShotSettings, detect_shots
from scodub.stages.cache import StageCache, stage_key
from scodub.text.shots import SnapResult, snap_tracks
from scodub.text.srt import write_srt


@dataclass(frozen=True, slots=True)
class ShotsResult:
    shots: Shots
    cached: bool
    seconds: float


def stage_shots(
    film: Path, out_dir: Path, settings: ShotSettings | None = None
) -> ShotsResult | None:
    """The film's cuts, cached by its content hash and the detector's settings; None for
    a film without a picture."""
    started = time.perf_counter()
    settings = settings or ShotSettings()
    info = probe(film)
    if not info.video:
        return None
    cache = StageCache(out_dir)
    key = stage_key(
        {"stage": "shots", "film": cache.content_hash(film), "settings": settings.key()}
    )
    stored = cache.load("shots", key)
    if stored is not None:
        return ShotsResult(Shots.from_json(stored), True, time.perf_counter() - started)
    shots = detect_shots(film, info.fps, settings)
    cache.store("shots", key, shots.to_json())
    return ShotsResult(shots, False, time.perf_counter() - started)


def snap_outputs(
    tracks: Mapping[str, Track],
    paths: Mapping[str, Path],
    shots: Shots,
    fps: float | None,
    speech_ends: Sequence[int] | None = None,
) -> SnapResult:
    """Snap every track to the cuts with one shared timing and rewrite its SRT file."""
    result = snap_tracks(tracks, shots.cuts_ms, fps or shots.fps, speech_ends)
    if result.moved_in or result.moved_out:
        for code, track in result.tracks.items():
            write_srt(track, paths[code])
    return result


def shots_json(found: ShotsResult, snapped: SnapResult) -> dict[str, Any]:
    """The run report's entry: cuts found and cues moved to them."""
    return {
        "cached": found.cached,
        "seconds": round(found.seconds, 3),
        "cuts": len(found.shots.cuts_ms),
        "frames": found.shots.frames,
        **snapped.to_json(),
    }
