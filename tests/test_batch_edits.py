"""A batch run again after its manifest (or folder) changed: what was finished for a film
stays finished, in the folder it was made in."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT, SAMPLE, run_cli, run_ffmpeg
from scodub.asr.whisper import AsrSettings
from scodub.batch.manifest import Defaults, path_tag, read_manifest, scan_folder
from scodub.batch.run import batch_lock, run_batch
from scodub.batch.schedule import Schedule
from scodub.batch.validate import validate
from scodub.provision.whisper import ResolvedModel
from scodub.stages.film import open_film
from scodub.stages.outputs import claim_stem, output_lock
from scodub.stages.plan import RunSettings


def _clip(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg("-i", str(source), "-t", "2", str(target))
    return target


def _batch(
    tmp_path: Path, films: list[Path], out: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, str]]:
    """Run a batch of ``films``: film id -> its stages' statuses."""
    manifest = tmp_path / "films.yaml"
    listed = "".join(f"  - {film}\n" for film in films)
    manifest.write_text(f"defaults: {{lang: en, langs: [en]}}\nfilms:\n{listed}", encoding="utf-8")
    code, _, err = run_cli(["batch", str(manifest), "--out", str(out), "--workers", "1", "-q"],
                           capsys)  # fmt: skip
    assert code == 0, err
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    return {
        film_id: {label: stage["status"] for label, stage in film["stages"].items()}
        for film_id, film in data["films"].items()
    }


def test_a_film_of_the_same_name_added_or_removed_moves_no_finished_film(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second ``speech.wav`` added to a catalogue renamed the first film's folder to
    ``speech-<hash>``: its finished work was done again there and the old folder left
    behind; removing it again moved the other film's folder (and redid it, or stopped the
    whole batch: ``speech`` holds another film's outputs)."""
    first = _clip(DATA / "jfk.wav", tmp_path / "x" / "speech.wav")
    second = _clip(DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav",
                   tmp_path / "y" / "speech.wav")  # fmt: skip
    out = tmp_path / "out"
    assert set(_batch(tmp_path, [first], out, capsys)) == {"speech"}
    tagged = f"speech-{path_tag(second)}"
    both = _batch(tmp_path, [first, second], out, capsys)
    assert set(both) == {"speech", tagged}
    assert set(both["speech"].values()) == {"reused"}, both
    assert set(both[tagged].values()) == {"done"}, both
    alone = _batch(tmp_path, [second], out, capsys)
    assert alone == {tagged: {label: "reused" for label in both[tagged]}}
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["batch.json", "speech", tagged]
    )


def test_a_folder_s_film_keeps_its_folder_when_one_of_the_same_stem_is_added(
    tmp_path: Path,
) -> None:
    """``films/film.mp4`` was batched into ``out/film``; ``films/film.mkv`` added beside it
    gave both a hashed id, so the finished film was done again in a new folder."""
    films = tmp_path / "films"
    films.mkdir()
    shutil.copy(SAMPLE, films / "film.mp4")
    out = tmp_path / "out"
    (done,) = scan_folder(films, Defaults(), exclude=out)
    assert done.film_id == "film"
    claim_stem(out / "film", open_film(done.path, out / "film"))  # as the batch does
    shutil.copy(SAMPLE, films / "film.mkv")
    ids = {e.path.name: e.film_id for e in scan_folder(films, Defaults(), exclude=out)}
    assert ids == {"film.mp4": "film", "film.mkv": f"film-{path_tag(films / 'film.mkv')}"}
    # A row that names the id itself keeps it: the earlier film takes its hashed id.
    manifest = tmp_path / "films.csv"
    manifest.write_text("path,id\nfilms/film.mkv,film\nfilms/film.mp4,\n", encoding="utf-8")
    named, earlier = read_manifest(manifest, Defaults(), out_dir=out)
    assert (named.film_id, earlier.film_id) == ("film", f"film-{path_tag(films / 'film.mp4')}")
    assert not named.problems and not earlier.problems


def test_a_folder_holding_another_film_of_that_name_is_the_row_s_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The manifest's ``x/speech.wav`` replaced by another film, ``y/speech.wav``: its
    folder ``speech`` holds the first film's outputs. The whole batch stopped (every
    film) once it had started, telling to "write into another --out"; it is the row's
    problem, found with the others before anything starts."""
    first = _clip(DATA / "jfk.wav", tmp_path / "x" / "speech.wav")
    second = _clip(DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav",
                   tmp_path / "y" / "speech.wav")  # fmt: skip
    out = tmp_path / "out"
    claim_stem(out / "speech", open_film(first, out / "speech"))  # an earlier batch's folder
    manifest = tmp_path / "films.csv"
    manifest.write_text(f"path,lang,langs\n{second},en,en\n", encoding="utf-8")
    code, _, err = run_cli(["batch", str(manifest), "--out", str(out)], capsys)
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2, err
    assert lines[0].startswith(f"scodub: invalid: {manifest}:2: speech: ")
    assert str(first) in lines[0]
    assert "give this row its own 'id'" in lines[0] and not (out / "batch.json").exists()


class _Idle:
    """An executor that runs nothing (the jobs stay pending)."""

    name = "local"

    def __init__(self, pending: bool = False) -> None:
        self.pending = pending

    def run(self, schedule: Schedule) -> None:
        assert self.pending or not schedule.jobs


def test_a_batch_leaves_alone_what_other_runs_write_inside_its_folder(tmp_path: Path) -> None:
    """A batch started by clearing every ``.*.part*`` file anywhere under its --out: the
    half-written outputs of another batch (or ``scodub run``) writing into a folder
    inside it were deleted under that run, whose rename then failed."""
    out = tmp_path / "out"
    inner = out / "festival"  # another batch's --out, inside this one's
    writing = inner / "film" / ".film.ru.x1y2z3.part.srt"
    left = out / ".batch.a1b2c3.part.json"  # this batch's own leftover of a kill
    with batch_lock(inner), output_lock(inner / "film"):
        writing.write_text("1\n00:00:01,000 --> 00:00:02,000\nпол", encoding="utf-8")
        out.mkdir(exist_ok=True)
        left.write_text("{", encoding="utf-8")
        run_batch([], {}, out, _Idle())
        assert writing.exists() and not left.exists()


def _films_folder(tmp_path: Path, count: int) -> Path:
    films = tmp_path / "films"
    films.mkdir()
    run_ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=0.3", "-ar", "16000", str(films / "t0.wav"))
    for n in range(1, count):
        shutil.copy(films / "t0.wav", films / f"t{n}.wav")
    return films


def test_a_catalogue_of_more_films_than_the_open_file_limit_runs(tmp_path: Path) -> None:
    """Each film's folder lock is an open file held for the whole batch: past the soft
    limit on open files (1024 on many systems) the batch stopped at its start with a
    traceback (OSError: Too many open files)."""
    films = _films_folder(tmp_path, 60)
    out = tmp_path / "out"
    settings = RunSettings(asr=AsrSettings(language="en"), targets=("en",))
    checked = validate(scan_folder(films, Defaults(settings), exclude=out), out)
    assert len(checked.valid) == 60
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 20, hard))
    try:
        state = run_batch(checked.valid, checked.plans, out, _Idle(pending=True))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(state.films) == 60


def test_a_catalogue_past_the_hard_open_file_limit_is_one_line(tmp_path: Path) -> None:
    films = _films_folder(tmp_path, 100)
    script = (
        "import os, resource, sys\n"
        "from pathlib import Path\n"
        "from scodub.batch.manifest import Defaults, scan_folder\n"
        "from scodub.batch.run import make_room_for_locks, run_batch\n"
        "from scodub.errors import ScodubError\n"
        "entries = scan_folder(Path(sys.argv[1]), Defaults())\n"
        "limit = len(os.listdir('/proc/self/fd')) + 80\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))\n"
        "make_room_for_locks(Path(sys.argv[2]), 5)  # a few films fit, as they did\n"
        "try:\n"
        "    run_batch(entries, {}, Path(sys.argv[2]), None)\n"
        "except ScodubError as exc:\n"
        "    print(exc)\n"
    )
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", script, str(films), str(out)], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "100 films" in done.stdout and "ulimit -Hn" in done.stdout, done.stdout
    assert not (out / "batch.json").exists() and not (out / "t0").exists()


def test_status_after_a_power_cut_is_interrupted_though_the_pid_lives_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a power cut (or kill -9) the batch's pid may belong to another process: status
    said "running" for as long as that one lived. The batch's lock says whether it runs."""
    out = tmp_path / "out"
    with batch_lock(out):  # a batch that planned its films, then the power went
        run_batch([], {}, out, _Idle())
    data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    data["finished_at"] = None
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        data["pid"] = sleeper.pid  # the pid, now another program's
        (out / "batch.json").write_text(json.dumps(data), encoding="utf-8")
        code, stdout, _ = run_cli(["batch", "status", str(out)], capsys)
        assert code == 0 and stdout.startswith(f"{out}: interrupted ("), stdout
        with batch_lock(out):  # while a batch holds the folder, it runs
            code, stdout, _ = run_cli(["batch", "status", str(out)], capsys)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert code == 0 and stdout.startswith(f"{out}: running ("), stdout
