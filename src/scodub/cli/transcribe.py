"""``scodub transcribe``: a film into its spoken language's subtitles and transcript."""

from __future__ import annotations

from pathlib import Path

import click

from scodub.asr.speakers import SpeakerSettings
from scodub.asr.whisper import AsrSettings
from scodub.cli.common import progress_bar
from scodub.cli.options import asr_options, glossary_option, output_options, speakers_option
from scodub.cli.report import finish
from scodub.fsutil import output_folder
from scodub.media.probe import require_file
from scodub.stages.run import RunSettings, run_film


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@asr_options
@glossary_option
@speakers_option
@output_options
def transcribe(
    film: Path,
    asr: AsrSettings,
    speakers: SpeakerSettings,
    audio_stream: int | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    quiet: bool,
    as_json: bool,
) -> None:
    """Transcribe FILM into DIR/<film>.<lang>.srt and a JSON transcript with word timings."""
    settings = RunSettings(
        asr=asr, glossary_files=glossaries, audio_stream=audio_stream, speakers=speakers
    )
    require_file(film)  # a missing film: one line, no output folder made
    with output_folder(out_dir), progress_bar(quiet) as progress:
        report = run_film(film, out_dir, settings, progress=progress)
    finish(report, quiet, as_json)


