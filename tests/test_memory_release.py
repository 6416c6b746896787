"""``scodub.memory.release_memory``: freed heap pages go back to the system, so a step's
leftovers are not carried into the next step's peak (issue 10, long films)."""

from __future__ import annotations

import numpy as np

from scodub.memory import release_memory


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_freed_heap_below_a_live_block_is_returned() -> None:
    # 1500 blocks of 96 KiB come from malloc's heap (under its mmap threshold); the last
    # one stays alive, so the heap cannot simply shrink from the top when the rest go.
    blocks = [np.ones(96 * 1024 // 8) for _ in range(1500)]
    keep = blocks[-1]
    del blocks
    before = _resident_mib()
    release_memory()
    after = _resident_mib()
    assert keep.sum() == keep.size
    assert before - after > 100, (before, after)
