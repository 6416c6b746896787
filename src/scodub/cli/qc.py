"""``scodub qc``: check an SRT file against a language's subtitle rules.

Prints the QC report (a table, or JSON with ``--json``); exits 1 when a hard rule is
broken, 0 otherwise. With ``--film``, the film's shot changes are detected
(``scodub.media.shots``) and the shot-change rules checked too, and no cue may end after
the film (hard); its frame rate is used unless ``--fps`` is given. A film without a
picture is checked without the shot rules (a note says so). A malformed or unreadable
file, and an empty track (no cues), is a ScodubError (one line, exit 1).
"""

from __future__ import annotations

from pathlib import Path

import click

from scodub.cli.common import print_json
from scodub.cli.options import fps_option
from scodub.langs import LANGUAGES, get_language
from scodub.media.probe import choose_audio_stream, probe
from scodub.media.shots import detect_shots
from scodub.text.qc import check_track
from scodub.text.srt import read_srt, require_cues


@click.command("qc")
@click.argument("srt_file", metavar="FILE.srt", type=click.Path(path_type=Path))
@click.option(
    "--lang",
    required=True,
    help=f"Language of the subtitles ({', '.join(LANGUAGES)}; ISO 639-2 codes work too).",
)
@fps_option("The film's frame rate, for the frame-based gaps (default 24).")
@click.option(
    "--film",
    type=click.Path(path_type=Path),
    default=None,
    help="The film the subtitles belong to: also check the shot-change rules against its cuts.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Text encoding of the file (a byte-order mark overrides it).",
)
def qc(
    srt_file: Path,
    lang: str,
    fps: float | None,
    film: Path | None,
    as_json: bool,
    encoding: str,
) -> None:
    """Check FILE.srt: lines, line width, durations, gaps, order (hard rules) and
    reading speed, chaining, line use, RTL marks, shot changes with --film (soft rules)."""
    language = get_language(lang)
    cuts: tuple[int, ...] | None = None
    film_ms: int | None = None
    if film is not None:
        info = probe(film)
        fps = fps or info.fps
        # the film's timeline, as scodub run clips its cues to it
        film_ms = info.timeline_ms(choose_audio_stream(info)) if info.audio else info.duration_ms
        if info.video:
            cuts = detect_shots(film, info.fps, offset_ms=info.video[0].read_offset_ms).cuts_ms
        else:
            click.echo(f"{film}: no picture, so no shot changes to check", err=True)
    track = read_srt(srt_file, language.code, encoding=encoding, fps=fps)
    require_cues(track, srt_file, "nothing to check")  # an empty track never passes
    report = check_track(track, fps, cuts, film_ms)
    if as_json:
        extra = {"film": str(film), "cuts_ms": list(cuts)} if cuts is not None else {}
        print_json({"file": str(srt_file), **extra, **report.to_json()})
    else:
        click.echo(f"{srt_file}")
        click.echo(report.render_table())
    if not report.ok:
        raise SystemExit(1)
