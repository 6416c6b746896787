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
    program), or the machine track under it did (a re-translation): saving would
    silently replace, or shadow, that version. ``current`` is the edited file's digest
    now ("" when there is none) and ``machine`` the machine track's (None: not what
    conflicts), which a save made knowingly sends as its ``base`` and ``machine``."""

    def __init__(
        self, path: Path, problem: str, current: str, machine: str | None = None
    ) -> None:
        super().__init__(path, problem)
        self.current = current
        self.machine = machine


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
    folder: Path,
    stem: str,
    lang: str,
    cells: Sequence[Any],
    base: str | None = None,
    machine: str | None = None,
) -> tuple[Path, Track, str]:
    """Write ``<stem>.<lang>.edited.srt`` in ``folder`` (the previous one kept as a
    numbered backup); the track as written (read back from the SRT text), and its digest.

    ``base`` is the digest of the edited file the page was built from ("" for none): when
    the file is another now, nothing is written (``EditConflict``). ``machine`` is that of
    the machine track ``<stem>.<lang>.srt`` the page was built with: when ``scodub
    translate`` has written another since, the edit is of a translation that is gone, and
    nothing is written either. None skips a check.
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
    if machine is not None:
        track_file = Path(folder) / f"{stem}.{code}.srt"
        now = edited_digest(track_file)
        if now != machine:
            raise EditConflict(
                track_file,
                "changed since this page loaded it (re-translated?), and the edits are of "
                "the version before; nothing was saved. Reload the page to see the new "
                "one, or save again to keep your version over it",
                edited_digest(target),
                now,
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
