"""Reading a user's input file as text safely: a regular file of a sane size, or one line
that says why not.

``/dev/zero``, a FIFO or a terminal given where an SRT or a glossary belongs would be
read until memory runs out (or block forever); a file hundreds of times larger than any
real subtitle track or glossary is the wrong file. Both are refused before a byte is
read (issue 7 item 17). The size is checked again while reading, for files that grow or
report no size (``/proc``).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from scodub.errors import InputError

MB = 1024 * 1024
#: A feature film's SRT is 50-200 KB; 20 MB is a hundred times the longest real one.
SRT_MAX_BYTES = 20 * MB
#: The festival glossary (every name in 11 languages) is ~60 KB; 100,000 terms are ~12 MB.
GLOSSARY_MAX_BYTES = 50 * MB
#: A batch manifest: a row is ~100 bytes, so 20 MB is some 200,000 films.
MANIFEST_MAX_BYTES = 20 * MB
#: A film's synopsis for an LLM's prompt (``--context``): it goes into every request.
CONTEXT_MAX_BYTES = 1 * MB
#: A ``<film>.transcript.json``: ~3 MB for a two-hour film with its word timings.
TRANSCRIPT_MAX_BYTES = 200 * MB
#: Model and voice configuration JSON (Piper's .onnx.json is ~10 KB, CTranslate2's
#: config.json ~1 KB).
CONFIG_MAX_BYTES = 5 * MB
#: A model's vocabulary file (NLLB-200's 256,000 tokens are ~5 MB).
VOCABULARY_MAX_BYTES = 64 * MB


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for a message ("a pipe (FIFO)")."""
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_large(size: int, what: str, limit: int) -> str:
    return (
        f"is {size / MB:.1f} MB, over the {limit // MB} MB limit for {what} (real ones are "
        "far smaller): is this the right file?"
    )


def read_input_bytes(
    path: Path | str, *, what: str, limit: int, error: type[InputError] = InputError
) -> bytes:
    """The bytes of ``path``, a regular file (symlinks followed) of at most ``limit``
    bytes; otherwise ``error(path, problem)``. ``what`` names the expected content in
    the message ("an SRT file", "a glossary")."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise error(path, "file does not exist") from exc
    except OSError as exc:
        raise error(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(path, f"is a folder, not {what}")
    if not stat.S_ISREG(info.st_mode):
        raise error(path, f"is {file_kind(info.st_mode)}, not {what}; give a file")
    if info.st_size > limit:
        raise error(path, _too_large(info.st_size, what, limit))
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise error(path, _too_large(len(data), what, limit))
    return data


def read_input_json(
    path: Path | str, *, what: str, limit: int, error: type[InputError] = InputError
) -> Any:
    """``read_input_bytes`` parsed as UTF-8 JSON; JSON that is not (or nests deeper than
    Python's recursion limit: ``[[[[...`` ten thousand deep) is ``error(path, problem)``."""
    data = read_input_bytes(path, what=what, limit=limit, error=error)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise error(path, "not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # UnicodeDecodeError too
        raise error(path, f"not valid JSON ({exc})") from exc
