"""``scodub transcribe`` and ``scodub run``: the film-to-subtitles commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scodub.asr.whisper import DEVICES, TASKS, AsrSettings
from scodub.cli.common import out_option, output_options, print_json, progress_bar
from scodub.dub.voices import parse_voice_options
from scodub.fsutil import ensure_writable_dir
from scodub.langs import parse_language_list, require_asr
from scodub.mt.localize import MtSettings
from scodub.scratch import run_scratch
from scodub.stages.base import StageContext
from scodub.stages.dub import STEM_FORMATS, DubSettings, StemFormat
from scodub.stages.plan import describe_plan, plan_film, plan_json
from scodub.stages.run import RunReport, RunSettings, run_film, write_report

F = TypeVar("F", bound=Callable[..., Any])


def asr_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ASR options; the command receives them as one ``asr: AsrSettings`` argument
    (validated before any heavy work), plus ``audio_stream`` and ``out_dir``."""
    options = [
        click.option(
            "--lang", "-l", default=None, help="Spoken language (ISO 639-1); default: detect."
        ),
        click.option(
            "--model",
            "-m",
            default=None,
            help="faster-whisper model name (tiny, small, large-v3, ...) or a local folder; "
            "default: the embedded Whisper base.",
        ),
        click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True),
        click.option(
            "--compute-type",
            default="auto",
            show_default=True,
            help="CTranslate2 compute type; auto = int8 on CPU, float16 on CUDA.",
        ),
        click.option(
            "--batch-size",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Batched inference (faster-whisper BatchedInferencePipeline) when > 1.",
        ),
        click.option("--beam-size", type=click.IntRange(min=1), default=5, show_default=True),
        click.option(
            "--audio-stream",
            type=click.IntRange(min=0),
            default=None,
            help="N-th audio stream to use; default: the first tagged with --lang, else the first.",
        ),
        click.option(
            "--task",
            type=click.Choice(TASKS),
            default="transcribe",
            show_default=True,
            help="'translate': Whisper's own speech translation into English subtitles.",
        ),
        click.option(
            "--threads",
            type=click.IntRange(min=0),
            default=0,
            help="CPU threads (0: CTranslate2's default).",
        ),
        out_option(),
    ]

    @functools.wraps(func)
    def with_settings(
        *args: Any,
        lang: str | None,
        model: str | None,
        device: str,
        compute_type: str,
        batch_size: int,
        beam_size: int,
        task: str,
        threads: int,
        **kwargs: Any,
    ) -> Any:
        kwargs["asr"] = _settings(
            lang, model, device, compute_type, batch_size, beam_size, task, threads
        )
        return func(*args, **kwargs)

    wrapped: Callable[..., Any] = with_settings
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def _settings(
    lang: str | None,
    model: str | None,
    device: str,
    compute_type: str,
    batch_size: int,
    beam_size: int,
    task: str,
    threads: int,
) -> AsrSettings:
    if lang:
        lang = require_asr(lang).code  # fails before any heavy work (ky, unknown codes)
    return AsrSettings(
        model=model,
        device=device,
        compute_type=compute_type,
        batch_size=batch_size,
        beam_size=beam_size,
        language=lang,
        task=task,
        cpu_threads=threads,
    ).validate()


def glossary_option(func: F) -> F:
    return click.option(
        "--glossary",
        "-g",
        "glossaries",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Glossary YAML (repeatable: festival + film-specific; later wins).",
    )(func)


def _summary(report: RunReport) -> None:
    stage = report.stages["transcribe"]
    cached = " (cached)" if stage["cached"] else ""
    click.echo(
        f"{report.film.name}: {stage['language']} "
        f"(p={stage['language_probability']:.2f}), {stage['words']} words in "
        f"{stage['seconds']:.1f} s{cached}"
    )
    for note in stage["notes"]:
        click.echo(f"  note: {note}")
    for fix in stage["corrections"]:
        click.echo(f"  glossary correction: {fix['heard']!r} -> {fix['corrected']!r}")
    for lang, subs in report.stages["subtitles"].items():
        summary = subs["qc"]["summary"]
        line = (
            f"  {lang}: {subs['cues']} cues, hard-rule violations: {summary['hard_violations']}, "
            f"reading speed met: {summary['share_ok'].get('reading_speed', 1.0):.0%}"
        )
        if "glossary" in subs:
            g = subs["glossary"]
            line += f", names: {g['hits']} right ({g['repairs']} repaired), {g['misses']} missed"
        click.echo(line)
    for lang, dub in report.stages.get("dub", {}).get("languages", {}).items():
        fit, loud, back = dub["fit"], dub["loudness"], dub.get("backcheck") or {}
        score = (
            f"{back['metric']} {back['error_rate']:.0%}"
            if back.get("measurable")
            else back.get("reason") or "no back-check"
        )
        click.echo(
            f"  dub {lang}: {dub['voice']['route']}; {fit['lines']} lines, "
            f"{fit['speedup']['1.0']} at natural speed, {len(fit['not_fitted'])} not fitted; "
            f"{loud['integrated_lufs']} LUFS, {loud['true_peak_dbtp']} dBTP; back-check {score}"
        )
    for warning in report.stages.get("dub", {}).get("warnings", []):
        click.echo(f"  warning: {warning}")
    for name, path in report.outputs.items():
        click.echo(f"  {name}: {path}")


def _finish(report: RunReport, quiet: bool, as_json: bool) -> None:
    report.outputs["report"] = str(write_report(report))
    if as_json:
        print_json(report.to_json())
    elif not quiet:
        _summary(report)


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@asr_options
@glossary_option
@output_options
def transcribe(
    film: Path,
    asr: AsrSettings,
    audio_stream: int | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Transcribe FILM into DIR/<film>.<lang>.srt and a JSON transcript with word timings."""
    settings = RunSettings(asr=asr, glossary_files=glossaries, audio_stream=audio_stream)
    ensure_writable_dir(out_dir)
    with run_scratch(out_dir), progress_bar(quiet) as progress:
        report = run_film(film, out_dir, settings, progress=progress)
    _finish(report, quiet, as_json)


def mt_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The translation options; the command receives them as one ``mt: MtSettings``."""
    options = [
        click.option(
            "--mt-model",
            default=None,
            help="CTranslate2 NLLB-200 folder, or a pulled name (nllb-200-distilled-600M, "
            "nllb-200-distilled-1.3B); default: nllb-200-distilled-600M.",
        ),
        click.option("--mt-device", type=click.Choice(DEVICES), default="auto", show_default=True),
        click.option("--mt-beam-size", type=click.IntRange(min=1), default=4, show_default=True),
        click.option(
            "--mt-batch-size",
            type=click.IntRange(min=1),
            default=32,
            show_default=True,
            help="CTranslate2 max_batch_size.",
        ),
        click.option(
            "--n-best",
            type=click.IntRange(min=1),
            default=4,
            show_default=True,
            help="Translation candidates per cue; a shorter one is taken when the best "
            "breaks the reading speed.",
        ),
    ]

    @functools.wraps(func)
    def with_settings(
        *args: Any,
        mt_model: str | None,
        mt_device: str,
        mt_beam_size: int,
        mt_batch_size: int,
        n_best: int,
        **kwargs: Any,
    ) -> Any:
        kwargs["mt"] = MtSettings(
            model=mt_model,
            device=mt_device,
            beam_size=mt_beam_size,
            max_batch_size=mt_batch_size,
            n_best=n_best,
        )
        return func(*args, **kwargs)

    wrapped: Callable[..., Any] = with_settings
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@click.option(
    "--langs",
    default="",
    help="Subtitle languages: 'all' (the ten SCO languages and "
    "English) or a comma list (ru,zh,hi); default: the spoken language only.",
)
@click.option(
    "--english-from",
    type=click.Choice(["mt", "whisper"]),
    default="mt",
    show_default=True,
    help="Make English subtitles with the translation model, or with Whisper's own "
    "speech translation (needs no translation model).",
)
@click.option("--dub", "do_dub", is_flag=True, help="Also dub the tracks and mux <film>.dub.mkv.")
@click.option(
    "--dub-langs",
    default=None,
    help="Languages to dub (comma list); default: every --langs track but the spoken one.",
)
@click.option(
    "--voice",
    "voices",
    multiple=True,
    metavar="LANG=VOICE",
    help="Voice per language: espeak, piper, a Piper .onnx file or folder, or a pulled name.",
)
@click.option("--no-background", is_flag=True, help="Dub over silence, not the ducked original.")
@click.option(
    "--stems",
    type=click.Choice(STEM_FORMATS),
    default=None,
    help="Also write <film>.<lang>.dub.wav or .m4a.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing delivery file or stems.")
@click.option("--no-backcheck", is_flag=True, help="Skip transcribing each dub back.")
@click.option(
    "--plan",
    "plan_only",
    is_flag=True,
    help="Print the stages this run would run and which are cached; run nothing.",
)
@asr_options
@glossary_option
@mt_options
@output_options
def run(
    film: Path,
    langs: str,
    english_from: str,
    do_dub: bool,
    dub_langs: str | None,
    voices: tuple[str, ...],
    no_background: bool,
    stems: StemFormat | None,
    force: bool,
    no_backcheck: bool,
    asr: AsrSettings,
    audio_stream: int | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    mt: MtSettings,
    quiet: bool,
    as_json: bool,
    plan_only: bool,
) -> None:
    """The main job: every stage for FILM, each cached so a re-run reuses finished work."""
    dub_settings = (
        DubSettings(
            voices=parse_voice_options(voices),
            background=not no_background,
            stems=stems,
            force=force,
            backcheck=not no_backcheck,
        )
        if do_dub
        else None
    )
    settings = RunSettings(
        asr=asr,
        targets=parse_language_list(langs) if langs.strip() else (),
        glossary_files=glossaries,
        mt=mt,
        english_route=english_from,
        audio_stream=audio_stream,
        dub=dub_settings,
        dub_langs=parse_language_list(dub_langs) if dub_langs else None,
    )
    ensure_writable_dir(out_dir)
    if plan_only:
        ctx = StageContext(out_dir)
        plan = plan_film(film, out_dir, settings, ctx)
        if as_json:
            print_json(plan_json(plan, ctx))
        else:
            click.echo("\n".join(describe_plan(plan, ctx)))
        return
    with run_scratch(out_dir), progress_bar(quiet) as progress:
        report = run_film(film, out_dir, settings, progress=progress)
    _finish(report, quiet, as_json)
