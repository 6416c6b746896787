"""Benchmarks of frame-accurate timing (issue 14), each against a baseline measured in the
same run:

1. in-times: for every clip (the real English clips, Piper-spoken sentences) and every small
   change of it (padding before/after, gain +-6 dB, resampling; bench/timing_clips.py), the
   cues scodub makes from Whisper base's words, with three word timings from the same
   decoding: Whisper's raw word times, the layout branch's snap to padded Silero stretches
   (the baseline), and scodub.asr.edges (now). Per timing: the error of every cue in-time
   that opens a stretch of speech (reference onset, see timing_clips.py): mean, 95th
   percentile and maximum of its absolute value, the share within 2 frames (83 ms at 24 fps);
   for every cue, the silence between its in-time and the next speech ("lead"); and the
   cues whose out-time comes before the end of their last word;
2. shot changes (bench/timing_shots.py): precision, recall and speed of cut detectors on
   generated films with known cuts, and the share of in-times that land on a cut when the
   rules say they must.

Run: ``.venv/bin/python bench/bench_timing.py [--only intimes|shots]`` (several minutes on
2 cores: about 60 transcriptions of 3-40 s clips).
"""

from __future__ import annotations

import argparse
import bisect
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import DATA  # noqa: E402
from scodub.asr import whisper as asr  # noqa: E402
from scodub.data import Segment, Word  # noqa: E402
from scodub.langs import TIMING, get_language  # noqa: E402
from scodub.media.decode import decode_audio  # noqa: E402
from scodub.text.segment import plan_cues  # noqa: E402
from timing_clips import VARIANTS, make_variant, piper_clip, real_clips  # noqa: E402

FRAME2_MS = TIMING.frames_ms(2, None)


def old_snap(segments: Sequence[Segment], audio: np.ndarray) -> list[Segment]:
    """The layout branch's snap (Silero stretches padded by 40 ms; a start in a pause moves
    to the next onset only when that onset is inside the word), kept here as the baseline."""
    from dataclasses import replace

    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=100, speech_pad_ms=40)
    regions = [
        (round(r["start"] / 16), round(r["end"] / 16))
        for r in get_speech_timestamps(audio, options)
    ]
    if not regions:
        return list(segments)
    starts = [r[0] for r in regions]
    out = []
    for seg in segments:
        words = []
        for w in seg.words:
            start, end = w.start_ms, w.end_ms
            i = bisect.bisect_right(starts, start) - 1
            if (
                (i < 0 or start >= regions[i][1])
                and i + 1 < len(regions)
                and regions[i + 1][0] < end
            ):
                start = regions[i + 1][0]
            j = bisect.bisect_right(starts, end - 1) - 1
            if j >= 0 and end > regions[j][1] and regions[j][1] > start:
                end = regions[j][1]
            words.append(replace(w, start_ms=start, end_ms=max(end, start + 1)))
        out.append(replace(seg, words=tuple(words)))
    return out


def transcribe_three(audio: np.ndarray, model: Any) -> dict[str, list[Word]]:
    """One decoding; the words as Whisper timed them, as the baseline snapped them and as
    scodub refines them."""
    captured: dict[str, Any] = {}
    real_snap = asr.snap_to_speech

    def spy(segments: list[Segment], regions: Any) -> list[Segment]:
        captured["raw"] = list(segments)
        return real_snap(segments, regions)

    asr.snap_to_speech = spy  # type: ignore[assignment]
    try:
        transcript = asr.transcribe_audio(audio, asr.AsrSettings(language="en"), model)
    finally:
        asr.snap_to_speech = real_snap  # type: ignore[assignment]
    raw = captured.get("raw", [])
    return {
        "whisper": [w for s in raw for w in s.words],
        "baseline": [w for s in old_snap(raw, audio) for w in s.words],
        "now": list(transcript.words),
    }


@dataclass
class Tally:
    errors: list[int] = field(default_factory=list)  # signed in-time - onset, opening cues
    leads: list[int] = field(default_factory=list)  # silence before speech, every cue
    short_outs: int = 0  # out-time before the last word's end
    short_outs_chained: int = 0  # of which the next cue's in-time (minus the gap) forced it
    cues: int = 0


def measure(words: list[Word], stretches: Sequence[tuple[int, int]], tally: Tally) -> None:
    plan = plan_cues(words, get_language("en"), None)
    tally.cues += len(plan)
    starts = [p.cue.start_ms for p in plan]
    for k, planned in enumerate(plan):
        last_end = max(w.end_ms for w in words[planned.first_word : planned.end_word])
        if planned.cue.end_ms < last_end:
            tally.short_outs += 1
            if k + 1 < len(plan) and planned.cue.end_ms >= starts[k + 1] - FRAME2_MS - 1:
                tally.short_outs_chained += 1
        tally.leads.append(_lead(planned.cue.start_ms, stretches))
    previous_end = 0
    for onset, end in stretches:
        spanning = any(p.cue.start_ms < previous_end and p.cue.end_ms > onset for p in plan)
        opening = [s for s in starts if previous_end <= s < end]
        if opening and not spanning:
            tally.errors.append(min(opening) - onset)
        previous_end = end


def _lead(t: int, stretches: Sequence[tuple[int, int]]) -> int:
    for a, b in stretches:
        if t < b:
            return max(0, a - t)
    return 0


def _summary(tally: Tally) -> str:
    errs = [abs(e) for e in tally.errors]
    if not errs:
        return "no opening cues"
    p95 = float(np.percentile(errs, 95))
    within = sum(e <= FRAME2_MS for e in errs) / len(errs)
    return (
        f"in-time error n={len(errs)} mean {statistics.mean(errs):.0f} ms "
        f"(signed {statistics.mean(tally.errors):+.0f}), p95 {p95:.0f} ms, "
        f"max {max(errs)} ms, within 2 frames {within:.1%}; cues {tally.cues}: lead > 2 frames "
        f"{sum(x > FRAME2_MS for x in tally.leads)}, max lead {max(tally.leads, default=0)} ms; "
        f"out-time before last word end {tally.short_outs} "
        f"({tally.short_outs_chained} forced by a chained next cue)"
    )


def bench_in_times(model: Any, folder: Path) -> None:
    corpora = {"real English": real_clips(DATA), "Piper sentences": [piper_clip(folder)]}
    methods = ("whisper", "baseline", "now")
    for corpus, clips in corpora.items():
        tallies = {(m, g): Tally() for m in methods for g in ("clean", "changed")}
        worst: list[tuple[int, str, str]] = []
        for clip in clips:
            for variant in VARIANTS:
                path = make_variant(clip, variant, folder)
                words = transcribe_three(decode_audio(path), model)
                shifted = [(a + variant.shift_ms, b + variant.shift_ms) for a, b in clip.stretches]
                group = "clean" if variant.name == "clean" else "changed"
                for method in methods:
                    tally = tallies[(method, group)]
                    before = len(tally.errors)
                    measure(words[method], shifted, tally)
                    if method == "now" and tally.errors[before:]:
                        worst.append(
                            (max(map(abs, tally.errors[before:])), clip.name, variant.name)
                        )
        print(f"[in-time] {corpus}: {len(clips)} clip(s) x {len(VARIANTS)} inputs")
        for (method, group), tally in tallies.items():
            print(f"  {method:<8} {group:<7} {_summary(tally)}")
        worst.sort(reverse=True)
        print(f"  worst (now): {worst[:3]}")


def _timed(label: str, fn: Callable[[], None]) -> None:
    import time

    start = time.perf_counter()
    fn()
    print(f"[{label}] {time.perf_counter() - start:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("intimes", "shots"), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "intimes"):
            _, model = asr.prepare(asr.AsrSettings())
            _timed("in-times", lambda: bench_in_times(model, folder))
        if args.only in (None, "shots"):
            from timing_shots import bench_shots

            _timed("shots", lambda: bench_shots(folder))


if __name__ == "__main__":
    main()
