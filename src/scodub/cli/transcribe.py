"""``scodub transcribe`` and ``scodub run``: the film-to-subtitles commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scodub.asr import DEVICES, TASKS, AsrSettings
from scodub.cli.common import output_options, print_json, progress_bar
from scodub.fsutil import ensure_writable_dir
from scodub.langs import require_asr
from scodub.pipeline import RunReport, run_transcription, write_report

F = TypeVar("F", bound=Callable[..., Any])


def asr_options(func: F) -> F:
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
        click.option(
            "--out",
            "-o",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("out"),
            show_default=True,
            help="Output folder.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


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
    for lang, subs in report.stages["subtitles"].items():
        summary = subs["qc"]["summary"]
        click.echo(
            f"  {lang}: {subs['cues']} cues, hard-rule violations: {summary['hard_violations']}, "
            f"reading speed met: {summary['share_ok'].get('reading_speed', 1.0):.0%}"
        )
    for name, path in report.outputs.items():
        click.echo(f"  {name}: {path}")


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@asr_options
@output_options
def transcribe(
    film: Path,
    lang: str | None,
    model: str | None,
    device: str,
    compute_type: str,
    batch_size: int,
    beam_size: int,
    audio_stream: int | None,
    task: str,
    threads: int,
    out_dir: Path,
    quiet: bool,
    as_json: bool,
) -> None:
    """Transcribe FILM into DIR/<film>.<lang>.srt and a JSON transcript with word timings."""
    settings = _settings(lang, model, device, compute_type, batch_size, beam_size, task, threads)
    ensure_writable_dir(out_dir)
    with progress_bar(quiet) as progress:
        report, _, _ = run_transcription(
            film, out_dir, settings, audio_stream=audio_stream, progress=progress
        )
    report.outputs["report"] = str(write_report(report))
    if as_json:
        print_json(report.to_json())
    elif not quiet:
        _summary(report)


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@asr_options
@output_options
def run(
    film: Path,
    lang: str | None,
    model: str | None,
    device: str,
    compute_type: str,
    batch_size: int,
    beam_size: int,
    audio_stream: int | None,
    task: str,
    threads: int,
    out_dir: Path,
    quiet: bool,
    as_json: bool,
) -> None:
    """The main job: every stage for FILM, each cached so a re-run reuses finished work."""
    settings = _settings(lang, model, device, compute_type, batch_size, beam_size, task, threads)
    ensure_writable_dir(out_dir)
    with progress_bar(quiet) as progress:
        report, _, _ = run_transcription(
            film, out_dir, settings, audio_stream=audio_stream, progress=progress
        )
    report.outputs["report"] = str(write_report(report))
    if as_json:
        print_json(report.to_json())
    elif not quiet:
        _summary(report)
