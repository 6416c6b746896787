"""``scodub translate``: the subtitle editor's path, from an edited SRT to every language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scodub.cli.common import out_option, output_options, print_json
from scodub.cli.transcribe import glossary_option, mt_options
from scodub.fsutil import ensure_writable_dir, write_json_atomic
from scodub.langs import get_language, parse_language_list
from scodub.mt.localize import MtSettings
from scodub.stages.base import StageContext, cached
from scodub.stages.glossary import GlossaryRef
from scodub.stages.localize import LocalizeStage
from scodub.stages.outputs import output_lock
from scodub.text.qc import check_track
from scodub.text.srt import read_srt, write_srt


@click.command()
@click.argument("source_srt", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "to_langs", required=True, help="Target languages: 'all' or ru,zh,...")
@click.option(
    "--from", "from_lang", default="en", show_default=True, help="Language of SOURCE_SRT."
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of SOURCE_SRT.")
@click.option("--fps", type=float, default=None, help="Film frame rate (default 24).")
@out_option()
@glossary_option
@mt_options
@output_options
def translate(
    source_srt: Path,
    to_langs: str,
    from_lang: str,
    encoding: str,
    fps: float | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    mt: MtSettings,
    quiet: bool,
    as_json: bool,
) -> None:
    """Translate an (edited) SOURCE_SRT into aligned DIR/<name>.<lang>.srt tracks.

    The tracks keep the source's cue count and times; when a language needs more time
    for its reading speed, the out-time moves for every track, and the re-timed source
    is written beside them (the input file is never changed).
    """
    source_lang = get_language(from_lang).code
    targets = tuple(t for t in parse_language_list(to_langs) if t != source_lang)
    ctx = StageContext(out_dir)
    glossary = GlossaryRef.of(glossaries)
    glossary.load(ctx)  # a broken glossary fails before any work
    track = read_srt(source_srt, source_lang, encoding=encoding, fps=fps)
    stage = LocalizeStage.build(source_lang, targets, glossary, mt, source_track=track)
    ensure_writable_dir(out_dir)
    stem = source_srt.name.removesuffix(".srt")
    if stem.endswith(f".{source_lang}"):
        stem = stem[: -len(source_lang) - 1]
    with output_lock(out_dir):
        outcome = cached(stage, ctx)
    result = outcome.result
    paths = {
        lang: write_srt(t, out_dir / f"{stem}.{lang}.srt") for lang, t in result.tracks.items()
    }
    languages: dict[str, dict[str, Any]] = {
        lang: {"qc": check_track(t, fps).to_json()["summary"], **result.reports.get(lang, {})}
        for lang, t in result.tracks.items()
    }
    report: dict[str, Any] = {
        "source": str(source_srt),
        "cached": outcome.reused,
        "outputs": {lang: str(p) for lang, p in paths.items()},
        "languages": languages,
    }
    report_path = out_dir / f"{stem}.translate-report.json"
    write_json_atomic(report_path, report)
    if as_json:
        print_json(report)
    elif not quiet:
        for lang, info in languages.items():
            g = info.get("glossary", {})
            click.echo(
                f"{lang}: {len(result.tracks[lang].cues)} cues, hard-rule violations "
                f"{info['qc']['hard_violations']}, names right {g.get('hits', 0)} "
                f"(repaired {g.get('repairs', 0)}), missed {g.get('misses', 0)} "
                f"-> {paths[lang]}"
            )
        click.echo(f"report: {report_path}")
