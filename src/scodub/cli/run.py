"""``scodub run``: the main job, every stage for one film (or only its plan)."""

from __future__ import annotations

from pathlib import Path

import click

from scodub.asr.speakers import SpeakerSettings
from scodub.asr.whisper import AsrSettings
from scodub.cli.common import print_json, progress_bar
from scodub.cli.options import (
    asr_options,
    dub_options,
    glossary_option,
    mt_options,
    output_options,
    run_settings,
    speakers_option,
)
from scodub.cli.report import finish
from scodub.errors import ConfigError
from scodub.fsutil import output_folder
from scodub.langs import get_language
from scodub.media.probe import require_file
from scodub.mt.localize import MtSettings
from scodub.stages.base import StageContext
from scodub.stages.dub import DubSettings
from scodub.stages.plan import RunSettings, describe_plan, plan_film, plan_json
from scodub.stages.run import run_film


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
    "--plan",
    "plan_only",
    is_flag=True,
    help="Print the stages this run would run and which are cached; run nothing.",
)
@dub_options
@asr_options
@glossary_option
@speakers_option
@mt_options
@output_options
def run(
    film: Path,
    langs: str,
    english_from: str,
    do_dub: bool,
    dub_langs: str | None,
    dub: DubSettings,
    asr: AsrSettings,
    audio_stream: int | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    speakers: SpeakerSettings,
    mt: MtSettings,
    quiet: bool,
    as_json: bool,
    plan_only: bool,
) -> None:
    """The main job: every stage for FILM, each cached so a re-run reuses finished work."""
    if not do_dub:  # asked for a dub's details but no dub: not quietly a run without one
        given = [
            option
            for option, value in (
                ("--dub-langs", dub_langs),
                ("--voice", dub.voices or dub.speaker_voices),
                ("--stems", dub.stems),
            )
            if value
        ]
        if given:
            raise ConfigError(f"{', '.join(given)} without --dub: add --dub to dub the tracks")
    settings = run_settings(
        langs=langs,
        english_from=english_from,
        do_dub=do_dub,
        dub_langs=dub_langs,
        dub=dub,
        asr=asr,
        audio_stream=audio_stream,
        glossaries=glossaries,
        speakers=speakers,
        mt=mt,
    )
    refuse_unused_voices(settings)
    require_file(film)  # a missing film: one line, no output folder made
    if plan_only:
        with output_folder(out_dir):  # a plan refused leaves no folder, as a run does
            ctx = StageContext(out_dir)
            plan = plan_film(film, out_dir, settings, ctx, to_show=True)
        if as_json:
            print_json(plan_json(plan, ctx))
        else:
            click.echo("\n".join(describe_plan(plan, ctx)))
        return
    with output_folder(out_dir), progress_bar(quiet) as progress:
        report = run_film(film, out_dir, settings, progress=progress)
    finish(report, quiet, as_json)


def refuse_unused_voices(settings: RunSettings) -> None:
    """A ``--voice`` for a language this run does not dub is refused, not dropped without
    a word (a typo for the language meant gave its speakers the default voices). Not in
    the plan: a batch's shared voices may name languages that some of its films do not
    dub. A spoken language still to be detected may turn out to be one of the targets."""
    dub = settings.dub
    if dub is None:
        return
    spoken = settings.asr.language
    dubbed = settings.dub_langs or tuple(t for t in settings.targets if t != spoken)
    if not dubbed:
        return  # the plan refuses it: nothing to dub
    voiced = {get_language(code).code for code in (*dub.voices, *dub.speaker_voices)}
    unused = sorted(voiced - set(dubbed))
    if unused:
        raise ConfigError(
            f"--voice for {', '.join(unused)}, which is not dubbed (dubbed: "
            f"{', '.join(dubbed)}); add it to --dub-langs"
        )
