"""A film's stage plan (``stages.plan.plan_film``) as batch jobs, and how a worker runs them.

Every stage of the plan is one job (its JSON travels to the worker; ``cached`` there
reuses a verified result), ordered stage-major by ``RANKS``: every film's transcription,
then every subtitling and translation, then the soundtracks, voices, back-checks and
deliveries. A last ``publish`` job per film writes what ``scodub run`` writes from the
results (``stages.run.publish`` and the report), so ``DIR/<film-id>/`` holds exactly that.

A worker process keeps one model table for all the stages it runs (``_MODELS``, given to
every ``StageContext``): Whisper, the translation model and the voices are loaded once per
worker, not once per stage.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from scodub.batch.manifest import FilmEntry
from scodub.batch.schedule import Job
from scodub.serial import from_plain, to_plain
from scodub.stages import registry  # noqa: F401  (registers every stage class)
from scodub.stages.base import (
    Resources,
    Stage,
    StageContext,
    adopt,
    cached,
    stage_from_json,
)
from scodub.stages.cache import stage_key
from scodub.stages.film import Film
from scodub.stages.plan import FilmPlan, RunSettings, plan_film
from scodub.stages.run import publish, write_report

#: Stage-major order: a lower rank runs first across all films.
RANKS = {
    "transcribe": 0,
    "subtitles": 1,
    "localize": 2,
    "soundtrack": 3,
    "dub": 4,
    "backcheck": 5,
    "deliver": 6,
    "publish": 7,
}
#: Stages whose results hold no files: one film's result serves its copies (``film_jobs``).
SHARED_STAGES = frozenset({"transcribe", "subtitles", "localize"})
STAGE_RUNNER = "scodub.batch.plan:run_stage"
PUBLISH_RUNNER = "scodub.batch.plan:run_publish"
#: In a film folder the batch made: its deliveries are the batch's own to replace.
OWNER_MARK = ".scodub/batch-owned"
_PUBLISHED = "batch-publish"
_MODELS: dict[str, Any] = {}


def plan_entry(entry: FilmEntry, film_out: Path) -> FilmPlan:
    """``plan_film`` with every check. In a folder this batch made, the film's delivery
    (written by an earlier, perhaps killed, run of the same batch) may be replaced."""
    settings = entry.settings
    if settings.dub is not None and (film_out / OWNER_MARK).exists():
        settings = replace(settings, dub=replace(settings.dub, force=True))
    return plan_film(entry.path, film_out, settings, StageContext(film_out))


def mark_owned(film_out: Path) -> None:
    mark = film_out / OWNER_MARK
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.touch()


def _language(stage: Stage[Any]) -> str | None:
    language = getattr(stage, "language", None)
    if language is None and hasattr(stage, "dub"):
        language = getattr(stage.dub, "language", None)
    return str(language) if language else None


def film_jobs(
    film_id: str, plan: FilmPlan, order: int, shared: dict[str, tuple[str, str]] | None = None
) -> list[Job]:
    """One job per stage of ``plan`` (each after the stages it needs), then ``publish``.

    ``shared`` (stage key -> first job and its folder, across the batch's films): a
    transcription or translation that an earlier film of the batch computes with the
    same key (the same film content under another name, a symlink) waits for that job
    and takes its result (``stages.base.adopt``) instead of computing it again."""
    out = str(plan.out_dir)
    by_key: dict[str, str] = {}
    jobs: list[Job] = []
    for stage in plan.stages():
        label = stage.label()
        job_id = f"{film_id}/{label}"
        deps = tuple(by_key[dep.key()] for dep in stage.deps())
        args: dict[str, Any] = {"stage": stage.to_json(), "out_dir": out}
        if shared is not None and stage.name in SHARED_STAGES:
            first = shared.setdefault(stage.key(), (job_id, out))
            if first[0] != job_id:
                deps, args["peer"] = (*deps, first[0]), first[1]
        payload = {"runner": STAGE_RUNNER, "args": args}
        job = Job(job_id, film_id, label, stage.name, _language(stage), RANKS.get(stage.name, 9),
                  order, deps, stage.model(), stage.resources(), payload)  # fmt: skip
        jobs.append(job)
        by_key[stage.key()] = job_id
    payload = {"runner": PUBLISH_RUNNER, "args": {"plan": plan_to_json(plan), "out_dir": out}}
    jobs.append(Job(f"{film_id}/publish", film_id, "publish", "publish", None, RANKS["publish"],
                    order, tuple(j.id for j in jobs), None, Resources(),
                    payload))  # fmt: skip
    return jobs


def plan_to_json(plan: FilmPlan) -> dict[str, Any]:
    def stage(s: Stage[Any] | None) -> dict[str, Any] | None:
        return s.to_json() if s is not None else None

    return {
        "film": to_plain(plan.film),
        "out_dir": str(plan.out_dir),
        "settings": to_plain(plan.settings),
        "detected": list(plan.detected) if plan.detected else None,
        "transcribe": stage(plan.transcribe),
        "subtitles": stage(plan.subtitles),
        "english": stage(plan.english),
        "localize": stage(plan.localize),
        "dubs": [s.to_json() for s in plan.dubs],
        "backchecks": [s.to_json() for s in plan.backchecks],
        "deliver": stage(plan.deliver),
    }


def plan_from_json(data: dict[str, Any]) -> FilmPlan:
    def stage(d: dict[str, Any] | None) -> Any:
        return stage_from_json(d) if d is not None else None

    detected = data["detected"]
    return FilmPlan(
        film=from_plain(Film, data["film"]),
        out_dir=Path(data["out_dir"]),
        settings=from_plain(RunSettings, data["settings"]),
        transcribe=stage(data["transcribe"]),
        subtitles=stage(data["subtitles"]),
        detected=(str(detected[0]), float(detected[1])) if detected else None,
        english=stage(data["english"]),
        localize=stage(data["localize"]),
        dubs=tuple(stage(d) for d in data["dubs"]),
        backchecks=tuple(stage(d) for d in data["backchecks"]),
        deliver=stage(data["deliver"]),
    )


# -- in a worker ------------------------------------------------------------------------


def run_stage(args: dict[str, Any]) -> dict[str, Any]:
    """Run (or reuse) one stage from its JSON, in the film's output folder."""
    stage = stage_from_json(args["stage"])
    ctx = StageContext(Path(args["out_dir"]), models=_MODELS)
    if args.get("peer"):
        adopt(stage, ctx, Path(args["peer"]))  # the same work, done for another row
    outcome = cached(stage, ctx)
    return {"reused": outcome.reused, "seconds": outcome.seconds}


def run_publish(args: dict[str, Any]) -> dict[str, Any]:
    """Write the film's outputs and report from its (cached) results, as ``scodub run``
    does. Reused: this very set of stage results was published before."""
    started = time.perf_counter()
    plan = plan_from_json(args["plan"])
    ctx = StageContext(Path(args["out_dir"]), models=_MODELS)
    key = stage_key({"publish": [stage.key() for stage in plan.stages()]})
    before = ctx.cache.load(_PUBLISHED, key)
    report = publish(plan, ctx, started)
    report.outputs["report"] = str(write_report(report))
    ctx.cache.store(_PUBLISHED, key, {"outputs": sorted(report.outputs.values())})
    return {
        "reused": before is not None,
        "seconds": time.perf_counter() - started,
        "warnings": report.warnings(),
    }
