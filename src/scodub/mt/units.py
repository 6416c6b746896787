"""Translation units: each cue is translated as one text, except a dual-speaker cue, whose
two speakers' lines are translated on their own (dashes removed), and the candidates per
unit are joined back per cue (a dual cue's lines by a newline, which the fitter lays out
as a dual-speaker cue again: ``scodub.text.aligned``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scodub.data import Track
from scodub.names.enforce import Enforced
from scodub.text.linebreak import normalize, speaker_lines


@dataclass(frozen=True, slots=True)
class SpeakerUnit:
    """A text translated on its own: a cue, or one speaker's line of a dual cue."""

    cue: int
    text: str
    new_speaker: bool  # a sentence never continues into this unit


def speaker_units(source: Track) -> list[SpeakerUnit]:
    """The source cues as translation units: a dual-speaker cue gives one unit per line
    (dashes removed); a unit whose speaker differs from the previous one starts anew."""
    units: list[SpeakerUnit] = []
    previous: str | None = None
    for index, cue in enumerate(source.cues):
        parts = speaker_lines(cue.lines)
        if parts is None:
            speaker = cue.speakers[0] if cue.speakers else None
            changed = speaker is not None and previous is not None and speaker != previous
            units.append(SpeakerUnit(index, normalize(cue.flat_text), changed))
            previous = speaker or previous
            continue
        units.append(SpeakerUnit(index, normalize(parts[0]), True))
        units.append(SpeakerUnit(index, normalize(parts[1]), True))
        previous = cue.speakers[-1] if cue.speakers else None
    return units


def joined_units(units: Sequence[SpeakerUnit], per_unit: Sequence[Sequence[str]]) -> list[str]:
    """The best candidate per cue; a dual cue's two lines joined by a newline."""
    joined: dict[int, list[str]] = {}
    for unit, options in zip(units, per_unit, strict=True):
        joined.setdefault(unit.cue, []).append(options[0] if options else "")
    return ["\n".join(map(_one_line, parts)) for _, parts in sorted(joined.items())]


def _one_line(text: str) -> str:
    """A speaker's line as one line: a line break inside it (an LLM's answer may hold one)
    would move its end onto the other speaker's line when the two are joined."""
    return " ".join(text.split())


def per_cue_candidates(
    units: Sequence[SpeakerUnit],
    per_unit: Sequence[Sequence[str]],
    records: Sequence[Sequence[Enforced]],
) -> tuple[list[list[str]], list[list[Enforced]]]:
    """Unit candidates back to cue candidates: a dual cue's candidate k is its two lines'
    candidates k (or their best) joined by a newline, which the fitter lays out as a
    dual-speaker cue (``scodub.text.aligned``)."""
    cues: dict[int, list[int]] = {}
    for k, unit in enumerate(units):
        cues.setdefault(unit.cue, []).append(k)
    texts: list[list[str]] = []
    enforced: list[list[Enforced]] = []
    for _, members in sorted(cues.items()):
        if len(members) == 1:
            texts.append(list(per_unit[members[0]]))
            enforced.append(list(records[members[0]]))
            continue
        depth = max(len(per_unit[k]) for k in members)
        texts.append(
            [
                "\n".join(
                    _one_line(per_unit[k][min(rank, len(per_unit[k]) - 1)]) if per_unit[k] else ""
                    for k in members
                )
                for rank in range(depth)
            ]
        )
        enforced.append([r for k in members for r in records[k][:1]])
    return texts, enforced
