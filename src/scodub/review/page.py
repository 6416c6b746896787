"""Write the review page of a run: ``OUT/review/index.html`` and what it loads.

One film: ``review/index.html``, ``review/data.js`` (the grid, ``review.pagedata``),
``review/tracks/<film>.<lang>.vtt`` (WebVTT from the SRTs), ``review/media/`` (links to
the film or its proxy and to the dub mixes) and ``review/assets/`` (the page's scripts
and style, copied from the package). A batch (one subfolder per film): the same per film
under ``review/<subfolder>/``, one shared ``review/assets/`` and an index page.

The page loads only these files: no script, style or font from anywhere else, so it
works offline and from ``file://`` (data goes in as a script, not fetched as JSON,
which browsers refuse to read from ``file://``).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scodub.data import Cue
from scodub.fsutil import ensure_writable_dir, write_text_atomic
from scodub.names.glossary import Glossary
from scodub.review.load import FilmRun, find_runs, load_run
from scodub.review.media import film_media
from scodub.review.pagedata import film_data
from scodub.text.tags import TAG, VTT_TAGS

REVIEW_DIRNAME = "review"
ASSETS = (
    "review.css",
    "util.js",
    "qc.js",
    "terms.js",
    "marks.js",
    "wave.js",
    "review.js",
    "LICENSE.txt",
)


@dataclass(frozen=True, slots=True)
class FilmPage:
    """One film's written page: where it is and what it was built from."""

    key: str  # "" for a single film, else the batch subfolder's name
    run: FilmRun
    page_dir: Path
    rows: int
    languages: tuple[str, ...]

    @property
    def index(self) -> Path:
        return self.page_dir / "index.html"


def vtt_time(ms: int) -> str:
    seconds, millis = divmod(max(0, ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_line(line: str) -> str:
    """One SRT line as WebVTT cue text, as a player shows it: ``<i>``, ``<b>`` and ``<u>``
    as WebVTT's own tags, other markup (``<font color>``, ``<s>``, ASS overrides such as
    ``{\\an8}``) left out, and every other ``&``, ``<`` and ``>`` escaped (markup in
    WebVTT: "a < b" stays as written). ``assets/qc.js``'s ``vttLine`` is the same."""
    out, pos = [], 0
    for match in TAG.finditer(line):
        out.append(html.escape(line[pos : match.start()], quote=False))
        name = (match.group(1) or "").lower()  # None for an ASS override
        if name in VTT_TAGS and not match.group(0).endswith("/>"):
            out.append(f"</{name}>" if match.group(0).startswith("</") else f"<{name}>")
        pos = match.end()
    out.append(html.escape(line[pos:], quote=False))
    return "".join(out)


def compose_vtt(cues: tuple[Cue, ...] | list[Cue]) -> str:
    """WebVTT of SRT cues (each line through ``vtt_line``; a line left empty is left out,
    since a blank line would end the cue)."""
    blocks = ["WEBVTT", ""]
    for number, cue in enumerate(cues, start=1):
        lines = (vtt_line(line) for line in cue.lines)
        text = "\n".join(line for line in lines if line.strip()) or " "
        blocks += [str(number), f"{vtt_time(cue.start_ms)} --> {vtt_time(cue.end_ms)}", text, ""]
    return "\n".join(blocks)


def _copy_assets(review_dir: Path) -> None:
    target = review_dir / "assets"
    target.mkdir(parents=True, exist_ok=True)
    package = resources.files("scodub.review") / "assets"
    for name in ASSETS:
        write_text_atomic(target / name, (package / name).read_text(encoding="utf-8"))


def _film_html(title: str, assets: str, back: str | None) -> str:
    nav = f'<a class="back" href="{back}">all films</a> ' if back else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - scodub review</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/review.css">
</head>
<body>
<header id="bar">
  {nav}<h1>{html.escape(title)}</h1>
  <label><input type="checkbox" id="only-problems"> only problems</label>
  <label>language <select id="filter-lang"><option value="">all</option></select></label>
  <label>rule <select id="filter-rule"><option value="">any</option></select></label>
  <label>speaker <select id="filter-speaker"><option value="">any</option></select></label>
  <span id="counts"></span>
  <button id="save" type="button" disabled>save edits</button>
  <span id="status" role="status"></span>
</header>
<section id="player">
  <video id="video" controls preload="metadata" playsinline></video>
  <div id="player-side">
    <label>subtitles <select id="subs"><option value="">off</option></select></label>
    <label>audio <select id="audio"><option value="">original</option></select></label>
    <audio id="dub-audio" preload="auto"></audio>
    <div id="legend"></div>
  </div>
</section>
<canvas id="wave" height="90"></canvas>
<main id="grid" tabindex="0"><div id="grid-head"></div><div id="grid-body"></div></main>
<script src="data.js"></script>
<script src="{assets}/util.js"></script>
<script src="{assets}/qc.js"></script>
<script src="{assets}/terms.js"></script>
<script src="{assets}/marks.js"></script>
<script src="{assets}/wave.js"></script>
<script src="{assets}/review.js"></script>
</body>
</html>
"""


def _index_html(pages: list[FilmPage]) -> str:
    items = "\n".join(
        f'  <li><a href="{html.escape(quote(p.key))}/index.html">{html.escape(p.run.stem)}</a> '
        f"({p.rows} cues; {', '.join(p.languages)})</li>"
        for p in pages
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>scodub review</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/review.css"></head>
<body class="index"><h1>scodub review: {len(pages)} films</h1>
<ul id="films">
{items}
</ul></body></html>
"""


def write_film_page(
    run: FilmRun,
    page_dir: Path,
    glossary: Glossary | None,
    *,
    assets: str,
    back: str | None = None,
    film: Path | None = None,
    key: str = "",
) -> FilmPage:
    """Write one film's page into ``page_dir`` (assets are at ``assets``, relative)."""
    media = film_media(run, page_dir, film)
    data = film_data(run, glossary, media)
    data["film"]["key"] = key
    tracks_dir = page_dir / "tracks"
    for column in data["columns"]:
        cells = [cell for cell in column["cells"] if cell[2]]  # not a row deleted here
        cues = [Cue(a, b, tuple(text.split("\n"))) for a, b, text in cells]
        name = f"{run.stem}.{column['code']}.vtt"
        write_text_atomic(tracks_dir / name, compose_vtt(cues))
        column["vtt"] = f"tracks/{quote(name)}"
    write_data(page_dir, data)
    write_text_atomic(page_dir / "index.html", _film_html(run.stem, assets, back))
    return FilmPage(key, run, page_dir, data["rows"], tuple(c["code"] for c in data["columns"]))


def write_data(page_dir: Path, data: dict[str, Any]) -> None:
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    write_text_atomic(page_dir / "data.js", f"window.SCODUB_REVIEW = {blob};\n")


def write_review(
    out_dir: Path, glossary: Glossary | None = None, film: Path | None = None
) -> list[FilmPage]:
    """Write ``out_dir/review/`` for the run (or the batch) in ``out_dir``."""
    out_dir = Path(out_dir)
    runs = find_runs(out_dir)
    review_dir = ensure_writable_dir(out_dir / REVIEW_DIRNAME)  # a file there: one line
    _copy_assets(review_dir)
    if len(runs) == 1 and runs[0][0] == out_dir:
        folder, stem = runs[0]
        page = write_film_page(
            load_run(folder, stem), review_dir, glossary, assets="assets", film=film
        )
        return [page]
    pages = []
    for folder, stem in runs:
        key = folder.name if folder != out_dir else stem
        page_dir = review_dir / key
        pages.append(
            write_film_page(
                load_run(folder, stem),
                page_dir,
                glossary,
                assets="../assets",
                back="../index.html",
                key=key,
            )
        )
    write_text_atomic(review_dir / "index.html", _index_html(pages))
    return pages
