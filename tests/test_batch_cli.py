"""``scodub batch`` end to end: validation before work, the same outputs as ``scodub run``,
a failing film failing alone, a re-run reusing every finished stage, the status table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import DATA, SAMPLE, run_cli
from scodub.provision.whisper import ResolvedModel

ROOT = Path(__file__).resolve().parents[1]
TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"


def _catalogue(tmp_path: Path) -> Path:
    """Two films named alike in two folders, and one whose audio is cut off."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    shutil.copy(DATA / "jfk.wav", tmp_path / "a" / "speech.wav")
    shutil.copy(DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav",
                tmp_path / "b" / "speech.wav")  # fmt: skip
    data = SAMPLE.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])  # probes, but decodes short
    manifest = tmp_path / "catalogue.yaml"
    manifest.write_text(
        f"defaults: {{lang: en, langs: [en, ru], mt_model: {TINY_NLLB}}}\n"
        "films:\n  - a/speech.wav\n  - b/speech.wav\n  - cut.mp4\n",
        encoding="utf-8",
    )
    return manifest


def _visible(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }


def test_nothing_starts_until_every_row_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,lang,langs\njfk.wav,en,en\nnope.wav,xx,en\nnope.mkv,en,en\n")
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", str(manifest), "--out", str(out)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and not (out / "batch.json").exists()
    assert lines[0].startswith(f"scodub: invalid: {manifest}:3: nope-") and "'xx'" in lines[0]
    assert (
        lines[1].startswith(f"scodub: invalid: {manifest}:4: nope") and "does not exist" in lines[1]
    )
    assert "--skip-invalid" in lines[-1] and len(lines) == 3
    # --skip-invalid: the valid film runs, the others are reported, the exit code says so.
    code, _, err = run_cli(["batch", str(manifest), "--out", str(out), "--skip-invalid"], capsys)
    state = json.loads((out / "batch.json").read_text())
    assert code == 1 and list(state["films"]) == ["jfk"] and len(state["invalid"]) == 2
    assert {s["status"] for s in state["films"]["jfk"]["stages"].values()} == {"done"}
    assert (out / "jfk" / "jfk.en.srt").exists() and "invalid: " in err


def test_a_batch_writes_what_run_writes_fails_one_film_alone_and_resumes(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = _catalogue(tmp_path)
    out = tmp_path / "out"
    args = ["batch", str(manifest), "--out", str(out), "--workers", "2", "--json"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 1, err  # one film failed
    events = [json.loads(line) for line in stdout.splitlines()]
    assert {e["event"] for e in events} >= {"stage_started", "stage_finished", "stage_failed"}
    failed = [e for e in events if e["event"] == "stage_failed"]
    assert [(e["film"], e["stage"]) for e in failed] == [("cut", "transcribe")]
    assert "truncated or corrupt" in failed[0]["reason"]
    # stderr is no terminal here: one progress line per stage that ends
    progress = [line for line in err.splitlines() if line.startswith("scodub: [")]
    ended = ("stage_finished", "stage_failed", "stage_skipped")
    assert len(progress) == sum(e["event"] in ended for e in events) > 0
    assert any("cut transcribe FAILED: " in line for line in progress), progress
    state = json.loads((out / "batch.json").read_text())
    ids = sorted(state["films"])
    assert len(ids) == 3 and ids[0] == "cut" and all(i.startswith("speech-") for i in ids[1:])
    for film_id in ids[1:]:
        stages = state["films"][film_id]["stages"]
        assert {s["status"] for s in stages.values()} == {"done"}, stages
    assert len(state["model_loads"]) == 2  # one Whisper and one translation model, 3 films
    # Each film's folder holds what `scodub run` writes for it.
    first = next(i for i in ids[1:] if state["films"][i]["path"].endswith("a/speech.wav"))
    solo = tmp_path / "solo"
    code, _, err = run_cli(["run", str(tmp_path / "a" / "speech.wav"), "--lang", "en",
                            "--langs", "en,ru", "--mt-model", str(TINY_NLLB), "--out", str(solo),
                            "-q"], capsys)  # fmt: skip
    assert code == 0, err
    batch_files, run_files = _visible(out / first), _visible(solo)
    assert sorted(batch_files) == sorted(run_files)
    for name in ("speech.en.srt", "speech.ru.srt", "speech.transcript.json"):
        assert batch_files[name] == run_files[name], name
    # The re-run reuses every finished stage and retries only the failed film.
    code, stdout, err = run_cli(args, capsys)
    assert code == 1
    finished = [json.loads(line) for line in stdout.splitlines()][-1]
    assert finished["event"] == "batch_finished"
    # 4 stages of each speech film, and the picture's shots of the film whose audio failed
    assert (finished["done"], finished["reused"], finished["failed"]) == (0, 9, 1)
    assert "9 reused" in err and finished["model_loads"] == []
    code, stdout, _ = run_cli(["batch", "status", str(out)], capsys)
    assert code == 0 and "finished" in stdout.splitlines()[0]
    assert "cut transcribe: failed: " in stdout and "reused" in stdout


def test_one_film_under_two_names_is_transcribed_and_translated_once(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A film and a symlink to it (or a copy) are two rows with their own folders, but
    their transcription and translation are one piece of work, done once."""
    shutil.copy(DATA / "jfk.wav", tmp_path / "speech.wav")
    (tmp_path / "speech (link).wav").symlink_to(tmp_path / "speech.wav")
    manifest = tmp_path / "catalogue.yaml"
    manifest.write_text(
        f"defaults: {{lang: en, langs: [en, ru], mt_model: {TINY_NLLB}}}\n"
        "films:\n  - speech.wav\n  - speech (link).wav\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["batch", str(manifest), "--out", str(out), "--workers", "2", "--json"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    events = [json.loads(line) for line in stdout.splitlines()]
    finished = [e for e in events if e["event"] == "stage_finished"]
    ran = sorted(e["stage"] for e in finished if not e.get("reused"))
    assert ran == ["localize", "publish", "publish", "subtitles", "transcribe"], finished
    state = json.loads((out / "batch.json").read_text())
    first, second = (out / film_id for film_id in state["films"])
    assert _visible(first).keys() == {
        f"speech.{n}" for n in ("en.srt", "ru.srt", "transcript.json", "report.json")
    }
    link = {f"speech (link).{n}" for n in ("en.srt", "ru.srt", "transcript.json", "report.json")}
    assert _visible(second).keys() == link
    for name in ("en.srt", "ru.srt"):
        assert (first / f"speech.{name}").read_bytes() == (
            second / f"speech (link).{name}"
        ).read_bytes()
    files = (first / "speech.transcript.json", second / "speech (link).transcript.json")
    heard = [json.loads(f.read_text()) for f in files]
    assert [Path(h.pop("film")).name for h in heard] == ["speech.wav", "speech (link).wav"]
    assert heard[0] == heard[1]


def test_a_second_batch_in_the_same_folder_writes_nothing_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second batch used to validate its films (making their folders and caches in
    --out) before it found the first one's lock."""
    import fcntl

    from scodub.batch.run import WORK_DIR

    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,lang,langs\njfk.wav,en,en\n")
    out = tmp_path / "out"
    (out / WORK_DIR).mkdir(parents=True)
    with open(out / WORK_DIR / "lock", "a+", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process's lock, as flock
        code, _, err = run_cli(["batch", str(manifest), "--out", str(out)], capsys)
    assert code == 1 and "another scodub batch is running here" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == [WORK_DIR]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.yaml", "films: {a: 1}\n", "'films' must be a list of films"),
        ("m.csv", "file,lang\nx.wav,en\n", "unknown column(s) file"),
    ],
)
def test_a_manifest_that_cannot_be_read_exits_2_as_an_invalid_row_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    code, _, err = run_cli(["batch", str(manifest), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize("where", ["under a file", "dangling link"])
def test_an_output_folder_that_cannot_be_made_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """``--out`` below a file, or a link to a folder that is gone, was a
    NotADirectoryError / FileExistsError traceback from the batch's lock."""
    shutil.copy(DATA / "jfk.wav", tmp_path / "jfk.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,lang,langs\njfk.wav,en,en\n")
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" / "out"
    if where == "dangling link":
        out = tmp_path / "out"
        out.symlink_to(tmp_path / "gone")
    code, _, err = run_cli(["batch", str(manifest), "--out", str(out)], capsys)
    assert code != 0 and err.count("\n") == 1 and err.startswith(f"scodub: error: {out}: "), err
    assert (tmp_path / "notes.txt").read_text() == "mine" and not (tmp_path / "gone").exists()


def test_local_workers_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each worker may load a model: --workers 100000 is a usage error, not 100000
    processes for a catalogue's transcriptions ready at once."""
    manifest = tmp_path / "films.csv"
    manifest.write_text("path\nnone.mp4\n", encoding="utf-8")
    code, _, err = run_cli(["batch", str(manifest), "--out", str(tmp_path / "o"), "--workers",
                            "100000"], capsys)
    assert code == 2 and "--workers" in err and "1<=x<=256" in err, err

