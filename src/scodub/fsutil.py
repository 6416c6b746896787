"""Atomic file output: a reader never sees a half-written file, a failure never
destroys a finished one."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scodub import scratch
from scodub.errors import OutputError


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The temporary file keeps the target's suffix so tools that sniff the extension
    (ffmpeg picks the muxer from it) behave the same.
    """
    target = Path(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # During a run, the half-written file lives in the run's temporary folder (swept
        # after a kill -9; same file system, so the rename stays atomic): scodub.scratch.
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem[:40]}.",
            suffix=f".part{target.suffix}",
            dir=scratch.folder_for(folder) or folder,
        )
    except OSError as exc:
        if exc.errno in scratch.DISK_FULL:
            raise scratch.no_space(folder, exc) from exc
        raise OutputError(f"{folder}: cannot write here ({exc.strerror or exc})") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); a delivered file gets the usual mode.
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, target)
        except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise OutputError(f"{target}: cannot write it ({exc.strerror or exc})") from exc
    except OSError as exc:
        if exc.errno in scratch.DISK_FULL:  # what was written before stays as it was
            raise scratch.no_space(folder, exc) from exc
        raise
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(target: Path, obj: Any) -> None:
    write_text_atomic(target, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def ensure_writable_dir(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it is writable before any heavy work."""
    folder = Path(folder)
    if folder.is_symlink() and not folder.exists():  # mkdir's own words: "File exists"
        raise OutputError(
            f"{folder}: output folder is a link to {os.readlink(folder)}, which does not exist"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".scodub-probe-"):
            pass
    except OSError as exc:
        raise OutputError(
            f"{folder}: output folder is not writable ({exc.strerror or exc})"
        ) from exc
    return folder


@contextlib.contextmanager
def output_folder(folder: Path) -> Iterator[Path]:
    """``ensure_writable_dir(folder)`` for one command: when the command made the folder
    and fails before writing anything into it (scodub's lock and empty folders aside),
    the folder is removed again, so that bad input leaves no empty folder behind."""
    folder = Path(folder)
    existed = folder.exists() or folder.is_symlink()
    made = folder  # the outermost folder this command makes (--out new/a/b makes new/)
    while not (made.parent.exists() or made.parent.is_symlink()) and made.parent != made:
        made = made.parent
    ensure_writable_dir(folder)
    try:
        yield folder
    except BaseException:
        if not existed:
            _remove_if_unused(made)
        raise


def _remove_if_unused(folder: Path) -> None:
    try:
        for path in folder.rglob("*"):
            if path.is_symlink() or (path.is_file() and path.name != "lock"):
                return
        shutil.rmtree(folder)
    except OSError:
        return  # a folder that cannot be read or removed is kept for the user to see


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


_BACKUP = re.compile(r"\.~(\d+)~$")


def keep_previous(target: Path) -> Path:
    """Keep ``target`` as its next numbered backup, ``<name>.~N~``, before it is replaced
    (a hard link, so the file never disappears, not even briefly; a copy where links are
    not possible); never over an existing backup. Returns the backup's path."""
    target = Path(target)
    for _ in range(1000):
        numbers = [
            int(match[1])
            for other in target.parent.glob(f"{glob.escape(target.name)}.~*~")
            if (match := _BACKUP.search(other.name))
        ]
        backup = target.with_name(f"{target.name}.~{max(numbers, default=0) + 1}~")
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:
            continue  # another writer took that number
        except OSError:
            try:
                with open(target, "rb") as source, open(backup, "xb") as copy:
                    shutil.copyfileobj(source, copy)
            except FileExistsError:
                continue
            shutil.copystat(target, backup)
            return backup
    raise OutputError(f"{target}: cannot find a free backup name")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
