"""Cue times snapped to the picture's shot changes, for all aligned tracks at once.

The Netflix timing guide (../shared/STANDARDS.md; numbers in ``scodub.langs.TIMING``):
a subtitle that appears or disappears a few frames away from a cut flickers against it.
So an in-time within ``shot_snap_frames`` (7) of a cut moves onto the cut, and one 8 to
11 frames before a cut moves to 12 frames before it; an out-time in those windows moves
to 2 frames before the cut (``shot_out_gap_frames``), or, 8 to 11 frames before a cut
when 2 frames before it is not allowed, onto the 12-frame mark.

A move is made only when every other rule still holds afterwards: the minimum duration
(and, per cue, the longest duration any track's reading speed needs), the maximum
duration, the 2-frame minimum gap, chaining (no gap of 3 to 12 frames left behind), and,
when the end of the cue's last word is known, the out-time never before it nor moved
later than 0.5 s past it (a gap chaining would close past that is opened to 13 frames
instead, where the cue's speech and duration allow). An in-time
that moves earlier onto a cut may pull the previous cue's out-time back to the minimum
gap under the same conditions. What cannot move stays, and ``scodub.text.qc`` reports it
(rules ``shot_in`` and ``shot_out``). A snapped in-time may be up to 7 frames from the
speech it opens: the guide lets the cut win over the 1-2 frame in-time tolerance.

Every track gets the same new times (``snap_tracks``), so the tracks stay aligned.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scodub.data import Track
from scodub.langs import TIMING, subtitle_rules
from scodub.text.linebreak import min_duration_for_cps


@dataclass(frozen=True, slots=True)
class _Frames:
    snap: int  # ms of shot_snap_frames
    clear: int
    out_gap: int
    gap: int  # minimum gap between cues
    chain: int
    open: int  # the shortest gap chaining leaves open (13 frames)
    fps: float

    @classmethod
    def at(cls, fps: float | None) -> _Frames:
        return cls(
            snap=TIMING.frames_ms(TIMING.shot_snap_frames, fps),
            clear=TIMING.frames_ms(TIMING.shot_clear_frames, fps),
            out_gap=TIMING.frames_ms(TIMING.shot_out_gap_frames, fps),
            gap=TIMING.frames_ms(TIMING.min_gap_frames, fps),
            chain=TIMING.frames_ms(TIMING.chain_gap_frames, fps),
            open=TIMING.frames_ms(TIMING.chain_gap_frames + 1, fps),
            fps=TIMING.rule_fps(fps),
        )


@dataclass(frozen=True, slots=True)
class SnapResult:
    tracks: dict[str, Track]  # the input tracks with the snapped times
    moved_in: tuple[int, ...]  # cues whose in-time moved (onto a cut or the 12-frame mark)
    moved_out: tuple[int, ...]  # cues whose out-time moved
    in_on_cut: int  # in-times that now lie exactly on a cut

    def to_json(self) -> dict[str, Any]:
        return {
            "in_times_moved": len(self.moved_in),
            "out_times_moved": len(self.moved_out),
            "in_times_on_cuts": self.in_on_cut,
        }


def frames_to_cut(t: int, cut: int, fps: float | None) -> int:
    """Whole frames from ``t`` to ``cut`` (positive: ``t`` is before the cut)."""
    return round((cut - t) * TIMING.rule_fps(fps) / 1000)


def nearest_cut(cuts: Sequence[int], t: int, after: int | None = None) -> int | None:
    """The cut nearest ``t`` in sorted ``cuts`` (only cuts later than ``after``, if given)."""
    lo = 0 if after is None else bisect.bisect_right(cuts, after)
    i = bisect.bisect_left(cuts, t, lo)
    near = [cuts[j] for j in (i - 1, i) if lo <= j < len(cuts)]
    return min(near, key=lambda c: (abs(c - t), c)) if near else None


def snap_times(
    times: Sequence[tuple[int, int]],
    cuts: Sequence[int],
    fps: float | None,
    *,
    min_ms: Sequence[int] | None = None,
    speech_ends: Sequence[int] | None = None,
) -> tuple[list[tuple[int, int]], tuple[int, ...], tuple[int, ...]]:
    """``times`` snapped to ``cuts`` (see the module docstring): the new times, and the
    indices of the cues whose in-times and out-times moved. ``min_ms[i]``: cue i's shortest
    allowed duration (default: the minimum duration); ``speech_ends[i]``: the end of its
    last word, which its out-time must not precede."""
    f = _Frames.at(fps)
    cuts = sorted(set(cuts))
    starts = [s for s, _ in times]
    ends = [e for _, e in times]
    need = [max(TIMING.min_duration_ms, m) for m in (min_ms or [0] * len(times))]
    floor = list(speech_ends) if speech_ends is not None else [0] * len(times)
    if len(floor) != len(times):
        raise ValueError(f"{len(floor)} speech ends for {len(times)} cues")
    # the out-time may run this late past the speech, where the speech's end is known
    extension = TIMING.out_time_extension_ms
    late = [e + extension for e in floor] if speech_ends is not None else [None] * len(times)
    moved_in = [i for i in range(len(times)) if _snap_in(i, starts, ends, need, floor, cuts, f)]
    for i in range(len(times)):
        _snap_out(i, starts, ends, need, floor, late[i], cuts, f)
    _chain(starts, ends, need, floor, late, f)
    new = list(zip(starts, ends, strict=True))
    return new, tuple(moved_in), tuple(i for i, t in enumerate(times) if t[1] != new[i][1])


def _chain(
    starts: Sequence[int],
    ends: list[int],
    need: Sequence[int],
    floor: Sequence[int],
    late: Sequence[int | None],
    f: _Frames,
) -> None:
    """A gap of 3-12 frames that a move left behind is closed to the minimum gap, as
    chaining asks, where the maximum duration allows; or, where closing it would keep the
    cue up longer past its speech than the out-time may run, opened to 13 frames when the
    cue's speech and duration allow."""
    for i in range(len(starts) - 1):
        gap = starts[i + 1] - ends[i]
        if not f.gap + 1 < gap <= f.chain:
            continue
        closed, opened = starts[i + 1] - f.gap, starts[i + 1] - f.open
        limit = late[i]
        fits = opened >= floor[i] and opened - starts[i] >= need[i]
        if limit is not None and closed > limit and fits:
            ends[i] = opened
            continue
        if closed - starts[i] <= TIMING.max_duration_ms:
            ends[i] = closed


def _in_target(s: int, cuts: Sequence[int], f: _Frames) -> int | None:
    c = nearest_cut(cuts, s)
    if c is None:
        return None
    frames = frames_to_cut(s, c, f.fps)
    if abs(frames) <= TIMING.shot_snap_frames:
        return c if c != s else None
    if TIMING.shot_snap_frames < frames < TIMING.shot_clear_frames:
        return c - f.clear
    return None


def _snap_in(
    i: int,
    starts: list[int],
    ends: list[int],
    need: Sequence[int],
    floor: Sequence[int],
    cuts: Sequence[int],
    f: _Frames,
) -> bool:
    target = _in_target(starts[i], cuts, f)
    if target is None or target < 0:
        return False
    end = max(ends[i], target + need[i])  # a later in-time may need a later out-time
    if end - target > TIMING.max_duration_ms:
        end = target + TIMING.max_duration_ms
    if (end < ends[i] and end < floor[i]) or end - target < need[i]:
        return False
    if i + 1 < len(starts):
        following = starts[i + 1] - end
        if following < f.gap - 1 or f.gap + 1 < following <= f.chain:
            return False  # too close to the next cue, or a gap chaining would have to close
    prev_end = ends[i - 1] if i else None
    if i and prev_end is not None and prev_end <= target - f.gap:
        opened, closed = target - prev_end, target - f.gap
        if f.gap + 1 < opened <= f.chain and closed - starts[i - 1] > TIMING.max_duration_ms:
            return False  # a gap chaining must close, and the previous cue cannot reach it
    if i and prev_end is not None and prev_end > target - f.gap:
        shortened = target - f.gap  # the previous cue makes room, if its rules allow
        if shortened - starts[i - 1] < need[i - 1] or shortened < floor[i - 1]:
            return False
        ends[i - 1] = shortened
    starts[i], ends[i] = target, end
    return True


def _snap_out(
    i: int,
    starts: list[int],
    ends: list[int],
    need: Sequence[int],
    floor: Sequence[int],
    late: int | None,
    cuts: Sequence[int],
    f: _Frames,
) -> bool:
    e = ends[i]
    c = nearest_cut(cuts, e, after=starts[i])
    if c is None:
        return False
    frames = frames_to_cut(e, c, f.fps)
    if frames == TIMING.shot_out_gap_frames:
        return False  # already where the rule wants it
    if abs(frames) <= TIMING.shot_snap_frames:
        targets = [c - f.out_gap]
    elif TIMING.shot_snap_frames < frames < TIMING.shot_clear_frames:
        targets = [c - f.out_gap, c - f.clear]
    else:
        return False
    following = starts[i + 1] if i + 1 < len(starts) else None
    for target in targets:
        duration = target - starts[i]
        if duration < need[i] or duration > TIMING.max_duration_ms:
            continue
        if target < e and target < floor[i]:
            continue  # never pull an out-time back before the end of the speech
        if late is not None and target > e and target > late:
            continue  # nor push it further than the out-time may run past the speech
        if following is not None:
            gap = following - target
            if gap < f.gap - 1 or f.gap + 1 < gap <= f.chain:
                continue  # too close, or a gap that chaining would have to close
        ends[i] = target
        return True
    return False


def cue_min_durations(tracks: Mapping[str, Track]) -> list[int]:
    """Per cue, the longest duration any track's reading speed needs."""
    counts = {len(t.cues) for t in tracks.values()}
    if len(counts) > 1:
        raise ValueError(f"tracks differ in cue count: {sorted(counts)}")
    count = counts.pop() if counts else 0
    need = [0] * count
    for code, track in tracks.items():
        lang = subtitle_rules(code)
        for i, cue in enumerate(track.cues):
            need[i] = max(need[i], min_duration_for_cps(cue.lines, lang))
    return need


def snap_tracks(
    tracks: Mapping[str, Track],
    cuts: Sequence[int],
    fps: float | None,
    speech_ends: Sequence[int] | None = None,
) -> SnapResult:
    """Every track snapped to ``cuts`` with one shared set of new times."""
    if not tracks:
        return SnapResult({}, (), (), 0)
    reference = next(iter(tracks.values()))
    times = [(c.start_ms, c.end_ms) for c in reference.cues]
    for code, track in tracks.items():
        if [(c.start_ms, c.end_ms) for c in track.cues] != times:
            raise ValueError(f"{code} track is not aligned with the other tracks")
    new, moved_in, moved_out = snap_times(
        times, cuts, fps, min_ms=cue_min_durations(tracks), speech_ends=speech_ends
    )
    snapped = {
        code: replace(
            track,
            cues=tuple(
                replace(cue, start_ms=s, end_ms=e)
                for cue, (s, e) in zip(track.cues, new, strict=True)
            ),
        )
        for code, track in tracks.items()
    }
    cut_set = set(cuts)
    return SnapResult(snapped, moved_in, moved_out, sum(1 for s, _ in new if s in cut_set))
