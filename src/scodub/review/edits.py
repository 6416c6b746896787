"""Save an editor's version of one language: ``<film>.<lang>.edited.srt``, atomically,
beside the machine output, which is never touched.

A previous edit is kept: it is renamed ``<film>.<lang>.edited.srt.~N~`` (the next free
N, as GNU ``cp --backup=numbered`` does), so that nothing an editor saved is lost and the
backups do not match ``*.srt``. The cells come from the page; they are checked as
``scodub.text.srt`` reads a file (times in order, text present, no control characters,
within its size limit) before anything is written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scodub.data import Cue, Track
from scodub.errors import InputError, OutputError
from scodub.fsutil import atomic_path, keep_previous
from scodub.inputfiles import SRT_MAX_BYTES
from scodub.langs import subtitle_rules
from scodub.review.load import edited_path
from scodub.text.linebreak import visible_text
from scodub.text.srt import MAX_MS, compose_srt, parse_srt

_LINE_BREAK = re.compile(r"\r\n|\r|\n")



def cues_from_cells(cells: Any, where: str) -> tuple[Cue, ...]:
    """[[start_ms, end_ms, text], ...] from the page to cues; an InputError for a bad one."""
    if not isinstance(cells, list):
        raise InputError(where, "expected a list of cues [[start_ms, end_ms, text], ...]")
    cues: list[Cue] = []
    for number, cell in enumerate(cells, start=1):
        if not (isinstance(cell, list) and len(cell) == 3):
            raise InputError(where, f"cue {number}: expected [start_ms, end_ms, text]")
        start, end, text = cell
        if not (type(start) is int and type(end) is int and isinstance(text, str)):
            raise InputError(where, f"cue {number}: times must be whole ms and text a string")
        if not 0 <= start < end:
            raise InputError(where, f"cue {number}: end {end} ms is not after start {start} ms")
        if end > MAX_MS:
            raise InputError(where, f"cue {number}: ends past 99:59:59,999, SRT's last time")
        bad = next((c for c in text if _forbidden(c)), None)
        if bad is not None:
            raise InputError(where, f"cue {number}: holds the character U+{ord(bad):04X}")
        lines = tuple(line for line in _LINE_BREAK.split(text) if line.strip())
        if not any(visible_text(line).strip() for line in lines):  # as QC sees text
            raise InputError(where, f"cue {number}: no text")
        cues.append(Cue(start, end, lines))
    if not cues:
        raise InputError(where, "no cues")
    return tuple(cues)


def _forbidden(char: str) -> bool:
    """A control character (other than a line break or tab) or half a surrogate pair:
    nothing a subtitle shows, and an SRT reader refuses or garbles it."""
    kind = unicodedata.category(char)
    return kind == "Cs" or (kind == "Cc" and char not in "\n\r\t")


class EditConflict(InputError):
    """The edited file changed on disk since the page loaded it (another tab, another
    program): saving would silently replace that version. ``current`` is its digest now
    ("" when there is none), which a save made knowingly sends as its base."""

    def __init__(self, path: Path, problem: str, current: str) -> None:
        super().__init__(path, problem)
        self.current = current


def edited_digest(path: Path) -> str:
    """What identifies the edited file's content ("" when there is none), sent with the
    page and back with each save."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32]
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise OutputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def save_edited(
    folder: Path, stem: str, lang: str, cells: Sequence[Any], base: str | None = None
) -> tuple[Path, Track, str]:
    """Write ``<stem>.<lang>.edited.srt`` in ``folder`` (the previous one kept as a
    numbered backup); the track as written (read back from the SRT text), and its digest.

    ``base`` is the digest of the edited file the page was built from ("" for none): when
    the file is another now, nothing is written (``EditConflict``). None skips the check.
    """
    code = subtitle_rules(lang).code
    target = edited_path(folder, stem, code)
    if not Path(folder).is_dir():  # removed while the page was open: not made again here
        raise InputError(folder, "the run's folder is gone; nothing was saved")
    cues = cues_from_cells(cells, str(target))
    text = compose_srt(cues)
    size = len(text.encode("utf-8"))
    if size > SRT_MAX_BYTES:  # scodub would refuse to read it back
        limit = SRT_MAX_BYTES >> 20
        raise InputError(target, f"{size / 2**20:.1f} MB, over the {limit} MB limit of an SRT")
    track = Track(code, parse_srt(text, target))  # what scodub translate/dub will read
    if base is not None:
        current = edited_digest(target)
        if current != base:
            what = "was deleted" if not current else "changed"
            raise EditConflict(
                target,
                f"{what} since this page loaded it (another tab or program); nothing was "
                "saved. Save again to replace it (it is kept as a backup), or reload to see it",
                current,
            )
    data = text.encode("utf-8")
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
            if target.exists():
                keep_previous(target)
    except OSError as exc:  # a folder where the file goes, a full disk
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from exc
    return target, track, hashlib.sha256(data).hexdigest()[:32]
