"""The option groups the commands share, each declared once: output (``--quiet``,
``--json``, ``--out``), ASR (received as one ``AsrSettings``), glossary, speakers,
translation (received as one ``MtSettings``) and dubbing (received as one ``DubSettings``)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from scodub.asr.speakers import SpeakerSettings
from scodub.asr.whisper import (
    MAX_BATCH_SIZE,
    MAX_BEAM_SIZE,
    MAX_CPU_THREADS,
    TASKS,
    AsrSettings,
)
from scodub.devices import DEVICES
from scodub.dub.casting import parse_speaker_voices
from scodub.dub.voices import parse_voice_options
from scodub.langs import parse_language_list, spoken_language
from scodub.mt.backends import parse_routes, read_context
from scodub.mt.localize import (
    MAX_MT_BATCH_SIZE,
    MAX_MT_CONCURRENCY,
    MAX_MT_WINDOW,
    MtSettings,
)
from scodub.mt.openai_client import MAX_TIMEOUT_S
from scodub.stages.dub import STEM_FORMATS, DubSettings, StemFormat
from scodub.stages.plan import RunSettings

F = TypeVar("F", bound=Callable[..., Any])


class FiniteRange(click.FloatRange):
    """A ``FloatRange`` that also refuses NaN, which every range comparison lets through."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


def fps_option(help_text: str) -> Callable[[F], F]:
    """``--fps``: the film's frame rate, 1 to 300 (a command's default when not given)."""
    return click.option("--fps", type=FiniteRange(min=1.0, max=300.0), default=None, help=help_text)


def output_options(func: F) -> F:
    """``--quiet`` and ``--json``, for scripts."""
    func = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(func)
    func = click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary.")(func)
    return func


def out_option(
    help_text: str = "Output folder (outputs, report and the stage cache).",
) -> Callable[[F], F]:
    """``--out/-o DIR`` (default ``out``), shared by every command that writes files."""
    return click.option(
        "--out",
        "-o",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("out"),
        show_default=True,
        help=help_text,
    )


def asr_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ASR options; the command receives them as one ``asr: AsrSettings`` argument
    (validated before any heavy work), plus ``audio_stream`` and ``out_dir``."""
    options = [
        click.option(
            "--lang",
            "-l",
            default=None,
            help="Spoken language (ISO 639-1), or detect (the default).",
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
            type=click.IntRange(1, MAX_BATCH_SIZE),
            default=1,
            show_default=True,
            help="Batched inference (faster-whisper BatchedInferencePipeline) when > 1.",
        ),
        click.option(
            "--beam-size", type=click.IntRange(1, MAX_BEAM_SIZE), default=5, show_default=True
        ),
        click.option(
            "--audio-stream",
            type=click.IntRange(min=0),
            default=None,
            help=(
                "N-th audio stream to use; default: the first tagged with --lang, else the one"
                " marked default, else the first."
            ),
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
            type=click.IntRange(0, MAX_CPU_THREADS),
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
    lang = spoken_language(lang)  # fails before any heavy work (ky, unknown codes)
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


def speakers_option(func: F) -> F:
    """``--speakers auto|N|off``, received as one ``speakers: SpeakerSettings``."""
    return click.option(
        "--speakers",
        "speakers",
        default="auto",
        show_default=True,
        callback=lambda _ctx, _param, value: SpeakerSettings.parse(value),
        help="Who speaks when: auto (the count is found), a number of speakers to force "
        "(when small roles merge into others), or off.",
    )(func)


def glossary_option(func: F) -> F:
    return click.option(
        "--glossary",
        "-g",
        "glossaries",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Glossary YAML (repeatable: festival + film-specific; later wins).",
    )(func)


def mt_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The translation options; the command receives them as one ``mt: MtSettings``."""
    options = [
        click.option(
            "--mt-model",
            default=None,
            help="CTranslate2 NLLB-200 folder, a pulled name (nllb-200-distilled-600M, "
            "nllb-200-distilled-1.3B), or openai:MODEL (a chat model on the server at "
            "--mt-url); default: nllb-200-distilled-600M.",
        ),
        click.option(
            "--mt",
            "mt_routes",
            default="",
            metavar="LANG=MODEL,...",
            help="Per-language backends, e.g. zh=openai:qwen2.5,kk=nllb-200-distilled-600M; "
            "other languages use --mt-model.",
        ),
        click.option(
            "--mt-url",
            default=None,
            help="OpenAI-compatible server for openai: models (e.g. http://127.0.0.1:8080/v1); "
            "default: $SCODUB_MT_URL, else $OPENAI_BASE_URL. Key: $SCODUB_MT_API_KEY, else "
            "$OPENAI_API_KEY.",
        ),
        click.option(
            "--context",
            "context_file",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Text file with the film's synopsis, given to openai: models as context.",
        ),
        click.option(
            "--mt-window",
            type=click.IntRange(min=1, max=MAX_MT_WINDOW),
            default=8,
            show_default=True,
            help="Cues per request to an openai: model.",
        ),
        click.option(
            "--mt-concurrency",
            type=click.IntRange(min=1, max=MAX_MT_CONCURRENCY),
            default=2,
            show_default=True,
            help="Requests in flight to an openai: server.",
        ),
        click.option(
            "--mt-timeout",
            type=FiniteRange(min=1, max=MAX_TIMEOUT_S),
            default=120.0,
            show_default=True,
            help="Seconds an openai: request may take before it is retried.",
        ),
        click.option("--mt-device", type=click.Choice(DEVICES), default="auto", show_default=True),
        click.option(
            "--mt-beam-size", type=click.IntRange(1, MAX_BEAM_SIZE), default=4, show_default=True
        ),
        click.option(
            "--mt-batch-size",
            type=click.IntRange(1, MAX_MT_BATCH_SIZE),
            default=32,
            show_default=True,
            help="CTranslate2 max_batch_size.",
        ),
        click.option(
            "--n-best",
            type=click.IntRange(1, MAX_BEAM_SIZE),
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
        mt_routes: str,
        mt_url: str | None,
        context_file: Path | None,
        mt_window: int,
        mt_concurrency: int,
        mt_timeout: float,
        **kwargs: Any,
    ) -> Any:
        kwargs["mt"] = MtSettings(
            model=mt_model,
            device=mt_device,
            beam_size=mt_beam_size,
            max_batch_size=mt_batch_size,
            n_best=n_best,
            routes=parse_routes(mt_routes),
            url=mt_url,
            synopsis=read_context(context_file),
            window=mt_window,
            concurrency=mt_concurrency,
            timeout_s=mt_timeout,
        ).validate()
        return func(*args, **kwargs)

    wrapped: Callable[..., Any] = with_settings
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def dub_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """How a film is dubbed: ``--voice`` (``LANG=VOICE`` and ``LANG:S2=VOICE``),
    ``--no-background``, ``--stems``, ``--force``, ``--no-backcheck``; the command receives
    them as one validated ``dub: DubSettings`` (run, batch and dub build it the same way)."""
    options = [
        click.option(
            "--voice",
            "voices",
            multiple=True,
            metavar="LANG=VOICE",
            help="Voice per language: espeak (or a variant, espeak+f2), piper (English), a "
            "Piper .onnx file or folder, or a voice pulled with `scodub models pull "
            "piper:NAME`; default: Piper for English, espeak-ng for the others. "
            "LANG:S2=VOICE casts one speaker.",
        ),
        click.option(
            "--no-background", is_flag=True, help="Dub over silence, not the ducked original."
        ),
        click.option(
            "--stems",
            type=click.Choice(STEM_FORMATS),
            default=None,
            help="Also write each dub as <film>.<lang>.dub.wav or .m4a.",
        ),
        click.option("--force", is_flag=True, help="Overwrite an existing delivery file or stems."),
        click.option(
            "--no-backcheck",
            is_flag=True,
            help="Skip transcribing each dub back with Whisper (the intelligibility score).",
        ),
    ]

    @functools.wraps(func)
    def with_settings(
        *args: Any,
        voices: tuple[str, ...],
        no_background: bool,
        stems: StemFormat | None,
        force: bool,
        no_backcheck: bool,
        **kwargs: Any,
    ) -> Any:
        kwargs["dub"] = DubSettings(
            voices=parse_voice_options(voices),
            speaker_voices=parse_speaker_voices(voices),
            background=not no_background,
            stems=stems,
            force=force,
            backcheck=not no_backcheck,
        ).validate()
        return func(*args, **kwargs)

    wrapped: Callable[..., Any] = with_settings
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def run_settings(
    *,
    langs: str,
    english_from: str,
    do_dub: bool,
    dub_langs: str | None,
    dub: DubSettings,
    asr: AsrSettings,
    audio_stream: int | None,
    glossaries: tuple[Path, ...],
    speakers: SpeakerSettings,
    mt: MtSettings,
) -> RunSettings:
    """The options of ``scodub run`` (and ``scodub batch``'s defaults) as one RunSettings."""
    return RunSettings(
        speakers=speakers,
        asr=asr,
        targets=parse_language_list(langs) if langs.strip() else (),
        glossary_files=glossaries,
        mt=mt,
        english_route=english_from,
        audio_stream=audio_stream,
        dub=dub if do_dub else None,
        dub_langs=parse_language_list(dub_langs) if dub_langs else None,
    )
