"""Shared fixtures: real media, the real Whisper model loaded once per session."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (a red CI run must be reproducible,
# never a matter of luck); HYPOTHESIS_PROFILE=explore draws new ones when hunting locally.
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from references import JFK_REFERENCE, librivox_references  # noqa: E402, F401
from scodub.media.ffmpeg import ffmpeg_exe  # noqa: E402

DATA = ROOT / "tests" / "data"
SAMPLE = ROOT / "samples" / "sco-sample.mp4"
SHARED = ROOT.parent / "shared"


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the ``scodub`` CLI in-process exactly as the console script does:
    (exit code, stdout, stderr)."""
    from scodub.cli import main

    old = sys.argv
    sys.argv = ["scodub", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


@contextlib.contextmanager
def serve_review(folder: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``scodub review FOLDER --serve`` in a child process: its URL (once it serves) and
    the process; stopped on leaving."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "scodub", "review", str(folder), "--serve"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        match = re.search(r"serving on (http://127\.0\.0\.1:\d+/[\w-]+/)", line)
        if match:
            url = match[1]
            break
    try:
        assert url, process.stderr.read() if process.stderr else ""
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True
    )


@pytest.fixture(scope="session")
def whisper_model() -> Iterator[object]:
    """The embedded Whisper base, assembled and loaded once for the whole session."""
    from scodub.asr.whisper import AsrSettings, load_model, prepare, resolve_device

    settings, model = prepare(AsrSettings())
    device, compute = resolve_device(settings.device, settings.compute_type)
    load_model(str(model.path), device, compute, 0)
    yield model


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small generated media for the bad-input cases (real ffmpeg)."""
    folder = tmp_path_factory.mktemp("media")
    run_ffmpeg(
        "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "4", str(folder / "silent.wav")
    )
    # A music-only clip: a chord progression with a beat, no voice.
    chord = (
        "aevalsrc='(0.3*sin(2*PI*(220+55*floor(t/1.5))*t)+0.2*sin(2*PI*330*t)"
        "+0.2*sin(2*PI*440*t))*(0.6+0.4*sin(2*PI*2*t))':s=16000:d=12"
    )
    run_ffmpeg("-f", "lavfi", "-i", chord, "-c:a", "aac", str(folder / "music.m4a"))
    run_ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=25",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(folder / "video-only.mp4"),
    )
    (folder / "not-media.mp4").write_text("this is not a film\n" * 50)
    data = SAMPLE.read_bytes()
    (folder / "truncated.mp4").write_bytes(data[: len(data) // 3])
    return folder


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, one per session for every browser test (a fixture imported into
    each test module would start one Playwright per module; two sync Playwrights cannot
    run in one process)."""
    from review_browser import chromium_session

    yield from chromium_session()
