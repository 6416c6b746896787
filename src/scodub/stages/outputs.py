"""Who writes in an output folder: one run at a time, one film per file name.

``output_lock`` holds an exclusive ``flock`` on ``OUT/.scodub/lock`` for the whole run:
a second run into the same folder stops at once with one line naming the folder and the
holder's pid. The kernel drops the lock when its holder dies, even by ``kill -9``, so a
crashed run never blocks the next one. Whoever holds the lock is the only writer, so
what a killed run left half-written beside its targets (``.*.part*`` files of atomic
writes) is swept then; the run's own temporary folder is ``scodub.scratch``'s.

``claim_stem`` keeps outputs of different films apart: outputs are named after the film
(``<stem>.en.srt``), so before anything is written the folder's register
(``OUT/.scodub/films.json``) must name no other film under that stem. Same-named films
from different folders go into different output folders (``scodub batch`` does that).

The register also notes which version of the film (its content hash) each output was
made from (``record_outputs``, after a run has written its outputs). When the film file
is replaced and run again with fewer options (no ``--dub``, fewer languages), what the
new run did not remake is kept but is stale: the run names each such file (the report's
``stale_outputs`` and a warning), instead of leaving a dub of the old cut beside new
subtitles without a word.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scodub import naming
from scodub.data import Track
from scodub.errors import OutputError
from scodub.fsutil import sha256_bytes, write_json_atomic
from scodub.langs import LANGUAGES
from scodub.scratch import run_scratch
from scodub.stages.cache import CACHE_DIRNAME
from scodub.stages.film import Film
from scodub.text.srt import compose_srt, replace_srt

#: The folder a batch keeps its own state in, in the batch's --out (``scodub.batch``).
BATCH_DIRNAME = ".scodub-batch"


def holds_single_runs(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds outputs of ``scodub run`` (or transcribe, dub) itself."""
    return (Path(out_dir) / CACHE_DIRNAME / "films.json").is_file()


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir`` for this process; refuse when another run holds it."""
    if (Path(out_dir) / BATCH_DIRNAME).is_dir():  # its films are in subfolders
        raise OutputError(
            f"{out_dir}: is a scodub batch's folder; write this film into another --out"
        )
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
        sweep_leftovers(Path(out_dir))
        try:
            with run_scratch(Path(out_dir)):
                yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def sweep_leftovers(out_dir: Path) -> list[Path]:
    """Remove what killed runs left half-written in ``out_dir``; the lock must be held."""
    removed: list[Path] = []
    cache = out_dir / CACHE_DIRNAME
    candidates = [*out_dir.glob(".*.part*"), *cache.glob("**/.*.part*")]
    candidates += [*out_dir.glob(".scodub-probe-*")]
    for path in candidates:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputError(f"{path}: cannot remove a leftover of a killed run ({exc})") from exc
        removed.append(path)
    return removed


def _register(out_dir: Path) -> dict[str, dict[str, Any]]:
    path = Path(out_dir) / CACHE_DIRNAME / "films.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("path"), str)}


def made_for(out_dir: Path, film: Path) -> bool:
    """Whether ``out_dir`` holds outputs made from the film file ``film`` (its register
    names the file; nothing is written)."""
    path = str(Path(film).resolve())
    return any(entry["path"] == path for entry in _register(out_dir).values())


def stem_owner(out_dir: Path, film: Film) -> str | None:
    """The other film (its path) whose outputs ``out_dir`` holds under ``film``'s file
    stem (another path and other content), else None; nothing is written."""
    owner = _register(out_dir).get(film.stem)
    if (
        owner is not None
        and owner["path"] != str(film.path.resolve())
        and owner.get("content") != film.content_hash
    ):
        return str(owner["path"])
    return None


def claim_stem(out_dir: Path, film: Film) -> None:
    """Record that ``film`` owns its file stem in ``out_dir``; refuse when another film
    (another path and other content) already does. Call before any output is written."""
    register = _register(out_dir)
    mine = {"path": str(film.path.resolve()), "content": film.content_hash}
    owner = register.get(film.stem)
    other = stem_owner(out_dir, film)
    if other is not None:
        raise OutputError(
            f"{out_dir}: already holds the outputs of {other} under the name "
            f"{film.stem!r}; write {film.path} into another --out"
        )
    if owner is None or {k: owner.get(k) for k in mine} != mine:
        register[film.stem] = {**mine, "outputs": _made(owner, Path(out_dir), film)}
        write_json_atomic(Path(out_dir) / CACHE_DIRNAME / "films.json", register)


def _made(owner: dict[str, Any] | None, out_dir: Path, film: Film) -> dict[str, str]:
    """Output name -> content hash of the film it was made from, as the register has it;
    a register written before outputs were noted gives its film's every existing output."""
    if owner is None:
        return {}
    made = owner.get("outputs")
    if isinstance(made, dict):
        return {k: v for k, v in made.items() if isinstance(k, str) and isinstance(v, str)}
    names = naming.film_outputs(film.path, out_dir, LANGUAGES, dub=True, stems="wav")
    names += naming.film_outputs(film.path, out_dir, LANGUAGES, dub=True, stems="m4a")
    return {p.name: str(owner.get("content", "")) for p in names if p.exists()}


def record_outputs(out_dir: Path, film: Film, written: Iterable[Path]) -> list[Path]:
    """Note that this run made ``written`` from ``film`` as it is now; the outputs of its
    name it did not write that were made from another version of it (stale), in order."""
    register = _register(out_dir)
    entry = dict(register.get(film.stem) or {"path": str(film.path.resolve())})
    entry["content"] = film.content_hash
    made = _made(entry, Path(out_dir), film)
    made.update({Path(p).name: film.content_hash for p in written})
    made = {name: content for name, content in made.items() if (Path(out_dir) / name).exists()}
    register[film.stem] = {**entry, "outputs": made}
    write_json_atomic(Path(out_dir) / CACHE_DIRNAME / "films.json", register)
    return sorted(Path(out_dir) / n for n, content in made.items() if content != film.content_hash)


def write_machine_srts(
    out_dir: Path, tracks: Iterable[tuple[Path, Track]]
) -> list[tuple[Path, Path]]:
    """Write each track to its path. A file there that is not what a run last wrote (an
    editor changed it by hand, or ``translate`` re-translated it) is first kept as its
    next numbered backup: the (path, backup) pairs. A run's own earlier output (another
    model, another glossary) is simply replaced."""
    index_path = Path(out_dir) / CACHE_DIRNAME / "written.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    index = index if isinstance(index, dict) else {}
    kept: list[tuple[Path, Path]] = []
    for path, track in tracks:
        backup = replace_srt(track, path, mine=index.get(path.name))
        kept += [(path, backup)] if backup else []
        index[path.name] = sha256_bytes(compose_srt(track.cues).encode("utf-8"))
    write_json_atomic(index_path, index)
    return kept
