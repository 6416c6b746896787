"""``scodub dub``: dub a film from its SRT tracks into one tagged delivery file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import click

from scodub.asr.whisper import AsrSettings
from scodub.cli.common import print_json, progress_bar
from scodub.cli.options import dub_options, out_option, output_options
from scodub.devices import DEVICES
from scodub.dub.casting import load_timeline, transcript_audio_stream
from scodub.errors import ConfigError
from scodub.langs import get_language
from scodub.media.probe import MediaInfo, probe
from scodub.naming import transcript_path
from scodub.stages.deliver import DubReport, LanguageDub, dub_film, write_dub_report
from scodub.stages.dub import DubSettings
from scodub.stages.outputs import made_for


def parse_track_options(values: Iterable[str]) -> dict[str, Path]:
    """``["ru=film.ru.srt", "en=film.en.srt"]`` (repeated ``--track``) to ``{code: path}``."""
    tracks: dict[str, Path] = {}
    for value in values:
        code, sep, path = value.partition("=")
        if not sep or not code.strip() or not path.strip():
            raise ConfigError(
                f"--track {value!r}: expected LANG=FILE.srt, e.g. ru=film.ru.srt or "
                "zh=/subs/film.zh.srt"
            )
        lang = get_language(code)
        if lang.code in tracks:
            raise ConfigError(f"--track given twice for {lang.name} ({lang.code}); give one")
        tracks[lang.code] = Path(path.strip())
    return tracks


def _run_transcript(film: Path, out_dir: Path, info: MediaInfo) -> Path | None:
    """The transcript ``scodub run`` wrote for this very film in ``out_dir`` (the folder's
    register names the film; its length fits): a re-dub of an editor's tracks there keeps
    the run's speakers and audio stream. None for any other folder."""
    path = transcript_path(out_dir, film)
    if not (path.is_file() and made_for(out_dir, film)):
        return None
    try:
        load_timeline(path, info)
    except ConfigError:  # the film was re-cut since: that transcript is not of it
        return None
    return path


def _language_summary(dub: LanguageDub) -> list[str]:
    mix = dub.mix
    verdict = "meets EBU R128" if mix.meets_target else "MISSES EBU R128"
    check = dub.backcheck.describe() if dub.backcheck else "not checked (--no-backcheck)"
    lines = [
        f"  {dub.language}: {dub.voice.route}" + (" (reused from the cache)" if dub.cached else ""),
        *(f"    {line}" for line in dub.fit.describe().splitlines()),
        f"    loudness {mix.integrated_lufs:.1f} LUFS, true peak {mix.true_peak_dbtp:.1f} dBTP, "
        f"LRA {mix.lra:.1f} LU: {verdict}",
        f"    intelligibility (Whisper on the mix): {check}",
        *(f"    speaker {speaker}: {voice.voice}" for speaker, voice in dub.cast.items()),
    ]
    return lines


def _stream_line(report: DubReport, position: int) -> str:
    stream = report.streams[position]
    flags = [name for name in ("default", "original", "forced") if getattr(stream, name)]
    title = f' "{stream.title}"' if stream.title else ""
    return f"    #{stream.index} {stream.type} {stream.codec} {stream.language or 'und'}{title}" + (
        f" [{', '.join(flags)}]" if flags else ""
    )


def _summary(report: DubReport, report_file: Path) -> None:
    click.echo(f"{report.film.name} -> {report.delivery} ({report.seconds:.1f} s)")
    for dub in report.languages:
        for line in _language_summary(dub):
            click.echo(line)
    click.echo("  streams:")
    for position in range(len(report.streams)):
        click.echo(_stream_line(report, position))
    for code, path in report.stems.items():
        click.echo(f"  stem {code}: {path}")
    click.echo(f"  report: {report_file}")


@click.command()
@click.argument("film", type=click.Path(path_type=Path))
@click.option(
    "--track",
    "-t",
    "tracks",
    multiple=True,
    required=True,
    metavar="LANG=FILE.srt",
    help="A language and its SRT file (ours or an editor's); repeat for each language.",
)
@out_option("Output folder (the delivery file, stems, report and the stage cache).")
@click.option(
    "--transcript",
    "transcript_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The film's <film>.transcript.json: each speaker found in it gets a voice of "
    "their kind (lower/higher) in every language; default: the one scodub run wrote for "
    "FILM in DIR, if any.",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of the SRT files (cp1251, gb18030, cp1256, ...).",
)
@click.option(
    "--audio-stream",
    type=click.IntRange(min=0),
    default=None,
    help="N-th audio stream of the film to dub over; default: the one --transcript was "
    "heard from, else the one marked default, else the first.",
)
@click.option(
    "--asr-model",
    default=None,
    help="Whisper model for the back-check; default: the embedded Whisper base.",
)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@dub_options
@output_options
def dub(
    film: Path,
    tracks: tuple[str, ...],
    out_dir: Path,
    transcript_file: Path | None,
    encoding: str,
    audio_stream: int | None,
    asr_model: str | None,
    device: str,
    dub: DubSettings,
    quiet: bool,
    as_json: bool,
) -> None:
    """Dub FILM from its SRT tracks into DIR/<film>.dub.mkv: the picture, the original
    audio, and one dubbed audio track and one subtitle track per language, all tagged.

    Each line is spoken inside its cue's slot (faster speech first, then a time-stretch
    of at most 1.25x), mixed over the ducked original at -23 LUFS / -1 dBTP, and
    transcribed back with Whisper for an intelligibility score. Finished languages are
    cached in DIR, so a re-run reuses them.
    """
    info = probe(film)
    if transcript_file is None:
        transcript_file = _run_transcript(film, out_dir, info)
    timeline = load_timeline(transcript_file, info) if transcript_file else None
    if transcript_file and audio_stream is None:  # the stream the transcript was heard from
        audio_stream = transcript_audio_stream(transcript_file, info)
    by_hand = dub.first_cast()
    if by_hand and timeline is None:  # else the voice would go unused, without a word
        raise ConfigError(
            f"{by_hand}: {transcript_file} has no speakers"
            if transcript_file
            else f"{by_hand}: speakers are known from the film's transcript; give --transcript "
            "FILM.transcript.json (from scodub run or transcribe), or --voice LANG=VOICE"
        )
    settings = replace(dub, timeline=timeline, encoding=encoding)
    asr = AsrSettings(model=asr_model, device=device)
    with progress_bar(quiet) as progress:
        report = dub_film(
            film,
            parse_track_options(tracks),
            out_dir,
            settings,
            asr=asr,
            audio_stream=audio_stream,
            progress=progress,
        )
    report_file = write_dub_report(report)
    for warning in report.warnings():
        click.echo(f"scodub: warning: {warning}", err=True)
    if as_json:
        print_json({**report.to_json(), "report": str(report_file)})
    elif not quiet:
        _summary(report, report_file)
