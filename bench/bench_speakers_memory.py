"""Resident memory of the streamed speaker pass (``asr.speakerstream``) on a long film
(issue 10, "Long films").

senko's C fbank extractor (``libfbank_extractor.so``) keeps about 190 KiB per call, however
few windows it is given. ``SpeakerStream`` called it once per speech segment (about one
call a second of film), which grew the resident set by about 3 MiB per minute: 360 MiB on
a two-hour film. It now calls it once per fed block (one a minute). Measured here, each
case in a fresh child process:

1. the extractor alone: resident growth per call over ``--calls`` calls;
2. ``SpeakerStream`` fed ``--minutes`` of real speech (the LibriVox clips and JFK, looped
   with pauses) a minute at a time: resident set at each tenth of the way, growth per
   minute and seconds, for the current code and for the baseline (the same stream with
   one extractor call per speech segment, as before).

Run: ``.venv/bin/python bench/bench_speakers_memory.py [--minutes 40] [--calls 500]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMON = """
import ctypes, gc, json, sys, time
from pathlib import Path
import numpy as np
sys.path[:0] = [{src!r}, {tests!r}]
def resident_mib():
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
"""

EXTRACTOR = """
from scodub.asr.speakers import _diarizer
d = _diarizer()
rng = np.random.default_rng(0)
audio = (rng.standard_normal(16000 * 20) * 0.1).astype(np.float32)
windows = d._generate_subsegments([(0.0, 19.0)], None)
d._extract_fbank_features(audio, windows)
before = resident_mib()
for _ in range({calls}):
    d._extract_fbank_features(audio, windows)
print(json.dumps({{"kib_per_call": (resident_mib() - before) * 1024 / {calls}}}))
"""

STREAM = """
from scodub.asr.speakerstream import SpeakerStream
from scodub.media.decode import decode_audio
data = Path({tests!r}) / "data"
clips = [data / "jfk.wav", *sorted((data / "librivox").glob("*.wav"))]
pause = np.zeros(16000, dtype=np.float32)
speech = np.concatenate([part for clip in clips for part in (decode_audio(clip), pause)])
class PerSegment(SpeakerStream):
    # the baseline: one extractor call per speech segment
    def _features(self, segments):
        for segment in segments:
            super()._features([segment])
stream = (PerSegment if {baseline!r} else SpeakerStream)()
minute = 16000 * 60
trace, start, fed = [], time.perf_counter(), 0
first = None
for k in range({minutes}):
    block = np.take(speech, np.arange(fed, fed + minute), mode="wrap")
    stream.feed(block)
    fed += minute
    if k == 0:
        first = resident_mib()
    if (k + 1) % max(1, {minutes} // 10) == 0:
        trace.append(round(resident_mib()))
last = resident_mib()
stream.finish()
print(json.dumps({{"mib_per_minute": (last - first) / max(1, {minutes} - 1), "trace": trace,
                  "seconds": time.perf_counter() - start, "windows": len(stream._spans)}}))
"""


def _child(body: str, **fields: object) -> dict[str, object]:
    code = (COMMON + body).format(src=str(ROOT / "src"), tests=str(ROOT / "tests"), **fields)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"child failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=40)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    extractor = _child(EXTRACTOR, calls=args.calls)
    kib = extractor["kib_per_call"]
    print(f"senko fbank extractor: {kib:.0f} KiB kept per call ({args.calls} calls)")
    now = _child(STREAM, minutes=args.minutes, baseline=False)
    before = _child(STREAM, minutes=args.minutes, baseline=True)
    for name, got in (("per block (now)", now), ("per segment (baseline)", before)):
        print(
            f"{name:24s} {got['mib_per_minute']:6.2f} MiB per minute of film, "
            f"{got['seconds']:6.0f} s, {got['windows']} windows, resident MiB {got['trace']}"
        )
    per_min = float(str(now["mib_per_minute"]))
    base_min = float(str(before["mib_per_minute"]))
    print(
        f"growth ratio now/baseline: {per_min / base_min:.3f}; "
        f"time ratio: {float(str(now['seconds'])) / float(str(before['seconds'])):.2f}; "
        f"projected growth over 2 hours: {per_min * 120:.0f} MiB "
        f"(baseline {base_min * 120:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
