"""Save an editor's version of one language: ``<film>.<lang>.edited.srt``, atomically,
beside the machine output, which is never touched.

A previous edit is kept: it is renamed ``<film>.<lang>.edited.srt.~N~`` (the next free
N, as GNU ``cp --backup=numbered`` does), so that nothing an editor saved is lost and the
backups do not match ``*.srt``. The cells come from the page; they are checked as
``scodub.text.srt`` reads a file (times in order, text present, no control characters,
within its size limit) before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scodub.data import Cue, Track
from scodub.errors import InputError
from scodub.fsutil import atomic_path, keep_previous
from scodub.inputfiles import SRT_MAX_BYTES
from scodub.langs import subtitle_rules
from scodub.review.load import edited_path
from scodub.text.linebreak import visible_text
from scodub.text.srt import compose_srt, parse_srt

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
        bad = next((c for c in text if _forbidden(c)), None)
        if bad is not None:
            raise InputError(where, f"cue {number}: holds the character U+{ord(bad):04X}")
        lines = tuple(line for line in _LINE_BREAK.split(text) if line.strip())
        if not any(visible_text(line).strip() for line in lines):  # as QC sees text
            raise InputError(where, f"cue {number}: no text (delete a cue in an SRT editor)")
        cues.append(Cue(start, end, lines))
    if not cues:
        raise InputError(where, "no cues")
    return tuple(cues)


def _forbidden(char: str) -> bool:
    """A control character (other than a line break or tab) or half a surrogate pair:
    nothing a subtitle shows, and an SRT reader refuses or garbles it."""
    kind = unicodedata.category(char)
    return kind == "Cs" or (kind == "Cc" and char not in "\n\r\t")


def save_edited(folder: Path, stem: str, lang: str, cells: Sequence[Any]) -> tuple[Path, Track]:
    """Write ``<stem>.<lang>.edited.srt`` in ``folder`` (the previous one kept as a
    numbered backup); the track as written (read back from the SRT text)."""
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
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
        if target.exists():
            keep_previous(target)
    return target, track
