"""``scodub translate``: the subtitle editor's path, from an edited SRT to every language.

An editor's ``<film>.<lang>.edited.srt`` (``scodub review``) translates into the film's
own tracks, ``<film>.<target>.srt``, so that the review page and ``scodub dub`` pick the
new translations up; the editors' files (``*.edited.srt``) are never written. A track
that is replaced with different text is kept first as ``<film>.<target>.srt.~N~`` (the
next free N, as the review page keeps an editor's previous save), so no machine output
is lost by a re-translation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from scodub.cli.common import print_json, untranslated_warning
from scodub.cli.options import (
    fps_option,
    glossary_option,
    mt_options,
    out_option,
    output_options,
)
from scodub.errors import ConfigError, InputError, OutputError
from scodub.fsutil import ensure_writable_dir, write_json_atomic
from scodub.inputfiles import TRANSCRIPT_MAX_BYTES, read_input_json
from scodub.langs import LANGUAGES, get_language, parse_language_list
from scodub.mt.backends import check_backends
from scodub.mt.localize import MtSettings
from scodub.naming import (
    EDITED_SUFFIX,
    RETIMED_SUFFIX,
    check_names,
    input_conflicts,
    is_edited_srt,
    is_retimed_srt,
    refuse_inputs,
    srt_path,
    srt_stem,
    translate_report_path,
)
from scodub.stages.base import StageContext, cached
from scodub.stages.glossary import GlossaryRef
from scodub.stages.localize import LocalizeStage
from scodub.stages.outputs import output_lock
from scodub.text.qc import check_track
from scodub.text.srt import read_srt, replace_srt, require_cue_text, require_cues


def _retimed_source_path(
    source_srt: Path, out_dir: Path, stem: str, language: str
) -> dict[str, Path]:
    """Where the re-timed source goes when its usual name is the input itself
    (``translate out/film.en.srt`` into ``out``, the editor's usual round trip): beside
    it as ``<stem>.<lang>.retimed.srt``, so the input is never written (issue 7).

    An edited source (or a re-timed one, edited again) re-timed is still the editor's
    version, not the machine's source; a re-timed one translated into its own folder
    would be written over itself: refused, saying how to name an editor's file."""
    usual = srt_path(out_dir, stem, language)
    edited = is_edited_srt(source_srt, language) or is_retimed_srt(source_srt, language)
    if not input_conflicts([usual], [source_srt]) and not edited:
        return {}
    retimed = out_dir / f"{stem}.{language}{RETIMED_SUFFIX}"
    if input_conflicts([retimed], [source_srt]):
        raise OutputError(
            f"{source_srt}: translate's re-timed copy would be written over it; to edit "
            f"and translate it, save it as {stem}.{language}{EDITED_SUFFIX} (or give "
            "another --out)"
        )
    return {language: retimed}


def _named_language(source_srt: Path) -> str | None:
    """The language scodub's own names give an SRT: ``film.ru.srt``, ``film.ru.edited.srt``
    (the review page's save), ``film.ru.retimed.srt`` -> ``ru``; None for any other name."""
    name = source_srt.name.lower()
    for suffix in (EDITED_SUFFIX, RETIMED_SUFFIX, ".srt"):
        if name.endswith(suffix):
            code = name[: -len(suffix)].rpartition(".")[2]
            return code if code in LANGUAGES and "." in name[: -len(suffix)] else None
    return None


def _source_language(source_srt: Path, from_lang: str | None) -> str:
    """``--from``, else the language the file's name gives, else English. An editor's
    ``<film>.<lang>.edited.srt`` (or translate's ``<film>.<lang>.retimed.srt``) is in
    that language: another ``--from`` is refused (its text would be translated as the
    other language's, into tracks of no film)."""
    named = _named_language(source_srt)
    if from_lang is None:
        return named or "en"
    code = get_language(from_lang).code
    ours = is_edited_srt(source_srt, named or "") or is_retimed_srt(source_srt, named or "")
    if named is not None and named != code and ours:
        raise ConfigError(
            f"{source_srt}: a {get_language(named).name} track by its name, but "
            f"--from {from_lang} was given; give --from {named} (or leave --from out)"
        )
    return code


def _run_film(out_dir: Path, stem: str) -> tuple[int | None, float | None]:
    """The film's length (ms) and frame rate, as ``scodub run`` reported them in the
    folder the tracks go to (``<stem>.report.json``: the tracks replace that film's);
    (None, None) where there is no such report, or it says nothing of them."""
    try:
        report = read_input_json(
            out_dir / f"{stem}.report.json", what="a run report", limit=TRANSCRIPT_MAX_BYTES
        )
    except InputError:  # none (translating anywhere else), or not one: nothing to go by
        return None, None
    stages = report.get("stages") if isinstance(report, dict) else None
    transcribe = stages.get("transcribe") if isinstance(stages, dict) else None
    media = transcribe.get("media") if isinstance(transcribe, dict) else None
    if not isinstance(media, dict):
        return None, None
    length: Any = media.get("duration_ms")
    fps: Any = media.get("fps")
    good_length = type(length) is int and length > 0
    good_fps = type(fps) in (int, float) and 0 < fps <= 1000
    return (length if good_length else None, float(fps) if good_fps else None)


def _glossary_inputs(glossaries: tuple[Path, ...]) -> dict[str, Path]:
    return {f"glossary #{n}": path for n, path in enumerate(glossaries, start=1)}


@click.command()
@click.argument("source_srt", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "to_langs", required=True, help="Target languages: 'all' or ru,zh,...")
@click.option(
    "--from",
    "from_lang",
    default=None,
    help="Language of SOURCE_SRT; default: the one its name gives (film.ru.srt, "
    "film.ru.edited.srt), else en.",
)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of SOURCE_SRT.")
@fps_option("Film frame rate (default 24).")
@out_option()
@glossary_option
@mt_options
@output_options
def translate(
    source_srt: Path,
    to_langs: str,
    from_lang: str | None,
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
    is written beside them (the input file is never changed: when the re-timed source
    would take the input's own name, it is written as <name>.<lang>.retimed.srt).
    """
    source_lang = _source_language(source_srt, from_lang)
    targets = tuple(t for t in parse_language_list(to_langs) if t != source_lang)
    ctx = StageContext(out_dir)
    glossary = GlossaryRef.of(glossaries)
    glossary.load(ctx)  # a broken glossary fails before any work
    stem = srt_stem(source_srt, source_lang)
    # Into a run's folder: its film's length (no out-time moves past it) and frame rate.
    film_end_ms, film_fps = _run_film(out_dir, stem)
    track = read_srt(source_srt, source_lang, encoding=encoding, fps=fps or film_fps)
    require_cues(track, source_srt, "nothing to translate")
    require_cue_text(track, source_srt, "nothing was translated")
    if targets:
        check_backends(mt, targets)  # a model, or an LLM server and its model, checked now
    # The model and its device are checked here, before any work.
    stage = LocalizeStage.build(
        source_lang, targets, glossary, mt, source_track=track, film_end_ms=film_end_ms
    )
    report_path = translate_report_path(out_dir, stem)
    renamed = _retimed_source_path(source_srt, out_dir, stem, source_lang)
    outputs = [srt_path(out_dir, stem, lang) for lang in targets]
    outputs += [renamed.get(source_lang, srt_path(out_dir, stem, source_lang)), report_path]
    check_names(outputs)
    refuse_inputs(outputs, {"source SRT": source_srt} | _glossary_inputs(glossaries))
    ensure_writable_dir(out_dir)
    with output_lock(out_dir):
        outcome = cached(stage, ctx)
        result = outcome.result
        paths = {}
        kept: list[tuple[Path, Path]] = []
        for lang, t in result.tracks.items():
            path = renamed.get(lang, srt_path(out_dir, stem, lang))
            backup = replace_srt(t, path)  # a track with other text: a numbered backup
            kept += [(path, backup)] if backup else []
            paths[lang] = path
        languages: dict[str, dict[str, Any]] = {
            lang: {
                "qc": check_track(t, fps or film_fps, film_ms=film_end_ms).to_json()["summary"],
                **result.reports.get(lang, {}),
            }
            for lang, t in result.tracks.items()
        }
        report: dict[str, Any] = {
            "source": str(source_srt),
            "cached": outcome.reused,
            "outputs": {lang: str(p) for lang, p in paths.items()},
            "replaced_outputs": [{"path": str(p), "kept_as": str(b)} for p, b in kept],
            "languages": languages,
        }
        write_json_atomic(report_path, report)
    for path, backup in kept:  # even with --quiet or --json: an edit may be in it
        click.echo(
            f"scodub: warning: {path} held other text (an edit, or an earlier "
            f"translation); it is replaced, and kept as {backup}",
            err=True,
        )
    for lang, info in languages.items():  # even with --quiet or --json: a track is wrong
        line = untranslated_warning(lang, info)
        if line:
            click.echo(line, err=True)
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
