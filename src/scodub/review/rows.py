"""The review grid's rows: which row each cue of a language's track sits in.

A run's machine tracks share their cues (scodub's tracks are aligned), so the machine
source track's cues are the rows. An editor's version with fewer cues (cues deleted on the
page, or in another editor) is placed by time: its cues keep their order, and each goes to
the row that the whole placement overlaps most (a row left over shows as deleted in that
column). A version with as many cues as there are rows, or more, keeps one cue per row in
order, as a version with no deletion does.
"""

from __future__ import annotations

from collections.abc import Sequence

from scodub.data import Cue


def place_cues(cues: Sequence[Cue], rows: Sequence[Cue]) -> list[int]:
    """The row of each of ``cues`` (increasing), against the rows' cues ``rows``.

    Fewer cues than rows: the order-keeping placement with the largest total overlap,
    where a cue that misses its row counts the distance between them as negative
    overlap, so that a cue whose times an editor moved still goes to the nearest row.
    The cues are placed one after another, each no further than the rows left over
    allow, so the work is cues x (rows - cues)."""
    count, slack = len(cues), len(rows) - len(cues)
    if slack <= 0 or not cues:
        return list(range(count))

    def score(cue: Cue, row: Cue) -> int:
        return min(cue.end_ms, row.end_ms) - max(cue.start_ms, row.start_ms)

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
