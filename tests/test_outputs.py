"""Who writes in an output folder, and what is checked before any work: one run at a time
(a lock the kernel drops when its holder dies), one film per file name, the spoken
language detected before deciding that a translation model is needed, and every check
that needs no model made before one is loaded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT, SAMPLE, run_cli, run_ffmpeg
from scodub.media.probe import probe_streams

pytestmark = pytest.mark.slow

JFK = DATA / "jfk.wav"
LIBRIVOX = "sense_and_sensibility_01_austen_64kb-0870.wav"
HOLD = """
import sys, time
from pathlib import Path
from scodub.stages.outputs import output_lock
with output_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_into_a_held_folder_is_refused_until_the_holder_dies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    holder = _holder(tmp_path)
    try:
        code, _, err = run_cli(
            ["transcribe", str(JFK), "--lang", "en", "-o", str(tmp_path)], capsys
        )
        assert code == 1 and err.count("\n") == 1
        assert f"another scodub run is writing here (pid {holder.pid})" in err
        assert not (tmp_path / "jfk.en.srt").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    code, _, err = run_cli(["transcribe", str(JFK), "--lang", "en", "-o", str(tmp_path)], capsys)
    assert code == 0, err  # kill -9 of the holder released the lock
    assert (tmp_path / "jfk.en.srt").exists()


def test_films_with_the_same_name_never_overwrite_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    for name, source in (
        ("a", JFK),
        ("b", DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"),
    ):
        (tmp_path / name).mkdir()
        shutil.copy(source, tmp_path / name / "film.wav")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["transcribe", str(tmp_path / "a" / "film.wav"), "--lang", "en", "-o", str(out)], capsys
    )
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    code, _, err = run_cli(
        ["transcribe", str(tmp_path / "b" / "film.wav"), "--lang", "en", "-o", str(out)], capsys
    )
    assert code == 1 and err.count("\n") == 1
    assert "already holds the outputs of" in err and "a/film.wav" in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    # The same film again (or re-encoded in place) is the same film: it may re-run.
    code, _, err = run_cli(
        ["transcribe", str(tmp_path / "a" / "film.wav"), "--lang", "en", "-o", str(out)], capsys
    )
    assert code == 0, err


def test_outputs_of_a_replaced_film_that_a_run_did_not_remake_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    """A dub of the old cut is not left beside the new cut's subtitles without a word."""
    film, out = tmp_path / "the film.mkv", tmp_path / "out"
    cuts = {}
    for name, audio in (("old", JFK), ("new", DATA / "librivox" / LIBRIVOX)):
        cuts[name] = tmp_path / f"{name}.mkv"
        run_ffmpeg(
            "-f", "lavfi", "-i", "color=c=gray:size=64x64:rate=5", "-i", str(audio),
            "-shortest", "-c:v", "mpeg4", "-c:a", "flac", str(cuts[name]),
        )  # fmt: skip
    shutil.copy(cuts["old"], film)
    dub = ["run", str(film), "--lang", "en", "--langs", "en", "-o", str(out), "--dub"]
    dub += ["--dub-langs", "en", "--voice", "en=espeak", "--no-backcheck"]
    code, _, err = run_cli(dub, capsys)
    assert code == 0, err
    made = [out / "the film.dub.json", out / "the film.dub.mkv"]
    assert all(p.is_file() for p in made)
    again = ["transcribe", str(film), "--lang", "en", "-o", str(out)]
    code, _, err = run_cli(again, capsys)  # the same film: its dub is current
    assert code == 0 and "warning" not in err, err
    shutil.copy(cuts["new"], film)
    for _ in range(2):  # named by every run until it is remade or removed
        code, _, err = run_cli(again, capsys)
        assert code == 0
        assert err.splitlines() == [
            f"scodub: warning: {p} was made from an earlier version of the film.mkv and this "
            "run did not remake it (remake it with the options that made it and --force, or "
            "remove it)"
            for p in made
        ]
        report = json.loads((out / "the film.report.json").read_text(encoding="utf-8"))
        assert report["stale_outputs"] == [str(p) for p in made]
    code, _, err = run_cli([*dub, "--force"], capsys)
    assert code == 0 and "warning" not in err, err
    report = json.loads((out / "the film.report.json").read_text(encoding="utf-8"))
    assert report["stale_outputs"] == []


def test_targets_that_are_the_spoken_language_need_no_translation_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    # No --lang: the language is detected before deciding; English needs no model.
    code, out, err = run_cli(["run", str(JFK), "--langs", "en", "-o", str(tmp_path)], capsys)
    assert code == 0, err
    assert (tmp_path / "jfk.en.srt").exists() and "en (p=" in out
    # Russian does need one: refused before transcription, naming the model.
    code, _, err = run_cli(["run", str(JFK), "--langs", "ru", "-o", str(tmp_path / "ru")], capsys)
    assert code != 0 and "nllb" in err.lower() and err.count("\n") == 1
    assert not (tmp_path / "ru" / "jfk.transcript.json").exists()


def test_checks_without_a_model_come_before_any_model_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import scodub.asr.whisper

    def refuse(*_args: object) -> None:
        raise AssertionError("a Whisper model was loaded")

    monkeypatch.setattr(scodub.asr.whisper, "load_model", refuse)
    base = ["run", str(SAMPLE), "--lang", "en", "--dub", "-o", str(tmp_path)]
    code, _, err = run_cli([*base, "--dub-langs", "ru"], capsys)
    assert code == 2 and "cannot dub ru: no subtitle track" in err
    code, _, err = run_cli([*base, "--voice", "en=/nowhere/en.onnx"], capsys)  # spoken only
    assert code == 2 and "--dub: nothing to dub" in err and "--dub-langs en" in err
    (tmp_path / "sco-sample.dub.mkv").write_bytes(b"finished delivery")
    code, _, err = run_cli([*base, "--dub-langs", "en"], capsys)
    assert code == 1 and "sco-sample.dub.mkv: already exists" in err
    assert (tmp_path / "sco-sample.dub.mkv").read_bytes() == b"finished delivery"
    assert not (tmp_path / "sco-sample.transcript.json").exists()


def test_a_film_without_speech_is_dubbed_as_its_own_soundtrack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    """No speech heard: the tracks have no cues, and the dub is the soundtrack with
    nothing voiced (it said 'ru track: has no cues: nothing to dub', and nothing of the
    finished run was written)."""
    film, out = tmp_path / "credits.mp4", tmp_path / "out"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:d=4", "-f", "lavfi",
               "-i", "sine=f=440:d=4", "-c:v", "mpeg4", "-c:a", "aac", str(film))  # fmt: skip
    code, _, err = run_cli(["run", str(film), "--lang", "en", "-o", str(out), "--dub",
                            "--dub-langs", "en", "--voice", "en=espeak", "-q"], capsys)  # fmt: skip
    assert code == 0, err
    assert (out / "credits.en.srt").read_text(encoding="utf-8") == ""
    report = json.loads((out / "credits.dub.json").read_text(encoding="utf-8"))
    assert [len(lang["lines"]) for lang in report["languages"].values()] == [0]
    kinds = [s.type for s in probe_streams(out / "credits.dub.mkv")]
    assert kinds == ["video", "audio", "audio"]  # the picture, the original, the dub


def test_a_run_and_a_batch_never_share_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run's outputs among a batch's film folders hid the batch from the review page:
    each refuses the other's folder before any work."""
    batch_out = tmp_path / "batch"
    (batch_out / ".scodub-batch").mkdir(parents=True)
    code, _, err = run_cli(["run", str(SAMPLE), "--lang", "en", "-o", str(batch_out)], capsys)
    assert code == 1 and err.strip() == (
        f"scodub: error: {batch_out}: is a scodub batch's folder; write this film into "
        "another --out"
    )
    assert not (batch_out / ".scodub").exists()
    run_out = tmp_path / "run"
    (run_out / ".scodub").mkdir(parents=True)
    (run_out / ".scodub" / "films.json").write_text("{}", encoding="utf-8")
    manifest = tmp_path / "films.yaml"
    manifest.write_text(f"films:\n  - {SAMPLE}\n", encoding="utf-8")
    code, _, err = run_cli(["batch", str(manifest), "--lang", "en", "--out", str(run_out)], capsys)
    assert code == 1 and err.strip().endswith(
        f"{run_out}: holds the outputs of a scodub run; write the batch into another --out"
    ), err
    assert not (run_out / ".scodub-batch").exists()


def test_an_output_folder_that_is_a_dangling_link_says_so(tmp_path: Path) -> None:
    """``--out`` a link to a folder that is gone (an unmounted disk) read "output folder
    is not writable (File exists)"; the line names the link and where it points."""
    from scodub.errors import OutputError
    from scodub.fsutil import ensure_writable_dir

    out = tmp_path / "out"
    out.symlink_to(tmp_path / "gone" / "films")
    with pytest.raises(OutputError) as err:
        ensure_writable_dir(out)
    assert str(err.value) == (
        f"{out}: output folder is a link to {tmp_path / 'gone' / 'films'}, which does not exist"
    )
    assert out.is_symlink() and not (tmp_path / "gone").exists()
