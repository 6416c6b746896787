"""``scodub batch``: many films from a manifest or a folder, and ``scodub batch status``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from scodub.asr.speakers import SpeakerSettings
from scodub.asr.whisper import AsrSettings
from scodub.batch.local import MAX_WORKERS
from scodub.batch.manifest import (
    Defaults,
    FilmEntry,
    absolute_models,
    read_manifest,
    scan_folder,
)
from scodub.batch.state import BatchState, chain, json_lines, load_state, run_state, table
from scodub.batch.validate import validate
from scodub.cli.options import (
    asr_options,
    dub_options,
    glossary_option,
    mt_options,
    run_settings,
    speakers_option,
)
from scodub.cli.progress import batch_progress
from scodub.errors import ConfigError
from scodub.mt.localize import MtSettings
from scodub.stages.dub import DubSettings

EXECUTORS = ("local", "ray")


class _BatchGroup(click.Group):
    """``scodub batch TARGET`` runs a batch; ``scodub batch status DIR`` shows one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_BatchGroup)
def batch() -> None:
    """Many films: `scodub batch MANIFEST|FOLDER --out DIR`, `scodub batch status DIR`.

    MANIFEST is YAML or CSV (README, 'Batches'); FOLDER takes every media file in it with
    the settings given as options. Each film gets DIR/<film-id>/ with what `scodub run`
    writes; stages are cached, so running the same command again resumes.
    """


@batch.command("status")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print DIR/batch.json as it is.")
def status(out_dir: Path, as_json: bool) -> None:
    """The film x stage table of a running or finished batch in DIR."""
    import json

    from scodub.batch.run import batch_running

    data = load_state(out_dir)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    state = run_state(data, batch_running(out_dir))
    click.echo(f"{out_dir}: {state} ({data['executor']}, started {data['started_at']})")
    click.echo(table(data))


@batch.command("run")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--langs", default="", help="Default subtitle languages (comma list or 'all').")
@click.option("--english-from", type=click.Choice(["mt", "whisper"]), default="mt")
@click.option("--dub", "do_dub", is_flag=True, help="Dub every film by default.")
@click.option("--dub-langs", default=None, help="Default languages to dub (comma list).")
@click.option("--skip-invalid", is_flag=True, help="Run the valid films; report the others.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster: HOST:PORT or auto (--executor ray).")
@click.option(
    "--workers",
    type=click.IntRange(1, MAX_WORKERS),
    default=None,
    help="Local worker processes; default: one per core (each may load a model: "
    "a few hundred MB).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON event per line on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no table.")
@dub_options
@asr_options
@glossary_option
@speakers_option
@mt_options
def run_command(
    target: Path,
    langs: str,
    english_from: str,
    do_dub: bool,
    dub_langs: str | None,
    dub: DubSettings,
    skip_invalid: bool,
    executor: str,
    address: str | None,
    workers: int | None,
    as_json: bool,
    quiet: bool,
    asr: AsrSettings,
    audio_stream: int | None,
    out_dir: Path,
    glossaries: tuple[Path, ...],
    speakers: SpeakerSettings,
    mt: MtSettings,
) -> None:
    """Run a batch: validate every film first, then every stage of every film."""
    from scodub.batch.run import batch_lock

    settings = run_settings(
        langs=langs,
        english_from=english_from,
        do_dub=do_dub,
        dub_langs=dub_langs,
        dub=dub,
        asr=asr,
        audio_stream=audio_stream,
        glossaries=tuple(p.absolute() for p in glossaries),
        speakers=speakers,
        mt=mt,
    )
    defaults = Defaults(absolute_models(settings, Path.cwd()), dub)
    chosen = _executor(executor, address, workers)  # without Ray: say so before any work
    if target.is_dir():
        entries = scan_folder(target, defaults, exclude=out_dir)
    else:
        entries = read_manifest(target, defaults, out_dir=out_dir)
    with batch_lock(out_dir):  # a second batch here stops before validation writes
        state = _validated_run(entries, out_dir, chosen, skip_invalid, quiet, as_json)
    data = state.to_json()
    if not quiet and not as_json:
        click.echo(table(data))
    elif not quiet:
        click.echo(table(data), err=True)
    if state.failed():
        sys.exit(1)


def _validated_run(
    entries: list[FilmEntry],
    out_dir: Path,
    chosen: Any,
    skip_invalid: bool,
    quiet: bool,
    as_json: bool,
) -> BatchState:
    from scodub.batch.run import run_batch

    checked = validate(entries, out_dir)
    for problem in checked.problems:
        click.echo(f"scodub: invalid: {problem.line()}", err=True)
    if checked.problems and (not skip_invalid or not checked.valid):
        films = len(checked.invalid) or "the output folder"
        raise ConfigError(
            f"{len(checked.problems)} problem(s) in {films} film(s); nothing was started "
            "(fix them, or run the valid films with --skip-invalid)"
        )
    progress, close = batch_progress(quiet)
    emit = chain(json_lines(click.echo) if as_json else None, progress)
    state = run_batch(
        checked.valid,
        checked.plans,
        out_dir,
        chosen,
        invalid=[p.line() for p in checked.problems],
        emit=emit,
    )
    close()
    return state


def _executor(name: str, address: str | None, workers: int | None) -> Any:
    if name == "ray":
        from scodub.batch.ray_executor import RayExecutor, check_address, import_ray

        import_ray()  # without Ray: one line saying how to install it, before any work
        check_address(address)  # no cluster there: one line, before any work
        return RayExecutor(address=address)
    if address:
        raise ConfigError("--address is for --executor ray")
    from scodub.batch.local import LocalExecutor

    return LocalExecutor(workers=workers)
