"""Who writes in an output folder: one run at a time, one film per file name.

``output_lock`` holds an exclusive ``flock`` on ``OUT/.scodub/lock`` for the whole run:
a second run into the same folder stops at once with one line naming the folder and the
holder's pid. The kernel drops the lock when its holder dies, even by ``kill -9``, so a
crashed run never blocks the next one.

``claim_stem`` keeps outputs of different films apart: outputs are named after the film
(``<stem>.en.srt``), so before anything is written the folder's register
(``OUT/.scodub/films.json``) must name no other film under that stem. Same-named films
from different folders go into different output folders (``scodub batch`` does that).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from scodub.errors import OutputError
from scodub.fsutil import write_json_atomic
from scodub.stages.cache import CACHE_DIRNAME
from scodub.stages.film import Film


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir`` for this process; refuse when another run holds it."""
    folder = Path(out_dir) / CACHE_DIRNAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / "lock", "a+", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: output folder is not writable ({exc.strerror or exc})"
        ) from exc
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise OutputError(
                f"{out_dir}: another scodub run is writing here (pid {holder}); wait for it "
                "to finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _register(out_dir: Path) -> dict[str, dict[str, str]]:
    path = Path(out_dir) / CACHE_DIRNAME / "films.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("path"), str)}


def claim_stem(out_dir: Path, film: Film) -> None:
    """Record that ``film`` owns its file stem in ``out_dir``; refuse when another film
    (another path and other content) already does. Call before any output is written."""
    register = _register(out_dir)
    mine = {"path": str(film.path.resolve()), "content": film.content_hash}
    owner = register.get(film.stem)
    if (
        owner is not None
        and owner["path"] != mine["path"]
        and owner.get("content") != film.content_hash
    ):
        raise OutputError(
            f"{out_dir}: already holds the outputs of {owner['path']} under the name "
            f"{film.stem!r}; write {film.path} into another --out"
        )
    if owner != mine:
        register[film.stem] = mine
        write_json_atomic(Path(out_dir) / CACHE_DIRNAME / "films.json", register)
