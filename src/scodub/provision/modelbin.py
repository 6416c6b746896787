"""A cheap proof that a CTranslate2 ``model.bin`` is whole, before any work.

CTranslate2 finds a truncated or damaged file only when it loads the model, which for a
translation model comes after the film was transcribed (minutes to hours). The file's
layout (binary versions 4 to 6, as ``ctranslate2.specs.model_spec`` writes it) is walked
here without reading the weights: every variable's header is read and its payload
skipped, so a file cut short, or a header that claims more bytes than the file holds, is
one ModelError line within milliseconds, whatever the model's size. The weights' own
bytes are not checked (no checksum is stored for them). A file of another binary version
is left to CTranslate2.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path
from typing import BinaryIO

from scodub.errors import ModelError

#: Binary versions whose layout is walked here (the type id and byte count per variable).
_VERSIONS = range(4, 7)
#: Item size of CTranslate2's data types by type id (include/ctranslate2/types.h).
_ITEM_SIZES = {0: 4, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2}
#: Files already walked in this process, by version (path, size, mtime).
_CHECKED: set[tuple[str, int, int]] = set()


class _Damaged(Exception):
    """What is wrong with the file, for the one-line message."""


def check_model_bin(path: Path, remedy: str = "fetch or convert the model again") -> None:
    """ModelError naming ``path`` unless it is a regular file whose CTranslate2 layout is
    whole (see the module docstring); ``remedy`` ends the message of a damaged one."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{path}: not a regular file; a model folder holds its weights there")
    version = (str(path.absolute()), info.st_size, info.st_mtime_ns)
    if version in _CHECKED:
        return
    try:
        with open(path, "rb") as handle:
            _walk(handle, info.st_size)
    except _Damaged as exc:
        raise ModelError(
            f"{path}: damaged or incomplete ({exc}); {remedy}"
        ) from exc
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    _CHECKED.add(version)


def _walk(handle: BinaryIO, size: int) -> None:
    binary_version = _unpack(handle, "<I")
    if binary_version not in _VERSIONS:
        if 0 < binary_version < 100:  # an older or newer layout: CTranslate2 judges it
            return
        raise _Damaged(f"no CTranslate2 header (version field {binary_version})")
    _string(handle)  # the model spec's name
    _unpack(handle, "<I")  # its revision
    count = _unpack(handle, "<I")
    for index in range(count):
        name = _string(handle)
        rank = _unpack(handle, "<B")
        elements = 1
        for _ in range(rank):
            elements *= _unpack(handle, "<I")
        type_id = _unpack(handle, "<B")
        payload = _unpack(handle, "<I")
        item = _ITEM_SIZES.get(type_id)
        if item is not None and payload != elements * item:
            raise _Damaged(f"variable {name!r} holds {payload} bytes, not {elements * item}")
        end = handle.tell() + payload
        if end > size:
            raise _Damaged(
                f"the file ends at byte {size} in variable {index + 1} of {count} ({name!r})"
            )
        handle.seek(end)
    aliases = _unpack(handle, "<I")
    for _ in range(aliases):
        _string(handle)
        _string(handle)


def _read(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise _Damaged(f"the file ends at byte {handle.tell()}, inside a header")
    return data


def _unpack(handle: BinaryIO, layout: str) -> int:
    value: int = struct.unpack(layout, _read(handle, struct.calcsize(layout)))[0]
    return value


def _string(handle: BinaryIO) -> str:
    length = _unpack(handle, "<H")
    return _read(handle, length).rstrip(b"\0").decode("utf-8", "replace")
