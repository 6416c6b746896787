"""The review grid's rows: which row each cue of a language's track sits in.

A run's machine tracks share their cues (scodub's tracks are aligned), so the machine
source track's cues are the rows. An editor's version with fewer cues (cues deleted on the
page, or in another editor) is placed by time: its cues keep their order, and each goes to
the row that the whole placement overlaps most (a row left over shows as deleted in that
column). A version with as many cues as there are rows, or more, keeps one cue per row in
order, as a version with no deletion does.

The best placement costs cues x deleted rows steps; where that is more than
``EXACT_STEPS`` (a long track of which an editor's file keeps thousands of cues fewer:
10,000 rows and 5,000 cues took minutes and hundreds of MB, on every save), each cue goes
in turn to the row it overlaps most (else the nearest) among those its neighbours leave.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from scodub.data import Cue

#: The most cue x row steps the best placement is searched in (about a second).
EXACT_STEPS = 1_000_000
#: The most rows a cue is compared with where the placement goes cue by cue.
_SPAN = 256


def _score(cue: Cue, row: Cue) -> int:
    """How far ``cue`` overlaps ``row`` (ms); negative: the distance between them."""
    return min(cue.end_ms, row.end_ms) - max(cue.start_ms, row.start_ms)


def place_cues(cues: Sequence[Cue], rows: Sequence[Cue]) -> list[int]:
    """The row of each of ``cues`` (increasing), against the rows' cues ``rows``.

    Fewer cues than rows: the order-keeping placement with the largest total overlap,
    where a cue that misses its row counts the distance between them as negative
    overlap, so that a cue whose times an editor moved still goes to the nearest row.
    The cues are placed one after another, each no further than the rows left over
    allow, so the work is cues x (rows - cues); beyond ``EXACT_STEPS`` of it, cue by
    cue (``_place_in_turn``)."""
    count, slack = len(cues), len(rows) - len(cues)
    if slack <= 0 or not cues:
        return list(range(count))
    if count * (slack + 1) > EXACT_STEPS:
        return _place_in_turn(cues, rows)
    score = _score

    # best[d]: the best total for the cues so far with the last at row (its index + d);
    # came[j][d]: the offset the cue before had in that placement.
    best = [score(cues[0], rows[d]) for d in range(slack + 1)]
    came: list[list[int]] = [[0] * (slack + 1)]
    for j in range(1, count):
        lead, lead_at = best[0], 0
        now: list[int] = []
        back: list[int] = []
        for d in range(slack + 1):
            if best[d] > lead:
                lead, lead_at = best[d], d
            now.append(lead + score(cues[j], rows[j + d]))
            back.append(lead_at)
        best = now
        came.append(back)
    d = max(range(slack + 1), key=lambda k: (best[k], -k))
    placed = [0] * count
    for j in range(count - 1, -1, -1):
        placed[j] = j + d
        d = came[j][d]
    return placed


def _place_in_turn(cues: Sequence[Cue], rows: Sequence[Cue]) -> list[int]:
    """Each cue, in order, in the row it overlaps most (the nearest where it overlaps
    none) after the row of the cue before, leaving a row for each cue after it: the
    rows near a cue are found by time (``bisect``), so the work grows with the cues."""
    starts = [row.start_ms for row in rows]
    ends = [row.end_ms for row in rows]
    placed: list[int] = []
    low = 0
    for j, cue in enumerate(cues):
        high = len(rows) - (len(cues) - j)  # the rows after it hold the cues after it
        # from the last row ending before it starts to the first starting after it ends
        first = min(max(bisect_right(ends, cue.start_ms) - 1, low), high)
        last = min(max(bisect_left(starts, cue.end_ms), first), high, first + _SPAN)
        row = max(range(first, last + 1), key=lambda k: (_score(cue, rows[k]), -k))
        placed.append(row)
        low = row + 1
    return placed
