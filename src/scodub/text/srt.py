"""SRT files: strict reading (errors name the file and line) and atomic UTF-8 writing.

Writing goes through pysrt's item formatter (``HH:MM:SS,mmm``), UTF-8 without a BOM and
with LF line ends: every player and muxer we target (mkvmerge, ffmpeg, VLC, mpv) reads
LF, and LF keeps files byte-identical across platforms (CRLF is only a Windows-era
convention of the format). Cue lines are written as given (direction marks included);
a line break inside a line becomes a space and blank lines are dropped, since a blank
line ends a cue in SRT.

Reading is strict. pysrt's default silently drops cues it cannot parse (``ERROR_PASS``)
and even its ``ERROR_RAISE`` mode accepts a garbled time as 0 and merges two cues when
the blank line between them is missing; so every block is checked here first (a cue
number, a ``start --> end`` line with valid fields and ``end >= start``, no timing line
inside the text) and read here, never by pysrt's parser (whose ``int()`` of a
4,301-digit field and whose split of a position after a tab raised instead). Any
problem raises ``SubtitleError`` with the file and the 1-based line number. A full stop
instead of the comma before the milliseconds is accepted (many tools write it); cue
numbers need not be consecutive.
The text must decode in ``encoding`` (UTF-8 by default); a byte-order mark is accepted
and takes precedence. A file with no cues is an empty track (``require_cues`` refuses
one where a command needs text), and a cue with no text is refused where a command would
pass it on (``require_cue_text``). Only a regular file up to ``SRT_MAX_BYTES`` is read
(``scodub.inputfiles``).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pysrt

from scodub.data import Cue, Track
from scodub.errors import ConfigError, OutputError, SubtitleError
from scodub.fsutil import keep_previous, sha256_bytes, write_text_atomic
from scodub.inputfiles import SRT_MAX_BYTES, read_input_bytes
from scodub.langs import get_language
from scodub.text.linebreak import shows_text

_NUMBER = re.compile(r"^\s*\d+\s*$")
#: Digits of a cue number or an hour field read as a number (Python's ``int()`` refuses
#: over 4,300; no real SRT has more than a handful).
_MAX_DIGITS = 18
_TIME = r"(\d+):(\d{2}):(\d{2})[,.](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+\S.*)?\s*$")
_LINE_END = re.compile(r"\r\n|\r|\n")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ENCODING_HINT = "--encoding cp1251 (Cyrillic), --encoding gb18030 (Chinese), --encoding cp1256"


#: The latest time SRT's two-digit hour field can hold.
MAX_MS = ((99 * 60 + 59) * 60 + 59) * 1000 + 999


def format_timestamp(ms: int) -> str:
    """Whole milliseconds to SRT's ``HH:MM:SS,mmm``."""
    if ms < 0:
        raise ValueError(f"negative subtitle time: {ms} ms")
    if ms > MAX_MS:
        raise ValueError(f"subtitle time {ms} ms is past 99:59:59,999")
    return str(pysrt.SubRipTime.from_ordinal(ms))


def _clean_lines(lines: Sequence[str]) -> list[str]:
    cleaned = (" ".join(_LINE_END.split(line)).rstrip() for line in lines)
    return [line for line in cleaned if line.strip()]


def compose_srt(cues: Sequence[Cue]) -> str:
    """The SRT text of ``cues``, numbered from 1, LF line ends."""
    blocks: list[str] = []
    for number, cue in enumerate(cues, start=1):
        if cue.end_ms < cue.start_ms:
            raise ValueError(f"cue {number} ends ({cue.end_ms} ms) before it starts")
        format_timestamp(cue.start_ms)  # rejects negative times
        item = pysrt.SubRipItem(
            number, cue.start_ms, cue.end_ms, "\n".join(_clean_lines(cue.lines))
        )
        blocks.append(str(item).rstrip("\n") + "\n")
    return "\n".join(blocks)


def write_srt(track_or_cues: Track | Sequence[Cue], path: Path) -> Path:
    """Write the cues to ``path`` atomically (UTF-8, LF); returns ``path``."""
    cues = track_or_cues.cues if isinstance(track_or_cues, Track) else track_or_cues
    path = Path(path)
    write_text_atomic(path, compose_srt(cues))
    return path


def replace_srt(track: Track, path: Path, *, mine: str | None = None) -> Path | None:
    """``write_srt``, but a file already at ``path`` with other text (an edit by hand, a
    re-translation) is first kept as its next numbered backup, whose path is returned;
    not when its sha256 is ``mine`` (what the caller itself wrote there last)."""
    path = Path(path)
    text = compose_srt(track.cues)
    kept = None
    try:
        old = path.read_bytes() if path.is_file() else None
        if old is not None and old != text.encode("utf-8") and sha256_bytes(old) != mine:
            kept = keep_previous(path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot keep the file it replaces ({exc})") from exc
    write_text_atomic(path, text)
    return kept


def read_srt(
    path: Path, language: str, *, encoding: str = "utf-8", fps: float | None = None
) -> Track:
    """A strict read of an SRT file into a ``Track`` in ``language`` (see the module
    docstring for what is checked)."""
    path = Path(path)
    lang = get_language(language)
    text = _decode(path, _read_bytes(path), encoding)
    return Track(lang.code, parse_srt(text, path), fps)


def _read_bytes(path: Path) -> bytes:
    return read_input_bytes(path, what="an SRT file", limit=SRT_MAX_BYTES, error=SubtitleError)


def require_cues(track: Track, path: Path | str, purpose: str) -> Track:
    """``track`` when it has cues; an empty track (an empty file, or only blank lines)
    is a ``SubtitleError`` naming ``path`` and what could not be done."""
    if not track.cues:
        raise SubtitleError(path, f"has no subtitles (an empty track): {purpose}")
    return track


def require_cue_text(track: Track, path: Path | str, purpose: str) -> Track:
    """``track`` when every cue has visible text; a cue with none (blank, or markup only,
    as an editor's emptied cell is saved) is a ``SubtitleError`` naming ``path``, the cue
    and how many such cues there are: what to say in its place is the editor's call."""
    cues = enumerate(track.cues, start=1)
    empty = [n for n, cue in cues if not any(shows_text(line) for line in cue.lines)]
    if empty:
        cue = track.cues[empty[0] - 1]
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        raise SubtitleError(
            path,
            f"cue {empty[0]} ({format_timestamp(cue.start_ms)} --> "
            f"{format_timestamp(cue.end_ms)}) is empty{more}: give it its line or remove it "
            f"({purpose})",
        )
    return track


#: Text codecs that are no file encoding (they fail on ordinary bytes or text).
_NOT_FOR_FILES = frozenset(
    {"undefined", "punycode", "idna", "unicode-escape", "raw-unicode-escape"}
)


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        # Codecs such as rot13, base64 or zlib exist but do not turn bytes into text.
        is_text = codecs.lookup(encoding)._is_text_encoding
    except LookupError:
        is_text = False
    if not is_text or codecs.lookup(encoding).name in _NOT_FOR_FILES:
        raise ConfigError(
            f"unknown text encoding {encoding!r}; give a Python codec name such as "
            "utf-8, cp1251, gb18030, cp1256 or utf-16"
        )
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            encoding = bom_encoding
            break
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubtitleError(
            path,
            f"not valid {encoding} text (byte 0x{data[exc.start]:02x}); if the file uses "
            f"another encoding, say so with --encoding, e.g. {_ENCODING_HINT}",
            line=line,
        ) from exc
    if "\x00" in text:  # no subtitle holds NUL
        if text.count("\x00") * 4 < len(text):  # a stray one, not every other byte
            raise SubtitleError(
                path,
                "holds a NUL character (U+0000), which no subtitle shows: remove it",
                line=len(_LINE_END.split(text[: text.index("\x00")])),
            )
        # UTF-16 read as an 8-bit encoding: every other byte is NUL
        order = "be" if data[:1] == b"\x00" else "le"
        raise SubtitleError(
            path,
            f"holds NUL bytes: UTF-16 text without a byte-order mark? say so with "
            f"--encoding utf-16-{order}",
            line=data[: data.index(b"\x00")].count(b"\n") + 1,
        )
    return text.removeprefix("\ufeff")


def parse_srt(text: str, path: Path | str = "<srt>") -> tuple[Cue, ...]:
    """Cues of an SRT text, strictly (``path`` only names the source in errors)."""
    lines = _LINE_END.split(text.removeprefix("\ufeff"))
    cues: list[Cue] = []
    pos = 0
    while pos < len(lines):
        if not lines[pos].strip():
            pos += 1
            continue
        end = pos
        while end < len(lines) and lines[end].strip():
            end += 1
        cues.append(_parse_block(lines[pos:end], pos + 1, path))
        pos = end
    return tuple(cues)


def _parse_block(block: Sequence[str], first_line: int, path: Path | str) -> Cue:
    """One cue: ``block`` holds its non-blank lines, the first at line ``first_line``."""
    head = block[0].strip()
    if not _NUMBER.match(head):
        problem = (
            "timing line without a cue number before it"
            if _TIMING.match(head)
            else f"expected a cue number, found {_shorten(head)!r}"
        )
        raise SubtitleError(path, problem, line=first_line)
    if len(head) > _MAX_DIGITS:
        raise SubtitleError(
            path,
            f"cue number {_shorten(head, 20)!r} is too long ({len(head)} digits)",
            line=first_line,
        )
    number = int(head)
    if len(block) < 2:
        raise SubtitleError(
            path,
            f"cue {number} has no timing line ('00:00:01,000 --> 00:00:02,500')",
            line=first_line,
        )
    start, end = _read_timing(block[1], number, first_line + 1, path)
    for offset, line in enumerate(block[2:], start=2):
        if _TIMING.match(line):
            raise SubtitleError(
                path,
                f"timing line inside the text of cue {number} "
                "(a blank line is missing between two cues)",
                line=first_line + offset,
            )
    # Composed (NFC), as glossary forms are: an "é" typed as e + U+0301 (macOS tools
    # write NFD) is the same letter for name matching, widths and voices.
    text_lines = tuple(
        unicodedata.normalize("NFC", line.rstrip()) for line in block[2:] if line.strip()
    )
    return Cue(start, end, text_lines)


def _read_timing(line: str, number: int, line_no: int, path: Path | str) -> tuple[int, int]:
    """(start, end) in ms of a cue's timing line, checked."""
    match = _TIMING.match(line)
    if not match:
        raise SubtitleError(
            path,
            f"cue {number}: expected a timing line like '00:00:01,000 --> 00:00:02,500', "
            f"found {_shorten(line.strip())!r}",
            line=line_no,
        )
    groups = match.groups()
    times: list[int] = []
    for hours, *rest in (groups[:4], groups[4:]):
        m, s, ms = (int(g) for g in rest)
        if m > 59 or s > 59:
            raise SubtitleError(
                path, f"cue {number}: minutes and seconds must be below 60", line=line_no
            )
        # SRT's hour field has two digits; no film runs 100 hours (and a field of
        # thousands of digits is no number int() reads: compared as digits)
        digits = "".join(str(unicodedata.decimal(c)) for c in hours).lstrip("0") or "0"
        if len(digits) > 2 or int(digits) > 99:
            raise SubtitleError(
                path,
                f"cue {number}: {_shorten(digits, 20)} hours is past 99:59:59,999",
                line=line_no,
            )
        h = int(digits)
        times.append(((h * 60 + m) * 60 + s) * 1000 + ms)
    start, end = times
    if end < start:
        raise SubtitleError(
            path,
            f"cue {number} ends ({format_timestamp(end)}) before it starts "
            f"({format_timestamp(start)})",
            line=line_no,
        )
    return start, end


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
