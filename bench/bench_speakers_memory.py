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
   one extractor call per speech segment, as before);
3. the clustering of a long film, which runs its spectral step on at most
   ``speakercluster.MAX_WINDOWS`` windows: for a clip of ``--cluster-minutes`` of turns
   between the real speakers of bench/bench_speakers.py (JFK, the LibriVox reader, and
   pocketsphinx's and festvox-ru's speakers where installed), its voice prints are made
   once, then clustered with each sample size in a fresh child: the memory the clustering
   adds to the loaded models, the seconds, and the share of speech given to the wrong
   speaker (against the clip's truth); the baseline is the former size, 3000.

Run: ``.venv/bin/python bench/bench_speakers_memory.py [--minutes 40] [--calls 500]
[--cluster-minutes 40]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
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


PRINTS = """
sys.path.insert(0, {bench!r})
from bench_speakers import speakers
from speaker_clips import build_clip
from scodub.asr.speakerstream import SpeakerStream
voices = speakers(Path("/"), Path("/tmp"))
clip = build_clip({{k: v[0] for k, v in voices.items() if v[2] == "real"}}, seed=11,
                  turns=int({minutes} * 60 / 4.5), turn_ms=(1000, 8000))
stream = SpeakerStream()
for i in range(0, clip.audio.size, 16000 * 60):
    stream.feed(clip.audio[i : i + 16000 * 60])
embedded = stream.finish()
np.savez({out!r}, spans=np.asarray(embedded.spans).reshape(-1, 2), vectors=embedded.vectors)
Path({out!r} + ".json").write_text(json.dumps({{"turns": clip.turns,
    "speakers": sorted(clip.speakers), "minutes": clip.audio.size / 16000 / 60}}))
print(json.dumps({{"windows": len(embedded.spans)}}))
"""

CLUSTER = """
sys.path.insert(0, {tests!r})
from senko.cluster.cluster_cpu import SpectralCluster
from scodub.asr import speakercluster
from scodub.asr.speakers import Embedded, SpeakerSettings, cluster_turns
from speaker_clips import score_turns
saved = np.load({out!r})
embedded = Embedded(tuple(map(tuple, saved["spans"].tolist())), saved["vectors"])
truth = json.loads(Path({out!r} + ".json").read_text())["turns"]
speakercluster.label_windows(embedded.vectors[:300], None)  # imports and warms up
speakercluster.MAX_WINDOWS = {size}
import resource
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
turns = cluster_turns(embedded, SpeakerSettings())
seconds = time.perf_counter() - start
added = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
score = score_turns(truth, [(t.start_ms, t.end_ms, t.speaker) for t in turns])
print(json.dumps({{"added_mib": added, "seconds": seconds, "confusion": score.confusion,
                  "found": score.found}}))
"""


def _child(body: str, **fields: object) -> dict[str, object]:
    code = (COMMON + body).format(
        src=str(ROOT / "src"), tests=str(ROOT / "tests"), bench=str(ROOT / "bench"), **fields
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"child failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=40)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--cluster-minutes", type=float, default=40.0)
    parser.add_argument("--skip-stream", action="store_true", help="parts 1 and 2 not run")
    args = parser.parse_args()
    if not args.skip_stream:
        stream_parts(args)
    clustering(args.cluster_minutes)


def clustering(minutes: float) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from scodub.asr.speakercluster import MAX_WINDOWS

    with tempfile.TemporaryDirectory() as scratch:
        out = str(Path(scratch) / "prints.npz")
        made = _child(PRINTS, minutes=minutes, out=out)
        truth = json.loads(Path(out + ".json").read_text())
        print(
            f"clustering a {truth['minutes']:.0f}-minute clip of {len(truth['turns'])} turns, "
            f"speakers {', '.join(truth['speakers'])}: {made['windows']} windows"
        )
        results = {}
        for size in sorted({3000, 2000, MAX_WINDOWS, 1000}, reverse=True):
            got = _child(CLUSTER, out=out, size=size)
            results[size] = got
            mark = " (baseline)" if size == 3000 else " (now)" if size == MAX_WINDOWS else ""
            print(
                f"  sample of {size:5d}{mark:11s} +{float(str(got['added_mib'])):5.0f} MiB, "
                f"{float(str(got['seconds'])):5.1f} s, wrong speaker "
                f"{float(str(got['confusion'])):.1%}, speakers found {got['found']}"
            )
        now, base = results[MAX_WINDOWS], results[3000]
        ratio = float(str(now["added_mib"])) / max(1.0, float(str(base["added_mib"])))
        print(f"  memory added, now/baseline: {ratio:.2f}")


def stream_parts(args: argparse.Namespace) -> None:
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
