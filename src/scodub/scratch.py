"""One temporary folder per run, inside the output folder, swept when its owner is dead.

A run's half-written files (``.part.flac`` and ``.part.mkv`` before their atomic rename,
a dub stem before it is mixed, the ducking envelope) all live in
``OUT/.scodub/tmp/<pid>-<random>/``. The run holds an exclusive ``flock`` on that folder
for as long as it lives; the kernel drops the lock when the process ends, however it
ends (``kill -9`` included). Every run sweeps ``OUT/.scodub/tmp/`` when it starts and
removes the folders whose lock it can take: their owners are dead.

``run_scratch(out_dir)`` marks the span of a run (re-entrant: a run that calls another
stage with the same folder shares one); the folder itself is made at the first need, so a
run that fails its checks writes nothing. Outside a run (library use) temporary files go
where they went before: beside their target, or in the system's temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scodub.errors import OutputError

#: ``OUT/<this>``: every run's temporary folder.
TMP_DIRNAME = ".scodub/tmp"
#: A folder whose owner's pid is alive and younger than this is being set up (mkdir comes
#: just before flock): left alone even when unlocked.
_SETUP_GRACE_S = 30.0
#: errno values that mean the disk (or the quota) is full.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@dataclass(slots=True)
class _Run:
    out_dir: Path
    folder: Path | None = None
    lock_fd: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_active: list[_Run] = []


def tmp_root(out_dir: Path) -> Path:
    return Path(out_dir) / TMP_DIRNAME


def no_space(folder: Path, exc: OSError) -> OutputError:
    """The one message for a full disk: it names the folder being written (for a run's
    temporary file, the run's output folder)."""
    return OutputError(
        f"no space left on {_visible(Path(folder))} ({exc.strerror or exc}); free some "
        "space and run again (finished work is kept: the run resumes from it)"
    )


def _visible(folder: Path) -> Path:
    for run in _active:
        if folder.absolute().is_relative_to(tmp_root(run.out_dir)):
            return run.out_dir
    return folder


@contextlib.contextmanager
def run_scratch(out_dir: Path) -> Iterator[None]:
    """The span of one run writing into ``out_dir``: sweeps dead runs' leftovers now, and
    removes this run's temporary folder (if one was made) at the end."""
    key = Path(out_dir).absolute()
    if any(run.out_dir == key for run in _active):
        yield  # a stage inside the run: the run's folder serves it
        return
    sweep(key)
    run = _Run(key)
    _active.append(run)
    try:
        yield
    finally:
        _active.remove(run)
        _release(run)


def release_all() -> None:
    """Remove every active run's temporary folder now (on SIGTERM, before exiting)."""
    for run in list(_active):
        _release(run)
        run.folder, run.lock_fd = None, None


def _release(run: _Run) -> None:
    if run.folder is not None:
        shutil.rmtree(run.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            run.folder.parent.rmdir()  # the last run out leaves no empty tmp/
    if run.lock_fd is not None:
        os.close(run.lock_fd)  # closing drops the flock


def _folder(run: _Run) -> Path:
    """The run's own folder, made and locked at the first call."""
    with run.lock:
        if run.folder is None:
            root = tmp_root(run.out_dir)
            try:
                folder = _make_folder(root)
                fd = os.open(folder, os.O_RDONLY)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in DISK_FULL:
                    raise no_space(run.out_dir, exc) from exc
                raise OutputError(
                    f"{root}: cannot make the run's temporary folder ({exc.strerror or exc})"
                ) from exc
            run.folder, run.lock_fd = folder, fd
        return run.folder


def _make_folder(root: Path) -> Path:
    for _ in range(3):  # another run's exit may remove an empty tmp/ between the two calls
        root.mkdir(parents=True, exist_ok=True)
        try:
            return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
        except FileNotFoundError:
            continue
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


def current() -> Path | None:
    """The innermost active run's temporary folder (made now if needed), or None."""
    return _folder(_active[-1]) if _active else None


def folder_for(target_dir: Path) -> Path | None:
    """The temporary folder of the active run whose output folder holds ``target_dir`` on
    the same file system (so a file made there can be renamed onto its target), else None.
    Anything else (the model cache) keeps its temporary files beside the target: two bind
    mounts of one disk share a device number but refuse a rename between them."""
    target_dir = Path(target_dir).absolute()
    try:
        device = target_dir.stat().st_dev
    except OSError:
        return None
    for run in reversed(_active):
        try:
            if target_dir.is_relative_to(run.out_dir) and run.out_dir.stat().st_dev == device:
                return _folder(run)
        except OSError:
            continue
    return None


@contextlib.contextmanager
def temporary_folder(prefix: str, outside_run: Path | None = None) -> Iterator[Path]:
    """A fresh folder for one job's intermediate files, removed afterwards: inside the
    run's temporary folder during a run; outside one, in ``outside_run`` (made if needed)
    or the system's temporary folder. A full disk while it is in use becomes an
    OutputError naming the folder."""
    parent = current() or outside_run
    try:
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise no_space(parent or Path(tempfile.gettempdir()), exc) from exc
        raise OutputError(f"{parent}: cannot make a temporary folder ({exc})") from exc
    try:
        yield folder
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise no_space(folder, exc) from exc
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(out_dir: Path) -> list[Path]:
    """Remove the temporary folders in ``out_dir`` whose run is dead; returns them."""
    root = tmp_root(out_dir)
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    removed: list[Path] = []
    for folder in entries:
        if folder.is_dir() and not folder.is_symlink() and _owner_dead(folder):
            removed.append(folder)
    with contextlib.suppress(OSError):
        root.rmdir()
    return removed


def _owner_dead(folder: Path) -> bool:
    """Take the folder's lock; if that works its owner is gone: remove it under the lock."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # locked: its run is alive
        if _maybe_setting_up(folder):
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return not folder.exists()
    finally:
        os.close(fd)


def _maybe_setting_up(folder: Path) -> bool:
    """Unlocked but young, with a live pid in its name: its run may be between mkdir and
    flock. (A pid reused by another process only delays the sweep by the grace time.)"""
    pid_text = folder.name.split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    return age < _SETUP_GRACE_S
