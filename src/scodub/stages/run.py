"""Run one film: plan it, run its stages in this process, publish the outputs.

``run_film`` holds the output folder (``outputs.output_lock``), plans the film
(``plan.plan_film``: every check before any work), claims the film's file names, runs
every stage through the one cache (``run_plan``), then writes what people read from the
typed results: ``<film>.transcript.json``, ``<film>.<lang>.srt`` per track, the dub
report, and ``<film>.report.json``. Outputs are written every run, from the results, so
a deleted or edited output comes back without any stage running again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub import __version__, naming
from scodub.asr.hearing import hearing_notes
from scodub.asr.whisper import resolve_device
from scodub.fsutil import write_json_atomic
from scodub.media.probe import require_file
from scodub.mt.localize import mt_targets
from scodub.mt.nllb import resolve_mt_device
from scodub.stages.base import Outcome, Progress, StageContext, cached
from scodub.stages.deliver import DubReport, dub_report, write_dub_report
from scodub.stages.localize import LocalizeStageResult
from scodub.stages.outputs import claim_stem, output_lock, record_outputs, write_machine_srts
from scodub.stages.plan import FilmPlan, RunSettings, plan_film
from scodub.stages.subtitles import SubtitleResult
from scodub.stages.transcribe import TranscribeResult
from scodub.text.qc import check_track

__all__ = ["RunReport", "RunSettings", "run_film", "run_plan", "write_report"]


@dataclass(frozen=True, slots=True)
class RunReport:
    film: Path
    out_dir: Path
    outputs: dict[str, str] = field(default_factory=dict)
    stages: dict[str, Any] = field(default_factory=dict)
    transcript: TranscribeResult | None = None
    dub: DubReport | None = None
    # outputs of this film's name made from an earlier version of the film, not remade
    stale: tuple[Path, ...] = ()
    # outputs this run replaced that held other text (edited), and where each was kept
    kept: tuple[tuple[Path, Path], ...] = ()
    # editors' versions (<film>.<lang>.edited.srt) of languages this run dubbed from its
    # own tracks: the dub does not say what they say
    unused_edits: tuple[Path, ...] = ()

    def warnings(self) -> list[str]:
        """What a person must look at although the run succeeded: speech the transcript
        may have wrong or missed (``asr.hearing``), cues left untranslated, dub problems,
        an editor's version the dub did not voice."""
        found = hearing_notes(self.transcript.transcript) if self.transcript else []
        for lang, info in self.stages.get("subtitles", {}).items():
            found.extend(filter(None, [untranslated_note(lang, info)]))
        found += [unused_edit_note(self.film, path) for path in self.unused_edits]
        return found + (self.dub.warnings() if self.dub else [])

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "film": str(self.film),
            "out_dir": str(self.out_dir),
            "outputs": self.outputs,
            "stale_outputs": [str(p) for p in self.stale],
            "replaced_outputs": [{"path": str(p), "kept_as": str(b)} for p, b in self.kept],
            "stages": self.stages,
            "warnings": self.warnings(),
        }


def unused_edit_note(film: Path, edited: Path) -> str:
    """A line for an editor's version of a language that ``run`` dubbed from its own track."""
    lang = edited.name.removesuffix(naming.EDITED_SUFFIX).rpartition(".")[2]
    return (
        f"{lang}: dubbed from this run's track, not from the editor's {edited} (dub that "
        f"with: scodub dub {film} --track {lang}={edited})"
    )


def untranslated_note(lang: str, info: Any) -> str | None:
    """A line for a track whose translation model left cues in the source language (the
    report's ``mt.untranslated_cues``), else None."""
    mt = info.get("mt") if isinstance(info, Mapping) else None
    if not isinstance(mt, Mapping) or not mt.get("untranslated_cues"):
        return None
    return (
        f"{lang}: {mt['untranslated_cues']} of {mt.get('cues', '?')} cues kept their source "
        "text (the model gave no usable translation for them)"
    )


def run_plan(plan: FilmPlan, ctx: StageContext) -> dict[str, Outcome[Any]]:
    """Run (or reuse) every stage of ``plan`` in order, in this process."""
    return {stage.key(): cached(stage, ctx) for stage in plan.stages()}


def run_film(
    film: Path, out_dir: Path, settings: RunSettings, *, progress: Progress | None = None
) -> RunReport:
    """Every stage for one film; the report lists outputs, QC and how each stage was had."""
    started = time.perf_counter()
    check_devices(settings)  # before the output folder is touched
    require_file(Path(film))  # nor is it made for a missing film
    with output_lock(out_dir):
        ctx = StageContext(Path(out_dir), progress)
        plan = plan_film(Path(film), Path(out_dir), settings, ctx)
        claim_stem(Path(out_dir), plan.film)
        run_plan(plan, ctx)
        return publish(plan, ctx, started)


def check_devices(settings: RunSettings) -> None:
    """Whisper's device, and the translation model's where a target may need one: a
    device that cannot be used is one line before anything is read or written."""
    resolve_device(settings.asr.device, settings.asr.compute_type)
    if mt_targets(settings.asr.language, settings.targets, settings.english_from_whisper):
        resolve_mt_device(settings.mt.device, settings.mt.compute_type)


def publish(plan: FilmPlan, ctx: StageContext, started: float) -> RunReport:
    """Write the outputs people read from the run's results (every stage has run), and
    name the outputs of an earlier version of the film that this run did not remake."""
    report = _write_outputs(plan, ctx, started)
    written = [Path(p) for p in report.outputs.values()]
    written.append(naming.report_path(plan.out_dir, plan.film.path))  # written last
    stale = record_outputs(plan.out_dir, plan.film, written)
    return replace(report, stale=tuple(stale))


def _write_outputs(plan: FilmPlan, ctx: StageContext, started: float) -> RunReport:
    out_dir, stem, fps = plan.out_dir, plan.film.stem, plan.film.fps
    heard = cached(plan.transcribe, ctx)
    transcript_path = naming.transcript_path(out_dir, plan.film.path)
    write_json_atomic(transcript_path, heard.result.to_json())
    subs: Outcome[SubtitleResult] = cached(plan.subtitles, ctx)
    tracks = {subs.result.track.language: subs.result.track}
    extra: dict[str, dict[str, Any]] = {}
    outputs = {"transcript": str(transcript_path)}
    report = RunReport(plan.film.path, out_dir, outputs, {}, heard.result)
    report.stages["transcribe"] = _transcribe_json(heard, plan)
    if plan.localize is not None:
        local: Outcome[LocalizeStageResult] = cached(plan.localize, ctx)
        tracks.update(local.result.tracks)
        extra = local.result.reports
        report.stages["localize"] = {"cached": local.reused, "targets": list(plan.localize.targets)}
    cuts: tuple[int, ...] = ()
    if plan.snap is not None and plan.shots is not None:
        snapped = cached(plan.snap, ctx)
        tracks = dict(snapped.result.tracks)
        cuts = cached(plan.shots, ctx).result.shots.cuts_ms
        report.stages["shots"] = {
            "cached": snapped.reused,
            "cuts": snapped.result.cuts,
            **snapped.result.moves,
            "cuts_ms": list(cuts),  # the review page checks the shot rules with them
        }
    subtitles: dict[str, Any] = {}
    paths = {lang: naming.srt_path(out_dir, stem, lang) for lang in tracks}
    # A track an editor changed is kept as a numbered backup, never lost.
    kept = write_machine_srts(out_dir, [(paths[lang], t) for lang, t in tracks.items()])
    for lang, track in tracks.items():
        report.outputs[f"srt.{lang}"] = str(paths[lang])
        qc = check_track(track, fps, cuts).to_json()
        subtitles[lang] = {"cues": len(track.cues), "qc": qc, **extra.get(lang, {})}
    report.stages["subtitles"] = subtitles
    report = replace(report, kept=tuple(kept))
    if plan.deliver is None:
        return report
    dubbed = dub_report(ctx, plan.backchecks, plan.deliver, started)
    edited = (out_dir / f"{stem}.{d.language}{naming.EDITED_SUFFIX}" for d in plan.deliver.dubs)
    report = replace(report, unused_edits=tuple(p for p in edited if p.is_file()))
    report.outputs["dub_report"] = str(write_dub_report(dubbed))
    report.outputs["delivery"] = str(dubbed.delivery)
    report.outputs.update({f"stem.{k}": str(v) for k, v in dubbed.stems.items()})
    report.stages["dub"] = dubbed.to_json()
    return replace(report, dub=dubbed)


def _transcribe_json(outcome: Outcome[TranscribeResult], plan: FilmPlan) -> dict[str, Any]:
    transcript = outcome.result.transcript
    language, probability = transcript.language, transcript.language_probability
    if language == "und":
        language = plan.subtitles.fallback_language
    if plan.detected is not None:
        probability = plan.detected[1]
    return {
        "cached": outcome.reused,
        "seconds": round(outcome.seconds, 3),
        "language": language,
        "language_probability": round(probability, 4),
        "task": transcript.task,
        "segments": len(transcript.segments),
        "words": len(transcript.words),
        "dropped_segments": transcript.dropped_segments,
        "recovered_segments": transcript.recovered_segments,
        "corrections": transcript.to_json()["corrections"],
        "notes": list(outcome.result.notes),
        "speakers": [speaker.to_json() for speaker in transcript.speakers],
        "media": plan.film.media_json(),
    }


def write_report(report: RunReport) -> Path:
    path = naming.report_path(report.out_dir, report.film)
    write_json_atomic(path, report.to_json())
    return path
