"""The command line end to end: real film, real model, every bad-input case."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from scodub.cli import main
from scodub.models import ResolvedModel


def scodub(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process exactly as the console script does."""
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


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = scodub(["--version"], capsys)
    assert code == 0 and "scodub, version" in out
    for command in ([], ["transcribe"], ["run"], ["models"], ["qc"]):
        code, out, _ = scodub([*command, "--help"], capsys)
        assert code == 0 and "Usage:" in out, command


def test_transcribe_writes_srt_and_transcript_then_reuses_cache(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    film = tmp_path / "sco sample «фильм» 'quoted'.mp4"
    shutil.copy(SAMPLE, film)
    out = tmp_path / "out put"
    code, stdout, err = scodub(["transcribe", str(film), "--out", str(out), "--json"], capsys)
    assert code == 0, err
    report = json.loads(stdout)
    srt = out / f"{film.stem}.en.srt"
    assert report["outputs"]["srt.en"] == str(srt) and srt.exists()
    assert "ask not what your country" in srt.read_text(encoding="utf-8").lower()
    transcript = json.loads((out / f"{film.stem}.transcript.json").read_text(encoding="utf-8"))
    assert transcript["transcript"]["language"] == "en"
    assert transcript["transcript"]["segments"][0]["words"][0][1] < 1000
    stage = report["stages"]["transcribe"]
    assert stage["cached"] is False and stage["language"] == "en"
    assert report["stages"]["subtitles"]["en"]["qc"]["summary"]["hard_violations"] == 0
    # Same inputs and settings: the transcript is reused.
    code, stdout, _ = scodub(["run", str(film), "--out", str(out), "--json", "-q"], capsys)
    again = json.loads(stdout)["stages"]["transcribe"]
    assert code == 0 and again["cached"] is True and again["seconds"] < stage["seconds"] / 3


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("missing.mp4", [], "missing.mp4: file does not exist"),
        ("not-media.mp4", [], "not-media.mp4: not a"),
        ("truncated.mp4", [], "truncated.mp4: truncated or corrupt"),
        ("video-only.mp4", [], "video-only.mp4: has no audio stream"),
        ("silent.wav", ["--lang", "xx"], "unknown language code 'xx'"),
        ("silent.wav", ["--lang", "ky"], "Whisper cannot transcribe Kyrgyz"),
    ],
)
def test_bad_input_one_line_error(
    name: str,
    args: list[str],
    message: str,
    media_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = scodub(
        ["transcribe", str(media_dir / name), "--out", str(tmp_path), *args], capsys
    )
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("scodub: error: ") and message in err, err


def test_unwritable_output_folder(
    media_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    code, _, err = scodub(
        ["transcribe", str(media_dir / "silent.wav"), "--out", str(blocker / "sub")], capsys
    )
    assert code != 0 and "not writable" in err and err.count("\n") == 1


@pytest.mark.parametrize("name", ["silent.wav", "music.m4a"])
def test_silence_and_music_give_a_reported_empty_track(
    name: str,
    whisper_model: ResolvedModel,
    media_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, stdout, err = scodub(
        ["transcribe", str(media_dir / name), "--lang", "en", "--out", str(tmp_path), "--json"],
        capsys,
    )
    assert code == 0, err
    report = json.loads(stdout)
    assert report["stages"]["subtitles"]["en"]["cues"] == 0
    assert any("speech" in note for note in report["stages"]["transcribe"]["notes"])


def test_failed_run_keeps_earlier_outputs(
    whisper_model: ResolvedModel,
    media_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    film = tmp_path / "film.wav"
    shutil.copy(ROOT / "tests" / "data" / "jfk.wav", film)
    out = tmp_path / "out"
    assert scodub(["transcribe", str(film), "--out", str(out), "-q"], capsys)[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    shutil.copy(media_dir / "truncated.mp4", film)  # the same name now holds a broken file
    assert scodub(["transcribe", str(film), "--out", str(out), "-q"], capsys)[0] != 0
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert all(after.get(p) == data for p, data in before.items() if ".scodub" not in p.parts)


def test_console_script_entry_point(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scodub", "transcribe", str(tmp_path / "nope.mkv")],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("nope.mkv: file does not exist")
