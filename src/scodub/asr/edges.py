"""Word edges refined against the audio: Whisper's doubtful word times moved onto speech.

Whisper's word timestamps (cross-attention DTW) are coarse where a decoding window or a
pause begins: a first word often "starts" hundreds of ms before the voice, sometimes the
whole word sits in the preceding pause, sometimes its start lands in the tail of the
previous sentence. Cue in-times come from word starts, so such a word puts a cue on
screen long before anyone speaks (issue 14: 1.2 s on held-out speech).

The audio decides instead (``SpeechMap``): Silero VAD (the model faster-whisper ships)
finds the stretches of speech, and each stretch's edges are sharpened against the signal's
short-time energy, because Silero marks onsets late by up to a few tens of ms (its 32 ms
windows). A word edge is *doubtful* when it lies outside speech, or when the word spans a
pause long enough that no single word holds it (``LONG_PAUSE_MS``). ``refine_words`` moves
only doubtful edges, and only onto speech (the property tests in tests/test_edges.py check
this): a start in a pause moves to the onset of the word's speech, an end in a pause back to
its offset; a word that spans a long pause keeps the stretch that holds its end (Whisper's
ends are reliable where its starts are not), unless only a sliver (``MIN_WORD_MS``) of the
word is there: then the stretch with most of the word; a word lying wholly in a pause moves
into the nearest stretch of speech, if one is within ``MAX_SHIFT_MS`` (otherwise VAD
probably missed the speech, e.g. over music, and the word is left alone). stable-ts
suppresses silence the same way for starts and ends in a pause; the long-pause and
whole-word cases are what made the 1.2 s outlier.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from scodub.data import Word

SAMPLE_RATE = 16000
#: A pause this long inside one word's times means the word belongs on one side of it
#: (stop closures and hesitations inside a word stay well under it).
LONG_PAUSE_MS = 200
#: Less of a word than this in a stretch of speech is a sliver, not the word.
MIN_WORD_MS = 80
#: A word lying wholly in a pause moves into speech only this far.
MAX_SHIFT_MS = 2000
# Energy envelope: 10 ms hops over 20 ms windows.
_HOP_MS = 10
_WIN_MS = 20
# How far an edge may move while being sharpened: Silero's onsets lag by up to ~2 of its
# 32 ms windows, and its offsets lead by about as much.
_SHARPEN_MS = 96
# An edge frame is one at least this many dB above the pause's floor, and at least this
# share (in dB) of the way from the floor to the stretch's peak.
_EDGE_MIN_RISE_DB = 9.0
_EDGE_SHARE = 0.2
_AUDIBLE_DB = -70.0
# Silero settings: 100 ms pauses split stretches; shorter blips are clicks or breaths.
_VAD_THRESHOLD = 0.5  # Silero's own default
#: The second pass: speech Silero doubted. After a long silence or music its state lags
#: and it misses whole words at 0.5 that it still gives well above chance.
_VAD_DOUBT_THRESHOLD = 0.3
#: Speech only the doubting pass found joins the map in pieces at least this long.
MISSED_MS = 150
_VAD_MIN_SILENCE_MS = 100
_VAD_MIN_SPEECH_MS = 90


@dataclass(frozen=True, slots=True)
class SpeechMap:
    """Stretches of speech in the audio: sorted, disjoint ``[start, end)`` regions in ms."""

    regions: tuple[tuple[int, int], ...]
    starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    ends: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(a for a, _ in self.regions))
        object.__setattr__(self, "ends", tuple(b for _, b in self.regions))
        for (a, b), (c, _) in zip(self.regions, self.regions[1:], strict=False):
            if not (a < b <= c):
                raise ValueError(f"speech regions must be sorted and disjoint: {self.regions}")
        if self.regions and self.regions[-1][0] >= self.regions[-1][1]:
            raise ValueError(f"empty speech region: {self.regions[-1]}")

    def region_of(self, t: int) -> int | None:
        """Index of the region holding instant ``t`` (start inclusive), else None."""
        i = bisect.bisect_right(self.starts, t) - 1
        return i if i >= 0 and t < self.regions[i][1] else None

    def is_speech(self, t: int) -> bool:
        return self.region_of(t) is not None


def speech_map(audio: np.ndarray) -> SpeechMap:
    """Silero VAD stretches of 16 kHz mono audio (with the speech it doubted but missed:
    ``with_missed``), their edges sharpened by energy."""
    sure = _silero(audio, _VAD_THRESHOLD)
    raw = with_missed(sure, _silero(audio, _VAD_DOUBT_THRESHOLD)) if sure else sure
    return sharpen(raw, energy_db(audio), len(audio) * 1000 // SAMPLE_RATE)


def _silero(audio: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold,
        min_silence_duration_ms=_VAD_MIN_SILENCE_MS,
        min_speech_duration_ms=_VAD_MIN_SPEECH_MS,
        speech_pad_ms=0,
    )
    scale = 1000 / SAMPLE_RATE
    return [
        (round(r["start"] * scale), round(r["end"] * scale))
        for r in get_speech_timestamps(audio, options)
    ]


def subtract(
    spans: Sequence[tuple[int, int]], holes: Sequence[tuple[int, int]]
) -> list[tuple[int, int, bool]]:
    """The parts of ``spans`` (sorted, disjoint) outside every hole (sorted by start; they
    may overlap): ``(start, end, whether a hole ends the part)``."""
    parts: list[tuple[int, int, bool]] = []
    k = 0
    for start, end in spans:
        at = start
        while k < len(holes) and holes[k][1] <= at:
            k += 1
        j = k
        while j < len(holes) and holes[j][0] < end:
            if holes[j][0] > at:
                parts.append((at, holes[j][0], True))
            at = max(at, holes[j][1])
            j += 1
        if at < end:
            parts.append((at, end, False))
    return parts


def with_missed(
    sure: Sequence[tuple[int, int]], doubted: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``sure`` stretches plus the speech that only ``doubted`` ones hold, where a piece of
    it is at least ``MISSED_MS`` long: a word Silero missed after a long silence or music
    (its state lags), not the few ms by which a lower threshold widens every edge."""
    pieces = [(a, b) for a, b, _ in subtract(doubted, sure) if b - a >= MISSED_MS]
    merged: list[tuple[int, int]] = []
    for a, b in sorted([*sure, *pieces]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def energy_db(audio: np.ndarray) -> np.ndarray:
    """Short-time energy in dB: frame k covers ``[k*10, k*10 + 20)`` ms. Computed from
    10 ms block powers, a million samples at a time (a feature film's audio is large)."""
    hop = SAMPLE_RATE * _HOP_MS // 1000
    blocks = len(audio) // hop
    power = np.empty(blocks, dtype=np.float64)
    step = (1 << 20) // hop * hop
    for at in range(0, blocks * hop, step):
        chunk = np.asarray(audio[at : min(at + step, blocks * hop)], dtype=np.float64)
        power[at // hop : at // hop + len(chunk) // hop] = np.mean(
            np.square(chunk).reshape(-1, hop), axis=1
        )
    per = _WIN_MS // _HOP_MS
    if blocks < per:
        return np.zeros(0)
    window = np.convolve(power, np.full(per, 1 / per), mode="valid")
    return np.asarray(10.0 * np.log10(window + 1e-12))


def sharpen(regions: Sequence[tuple[int, int]], energy: np.ndarray, duration_ms: int) -> SpeechMap:
    """Move each region's onset back (and offset forward) to where the energy rises above
    (falls below) the edge level, by at most ``_SHARPEN_MS``, never into a neighbour."""
    out: list[tuple[int, int]] = []
    for k, (start, end) in enumerate(regions):
        floor_before = out[-1][1] if out else 0
        ceiling_after = regions[k + 1][0] if k + 1 < len(regions) else duration_ms
        new_start = _sharpen_onset(energy, start, end, max(floor_before, start - _SHARPEN_MS))
        new_end = _sharpen_offset(energy, start, end, min(ceiling_after, end + _SHARPEN_MS))
        if new_start < new_end:
            out.append((new_start, new_end))
    return SpeechMap(tuple(out))


def _edge_level(energy: np.ndarray, pause: slice, speech: slice) -> float | None:
    quiet, loud = energy[pause], energy[speech]
    if quiet.size == 0 or loud.size == 0:
        return None
    # Digital silence is not the floor: nothing under _AUDIBLE_DB is heard in a mix.
    floor = max(float(np.percentile(quiet, 20)), _AUDIBLE_DB)
    peak = float(np.max(loud))
    if peak - floor < _EDGE_MIN_RISE_DB:
        return None  # no clear edge in the signal: trust VAD
    return max(floor + _EDGE_MIN_RISE_DB, floor + _EDGE_SHARE * (peak - floor))


def _sharpen_onset(energy: np.ndarray, start: int, end: int, lowest: int) -> int:
    first, stop = lowest // _HOP_MS, start // _HOP_MS
    level = _edge_level(
        energy, slice(max(0, first - 10), first + 1), slice(stop, min(end, start + 200) // _HOP_MS)
    )
    if level is None:
        return start
    k = stop
    while k - 1 >= first and energy[k - 1] >= level:
        k -= 1  # walk back while the sound is still above the edge level
    return max(lowest, k * _HOP_MS)


def _sharpen_offset(energy: np.ndarray, start: int, end: int, highest: int) -> int:
    last = min(len(energy), highest // _HOP_MS)
    k = max(0, end // _HOP_MS - 2)  # the frame ending at ``end``
    level = _edge_level(
        energy, slice(last, last + 10), slice(max(start, end - 200) // _HOP_MS, k + 1)
    )
    if level is None or k >= len(energy):
        return end
    while k + 1 < last and energy[k + 1] >= level:
        k += 1
    return min(highest, max(end, k * _HOP_MS + _WIN_MS))


def refine_words(words: Sequence[Word], speech: SpeechMap) -> list[Word]:
    """Each word with its doubtful edges moved onto speech (see the module docstring)."""
    if not speech.regions:
        return list(words)
    out = [_refine(word, speech) for word in words]
    # Two words moved onto one stretch of speech (Silero heard one word where Whisper put
    # two): the order of the words is worth more than either move, so both keep their times.
    changed = True
    while changed:
        changed = False
        for i in range(1, len(out)):
            if out[i].start_ms < out[i - 1].end_ms and (out[i], out[i - 1]) != (
                words[i], words[i - 1]
            ) and words[i].start_ms >= words[i - 1].end_ms:
                out[i - 1], out[i] = words[i - 1], words[i]
                changed = True
    return out


def _refine(word: Word, speech: SpeechMap) -> Word:
    start, end = word.start_ms, max(word.end_ms, word.start_ms + 1)
    groups = _speech_groups(start, end, speech)
    if not groups:
        return _into_nearest(word, start, end, speech)
    overlap = [sum(min(b, end) - max(a, start) for a, b in g) for g in groups]
    best = max(range(len(groups)), key=lambda i: (overlap[i], i))  # ties: the later side
    # Whisper's word ends are trustworthy where its starts are not (a start stretches back
    # over the pause before the word): the stretch holding the end wins unless only a
    # sliver of the word reaches into it.
    last = groups[-1]
    if last[-1][1] >= end and overlap[-1] >= MIN_WORD_MS:
        best = len(groups) - 1
    group = groups[best]
    new_start = max(start, group[0][0])
    new_end = min(end, group[-1][1])
    if new_start == start and new_end == end:
        return word
    return replace(word, start_ms=new_start, end_ms=new_end)


def _speech_groups(start: int, end: int, speech: SpeechMap) -> list[list[tuple[int, int]]]:
    """The regions overlapping ``[start, end)``, grouped where they are separated by less
    than ``LONG_PAUSE_MS`` (one word's speech)."""
    lo = bisect.bisect_right(speech.ends, start)
    groups: list[list[tuple[int, int]]] = []
    for k in range(lo, len(speech.regions)):
        a, b = speech.regions[k]
        if a >= end:
            break
        if groups and a - groups[-1][-1][1] < LONG_PAUSE_MS:
            groups[-1].append((a, b))
        else:
            groups.append([(a, b)])
    return groups


def _into_nearest(word: Word, start: int, end: int, speech: SpeechMap) -> Word:
    """A word wholly in a pause: into the nearer neighbouring stretch, keeping its length
    where the stretch allows."""
    regions = speech.regions
    i = bisect.bisect_left(speech.starts, end)  # first region after the word
    after = regions[i] if i < len(regions) else None
    before = regions[i - 1] if i > 0 else None
    gap_after = after[0] - end if after else None
    gap_before = start - before[1] if before else None
    length = end - start
    if gap_after is not None and (gap_before is None or gap_after <= gap_before):
        if gap_after > MAX_SHIFT_MS or after is None:
            return word
        return replace(word, start_ms=after[0], end_ms=min(after[0] + length, after[1]))
    if gap_before is None or gap_before > MAX_SHIFT_MS or before is None:
        return word
    return replace(word, start_ms=max(before[1] - length, before[0]), end_ms=before[1])
