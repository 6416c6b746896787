"""``scodub review``: the editors' review page of a finished run (``scodub.review``)."""

from __future__ import annotations

from pathlib import Path

import click

from scodub.cli.options import glossary_option
from scodub.errors import ConfigError
from scodub.names.io import load_glossaries
from scodub.review.load import find_runs, load_run
from scodub.review.page import REVIEW_DIRNAME, FilmPage, write_film_page, write_review
from scodub.review.serve import ReviewServer


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@glossary_option
@click.option(
    "--film",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The film, when it is no longer where the run found it (one film only).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the page on 127.0.0.1 (a free port, a token in the URL) and save edits "
    "as <film>.<lang>.edited.srt beside the machine output.",
)
def review(out_dir: Path, glossaries: tuple[Path, ...], film: Path | None, serve: bool) -> None:
    """Write OUT_DIR/review/index.html: the film with every subtitle track and dub, the
    waveform with the cue boxes, and every language's cues side by side with the QC
    rules each breaks, glossary names, ASR corrections and dub speed-ups.

    OUT_DIR is the --out folder of `scodub run` (or a batch folder with one subfolder
    per film). The page works offline; open it in a browser, or use --serve to edit.
    """
    glossary = load_glossaries(glossaries) if glossaries else None
    if film is not None and len(find_runs(out_dir)) > 1:
        raise ConfigError("--film names one film; this folder holds a batch")
    pages = write_review(out_dir, glossary, film)
    review_dir = out_dir / REVIEW_DIRNAME
    click.echo(f"review page: {review_dir / 'index.html'} ({len(pages)} film(s))")
    if not serve:
        return

    def rebuild(page: FilmPage) -> FilmPage:
        single = page.page_dir == review_dir
        return write_film_page(
            load_run(page.run.folder, page.run.stem),
            page.page_dir,
            glossary,
            assets="assets" if single else "../assets",
            back=None if single else "../index.html",
            film=film,
            key=page.key,
        )

    server = ReviewServer(review_dir, pages, rebuild)
    click.echo(f"serving on {server.url} (Ctrl-C to stop)", nl=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
