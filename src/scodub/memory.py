"""Giving freed memory back to the system between long steps.

CPython and the libraries under it (CTranslate2, torch, numpy) allocate through the C
library's ``malloc``; what they free stays in the process's heap unless the top of the
heap is free, so after a window of a long film or a whole stage the resident set keeps
pages nobody uses, and the next step's peak lands on top of them. ``release_memory``
collects Python's cycles and asks glibc (``malloc_trim``) to return every free page; on
other C libraries (musl, macOS) only the collection runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Collect garbage and return the heap's free pages to the system (glibc)."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
