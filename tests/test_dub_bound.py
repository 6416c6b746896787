"""What is voiced per cue is bounded, so the dub's memory does not depend on a cue's
text (issue 7 item 12: one cue of 5,000 characters took 19.6 GB, 200 KB crashed
onnxruntime). Measured with the real Piper voice in child processes: ``ru_maxrss`` of the
children counts onnxruntime's own allocations, which tracemalloc cannot see."""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from scodub.dub.fitting import FitPolicy, bound_text, speakable_chars

# Each child may use at most 4 GiB of address space: without the bound, a 20,000-character
# cue needs ~33 GB and fails fast instead of taking the machine down.
_LIMIT = 4 << 30
WORDS = "the festival opens in the city today with films from every member state".split()  # noqa: SIM905


def long_text(chars: int) -> str:
    text = " ".join(WORDS[i % len(WORDS)] for i in range(chars // 4 + 1))
    return text[:chars]


def test_the_bound_follows_the_slot_and_has_a_hard_cap() -> None:
    policy = FitPolicy()
    fastest = policy.max_chars_per_second * policy.max_engine_rate * policy.max_stretch
    assert speakable_chars(2000, policy) == math.ceil(2 * fastest) + 8
    assert speakable_chars(3_600_000, policy) == policy.max_cue_chars
    assert speakable_chars(0, policy) == 8
    voiced, rest = bound_text("one two three four", 9)
    assert (voiced, rest) == ("one two", "three four")  # never half a word
    assert bound_text("一二三四五六", 4) == ("一二三四", "五六")  # no spaces: cut at the limit
    assert bound_text("short", 10) == ("short", "")


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_LIMIT, _LIMIT))


def _dub_peak_mb(
    tmp_path: Path, name: str, cue: str
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``scodub dub`` on the sample with one extra cue; its peak RSS and the result."""
    srt = tmp_path / f"{name}.en.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nAnd so my fellow Americans.\n\n"
        f"2\n00:00:05,000 --> 00:00:09,000\n{cue}\n\n"
        "3\n00:00:10,000 --> 00:00:12,000\nThank you.\n",
        encoding="utf-8",
    )
    import imageio_ffmpeg

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        # The bundled ffmpeg: the system's may be too old to measure loudness (issue 7 item 1).
        "SCODUB_FFMPEG": imageio_ffmpeg.get_ffmpeg_exe(),
    }
    script = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'scodub', *sys.argv[1:]])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "dub", str(SAMPLE), "--track", f"en={srt}",
         "--no-backcheck", "--json", "--out", str(tmp_path / name)],
        capture_output=True, text=True, env=env, preexec_fn=_limit, timeout=600, check=False,
    )  # fmt: skip
    peak_kb = int(result.stdout.strip().splitlines()[-1])
    return peak_kb / 1024, result


@pytest.mark.slow
def test_dub_memory_does_not_depend_on_a_cues_text(tmp_path: Path) -> None:
    # Both cues hold far more than their 5 s slot can say: the same ~210 characters are
    # voiced, so the same memory is used (before the bound: 1.7 GB, then over 30 GB).
    short_mb, short = _dub_peak_mb(tmp_path, "short", long_text(1_000))
    assert short.returncode == 0, short.stderr[-2000:]
    long_mb, result = _dub_peak_mb(tmp_path, "long", long_text(20_000))
    assert result.returncode == 0, result.stderr[-2000:]
    assert abs(long_mb - short_mb) < 100, f"peak {long_mb:.0f} MB vs {short_mb:.0f} MB"
    assert long_mb < 1024
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    line = report["languages"]["en"]["lines"][1]
    slot_ms = line["slot_ms"]
    assert (
        line["unvoiced_chars"]
        == 20_000 - len(bound_text(long_text(20_000), speakable_chars(slot_ms))[0]) - 1
    )  # the space at the cut is neither voiced nor left over
    assert line["unvoiced"].startswith(long_text(20_000)[20_000 - line["unvoiced_chars"] :][:40])
    assert not line["fitted"]
    assert "cue 2: " in " ".join(report["warnings"]) and "not voiced" in " ".join(
        report["warnings"]
    )
    assert "not voiced" in result.stderr
