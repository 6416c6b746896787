"""The stage shape: plans, one verified cache, stages as plain data run in other processes,
the film probed once and its loudness measured once per run."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT, SAMPLE, run_cli
from scodub.asr.whisper import AsrSettings
from scodub.mt.localize import MtSettings
from scodub.stages.base import StageContext, cached, stage_from_json
from scodub.stages.deliver import dub_film
from scodub.stages.dub import DubSettings
from scodub.stages.plan import RunSettings, plan_film
from scodub.stages.run import publish, run_film, run_plan
from test_dubbing import EN_SRT, RU_SRT

pytestmark = pytest.mark.slow

TINY_NLLB = DATA / "tiny-nllb"


def _settings(**dub: Any) -> RunSettings:
    return RunSettings(
        asr=AsrSettings(language="en"),
        targets=("ru",),
        mt=MtSettings(model=str(TINY_NLLB)),
        dub=DubSettings(voices={}, **dub),
        dub_langs=("en",),
    )


def _outputs(folder: Path) -> dict[str, str]:
    """The text outputs of a run (SRTs and the transcript), by file name."""
    found = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.srt")}
    transcript = json.loads((folder / "sco-sample.transcript.json").read_text(encoding="utf-8"))
    found["transcript"] = json.dumps(transcript["transcript"], sort_keys=True)
    return found


def _same(a: object, b: object) -> bool:
    """Equal, field by field; floats as stored for reports (rounded to 3-4 digits)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name))
            for f in dataclasses.fields(a)
            if f.compare
        )
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-3)
    return a == b


def test_stages_run_from_json_in_fresh_processes_match_in_process(
    tmp_path: Path, whisper_model: object
) -> None:
    settings = _settings(background=False)
    here = StageContext(tmp_path / "direct")
    direct_plan = plan_film(SAMPLE, tmp_path / "direct", settings, here)
    fresh = run_plan(direct_plan, here)
    direct = publish(direct_plan, here, 0.0)
    assert direct.dub is not None
    # What a stage stores is all of its result: read back, it equals what was computed
    # (a field left out of the cache is lost to every worker and every resumed run).
    for outcome in fresh.values():
        stored = json.loads(json.dumps(outcome.result.to_json()))
        again = outcome.stage.load_result(stored, here)
        assert _same(again, outcome.result), outcome.stage.name

    out = tmp_path / "split"
    ctx = StageContext(out)
    plan = plan_film(SAMPLE, out, settings, ctx)
    names = [stage.name for stage in plan.stages()]
    assert names == [
        "transcribe", "subtitles", "localize", "shots", "snap", "dub", "backcheck", "deliver"
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for number, stage in enumerate(plan.stages()):
        spec = tmp_path / f"stage-{number}.json"
        spec.write_text(json.dumps(stage.to_json()), encoding="utf-8")
        assert stage_from_json(json.loads(spec.read_text(encoding="utf-8"))).key() == stage.key()
        done = subprocess.run(
            [sys.executable, "-m", "scodub.stages.worker", str(spec), str(out)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        line = json.loads(done.stdout.strip().splitlines()[-1])
        assert line["key"] == stage.key() and line["reused"] is False

    # Everything the other processes computed is reused here, nothing runs again.
    again = StageContext(out)
    report = publish(plan, again, 0.0)
    assert all(outcome.reused for outcome in again.outcomes.values())
    assert _outputs(out) == _outputs(tmp_path / "direct")
    assert report.dub is not None
    split_lines = [(line.index, line.text) for line in report.dub.languages[0].lines]
    assert split_lines == [(line.index, line.text) for line in direct.dub.languages[0].lines]


def test_film_probed_once_and_its_loudness_measured_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whisper_model: object
) -> None:
    import scodub.dub.mix
    import scodub.media.loudness
    import scodub.media.probe
    import scodub.stages.dub

    probed: list[Path] = []
    measured: list[Path] = []
    real_probe = scodub.media.probe._probe
    real_measure = scodub.media.loudness.measure_loudness

    def counting_probe(path: Path, media_only: bool) -> Any:
        probed.append(Path(path).resolve())
        return real_probe(path, media_only)

    def counting_measure(path: Path, stream: int | None = None) -> Any:
        measured.append(Path(path).resolve())
        return real_measure(path, stream)

    monkeypatch.setattr(scodub.media.probe, "_probe", counting_probe)
    for module in (scodub.stages.dub, scodub.dub.mix):
        monkeypatch.setattr(module, "measure_loudness", counting_measure)
    (tmp_path / "en.srt").write_text(EN_SRT, encoding="utf-8")
    (tmp_path / "ru.srt").write_text(RU_SRT, encoding="utf-8")
    tracks: dict[str, Any] = {"en": tmp_path / "en.srt", "ru": tmp_path / "ru.srt"}
    report = dub_film(SAMPLE, tracks, tmp_path / "out", DubSettings(backcheck=False))
    assert [dub.language for dub in report.languages] == ["en", "ru"]
    film = SAMPLE.resolve()
    assert probed.count(film) == 1
    assert measured.count(film) == 1


def test_plan_lists_stages_and_what_is_cached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    args = ["run", str(SAMPLE), "--lang", "en", "--langs", "ru", "--mt-model", str(TINY_NLLB)]
    args += ["--out", str(tmp_path)]
    code, out, err = run_cli([*args, "--plan"], capsys)
    assert code == 0, err
    assert "transcribe" in out and "localize ru" in out and out.count("to run") == 5
    assert not list(tmp_path.glob("*.srt"))  # --plan runs nothing
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    code, out, err = run_cli([*args, "--plan", "--json"], capsys)
    plan = json.loads(out)
    assert [s["cached"] for s in plan["stages"]] == [True] * 5
    assert [s["model"] is not None for s in plan["stages"]] == [True, False, True, False, False]


def test_cached_result_of_wrong_shape_or_damaged_artefact_is_recomputed(
    tmp_path: Path, whisper_model: object
) -> None:
    settings = _settings(background=False, backcheck=False)
    first = run_film(SAMPLE, tmp_path, settings)
    assert first.dub is not None
    mix = first.dub.languages[0].mix.path
    healthy = _outputs(tmp_path)
    for damage in ("truncate", "garbage", "wrong-shape", "list"):
        if damage == "truncate":
            mix.write_bytes(mix.read_bytes()[:2000])
        elif damage == "garbage":
            mix.write_bytes(os.urandom(4096))
        else:
            for entry in (tmp_path / ".scodub").glob("*/*.json"):
                entry.write_text("{}" if damage == "wrong-shape" else "[]", encoding="utf-8")
            (tmp_path / ".scodub" / "film-hashes.json").write_text("[]", encoding="utf-8")
        ctx = StageContext(tmp_path)
        plan = plan_film(
            SAMPLE, tmp_path, _settings(background=False, backcheck=False, force=True), ctx
        )
        outcome = cached(plan.dubs[0], ctx)
        assert not outcome.reused, damage
        assert outcome.result.mix.path.stat().st_size > 50_000, damage
        publish(plan, ctx, 0.0)
        assert _outputs(tmp_path) == healthy, damage


def _transcribe_spec(**asr: Any) -> dict[str, Any]:
    """A transcribe stage of the sample as JSON (no model is loaded to write it)."""
    from scodub.media.probe import probe
    from scodub.provision.whisper import ResolvedModel
    from scodub.stages.film import Film
    from scodub.stages.transcribe import TranscribeStage

    film = Film(SAMPLE, "0" * 64, probe(SAMPLE), 0)
    model = ResolvedModel("base", ROOT / "no-model", "x")
    stage = TranscribeStage(film, AsrSettings(language="en"), model)
    data: dict[str, Any] = json.loads(json.dumps(stage.to_json()))
    data["spec"]["asr"].update(asr)
    return data


def test_the_worker_refuses_a_hostile_stage_spec_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each of these was a traceback (or a run with settings no option allows: a beam of
    0, -3 threads reached CTranslate2); now one line naming the file, before any work."""
    from scodub.stages.worker import main

    valid = _transcribe_spec()
    cases: list[tuple[str | bytes | None, str]] = [
        (None, "file does not exist"),
        ("{", "not a JSON stage spec"),
        (b"\xff\xfe{}", "not a JSON stage spec"),
        ("[]", "not a stage: expected"),
        ('{"stage": "nope", "spec": {}}', "unknown stage 'nope'; expected one of:"),
        (json.dumps({**valid, "spec": {**valid["spec"], "asr": "x"}}), "not a valid transcribe"),
        (json.dumps({**valid, "spec": {"film": valid["spec"]["film"]}}), "missing 2 required"),
        (json.dumps(_transcribe_spec(beam_size=0)), "--beam-size must be 1-32, not 0"),
        (json.dumps(_transcribe_spec(cpu_threads=-3)), "--threads must be 0-256, not -3"),
        (json.dumps(_transcribe_spec(task="bogus")), "invalid task 'bogus'"),
        (json.dumps(_transcribe_spec(language="ky")), "Whisper cannot transcribe Kyrgyz"),
        (json.dumps(valid).replace('"duration_ms": 27916', '"duration_ms": NaN'), "NaN is no"),
    ]
    for number, (content, problem) in enumerate(cases):
        spec = tmp_path / f"stage {number}.json"
        if isinstance(content, str):
            spec.write_text(content, encoding="utf-8")
        elif content is not None:
            spec.write_bytes(content)
        code = main([str(spec), str(tmp_path / "out")])
        out, err = capsys.readouterr()
        assert code != 0 and out == "" and err.count("\n") == 1, (problem, err)
        assert err.startswith(f"scodub: error: {spec}: ") and problem in err, err
    assert not (tmp_path / "out").exists()
    # a spec as scodub writes it is taken as it is (only normalised: 'EN' is en)
    again = stage_from_json(_transcribe_spec(language="EN"))
    assert again.key() == stage_from_json(valid).key()


def test_translation_settings_are_bounded_however_they_are_given() -> None:
    """--n-best widens the beam: 100000 was a beam of 100000 (minutes, gigabytes), past the
    bound --mt-beam-size keeps; a stage spec or manifest is checked the same."""
    from scodub.errors import ConfigError

    assert MtSettings().validate() == MtSettings()
    for bad, problem in [
        ({"n_best": 100000}, "--n-best must be 1-32"),
        ({"max_batch_size": 10**20}, "--mt-batch-size must be 1-1024"),
        ({"beam_size": 0}, "--mt-beam-size must be 1-32"),
        ({"window": 0}, "--mt-window must be 1-50"),
        ({"concurrency": 1000}, "--mt-concurrency must be 1-64"),
        ({"timeout_s": math.nan}, "--mt-timeout must be"),
        ({"device": "tpu"}, "--mt-device 'tpu' is unknown"),
    ]:
        with pytest.raises(ConfigError, match=problem.replace("-", r"\-")):
            MtSettings(**bad).validate()
