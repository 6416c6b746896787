"""Timed words to subtitle cues under one language's rules (``scodub.langs``).

Two passes:

1. Grouping (dynamic programming over word boundaries). A cue may hold words whose text
   fits in ``TIMING.max_lines`` lines of the language's width and whose speech lasts at
   most ``TIMING.max_duration_ms``. Among all such groupings the cheapest is chosen:
   boundaries after sentence ends, then after punctuation, at pauses and before
   conjunctions are cheap; boundaries after an article or preposition, between a first
   and a last name or inside a protected span (glossary names) are dear; groups that
   would read faster than the language's reading speed, or that leave less than the
   minimum duration before the next group starts, cost extra; every cue costs a little,
   so text is not split for nothing.
2. Timing. In-time: the first word's start (up to ``in_time_tolerance_frames`` earlier
   when the cue could not otherwise reach the minimum duration). Out-time: up to
   ``out_time_extension_ms`` past the last word, further into the following gap when
   the reading speed needs it, never closer than the minimum gap (2 frames at the
   film's fps) to the next cue, and never past ``max_duration_ms``; a gap of at most
   ``chain_gap_frames`` is closed to the minimum gap (chaining). When speech is too
   dense for every cue to get its minimum duration, later cues start later than their
   speech (the hard rules win over sync); reading-speed breaches are left for QC.

Speakers (``Word.speaker``, ``scodub.asr.speakers``): a cue never holds two speakers'
words on one line. A change of speaker is a free boundary and starts a new cue, except
in a quick exchange, where one dual-speaker cue (Netflix; ../shared/STANDARDS.md) is
cheaper than two cues too short to read: one speaker per line, each line opened by a
hyphen without a space (``-Are you coming?`` / ``-In a minute.``). A dual cue holds
exactly two speaker runs, each fitting one line with its hyphen; ``Cue.speakers`` says
who speaks (one id, or two for a dual cue).

The hard rules (lines, width, min/max duration, min gap, order) therefore hold for every
cue, with one documented exception: a single word wider than ``max_lines`` full lines
(not a word of any language; a URL or ASR garbage) is still placed, alone in its cue,
hard-wrapped, and its overflow is reported by QC. Words wider than one line but not than
the cue are hard-wrapped between characters. A word that shows nothing (empty, or only
direction marks, zero-width characters or tags) joins the cue of the visible word before
it (leading ones join the first cue); if no word shows text, there are no cues.
``plan_cues`` says which words went where.
Word times are first made monotonic (a start never before the previous word's start, an
end never before its own start, nothing negative), as ASR output occasionally is not.
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scodub.data import Cue, Word
from scodub.langs import TIMING, Language
from scodub.text.linebreak import (
    CLAUSE_END,
    CLOSERS,
    SPEAKER_DASH,
    best_layout,
    dual_layout,
    ends_sentence,
    join_words,
    layout,
    min_duration_for_cps,
    normalize,
    reading_chars,
    shape_cost,
    text_width,
    unit_break_costs,
    units_of,
    visible_text,
)

# Grouping costs (same scale as scodub.text.linebreak's break costs).
_COST_PER_CUE = 2.0
_PAUSE_BONUS_PER_MS = 1 / 200  # a 1 s pause makes a plain boundary as good as a full stop
_PAUSE_BONUS_MAX = 5.0
_INNER_SENTENCE_END = 2.0  # two short sentences may share a cue; one per cue reads best
_INNER_CLAUSE_END = 0.5
_INNER_PAUSE_FROM_MS = 300  # text should not appear long before it is spoken
_INNER_PAUSE_PER_MS = 1 / 150
_LAYOUT_WEIGHT = 0.5  # a two-line cue costs half its line-break cost
_CPS_WEIGHT = 10.0
_SHORT_WINDOW_WEIGHT = 20.0
_OVERSIZED_WORD = 1000.0
# A dual-speaker cue costs a little more than two cues, so it is only chosen for a quick
# exchange, where two cues could not each stay up long enough to be read.
_DUAL_SPEAKER_COST = 3.0


@dataclass(frozen=True, slots=True)
class PlannedCue:
    """A cue and the words it holds: ``words[first_word:end_word]`` of the input."""

    cue: Cue
    first_word: int
    end_word: int


@dataclass(frozen=True, slots=True)
class _Group:
    """Words ``start:end`` of the visible words; ``turn`` > 0 where a dual-speaker cue's
    second speaker starts."""

    start: int
    end: int
    turn: int = 0


@dataclass(frozen=True, slots=True)
class _Timing:
    gap_ms: int
    chain_ms: int
    tolerance_ms: int
    open_ms: int  # the shortest gap chaining leaves open: one frame more than it closes


def _timing_for(fps: float | None) -> _Timing:
    return _Timing(
        gap_ms=TIMING.frames_ms(TIMING.min_gap_frames, fps),
        chain_ms=TIMING.frames_ms(TIMING.chain_gap_frames, fps),
        tolerance_ms=TIMING.frames_ms(TIMING.in_time_tolerance_frames, fps),
        open_ms=TIMING.frames_ms(TIMING.chain_gap_frames + 1, fps),
    )


def monotonic_words(words: Sequence[Word]) -> list[Word]:
    """Word times made non-negative and monotonic (see the module docstring)."""
    out: list[Word] = []
    floor = 0
    for word in words:
        start = max(word.start_ms, floor, 0)
        end = max(word.end_ms, start)
        out.append(replace(word, start_ms=start, end_ms=end))
        floor = start
    return out


def segment_words(
    words: Sequence[Word],
    lang: Language,
    fps: float | None,
    *,
    protected: Sequence[str] = (),
) -> tuple[Cue, ...]:
    """Cues for ``words`` under ``lang``'s rules at ``fps`` (None: 24 fps)."""
    return tuple(p.cue for p in plan_cues(words, lang, fps, protected=protected))


def plan_cues(
    words: Sequence[Word],
    lang: Language,
    fps: float | None,
    *,
    protected: Sequence[str] = (),
    end_ms: int | None = None,
) -> tuple[PlannedCue, ...]:
    """Like ``segment_words``, keeping which words went into which cue; ``end_ms``: the
    film's end, which no cue outlasts."""
    timed = monotonic_words(words)
    # Only words with visible text take part; the others are attached afterwards.
    visible = [k for k, w in enumerate(timed) if visible_text(w.text).strip()]
    if not visible:
        return ()
    shown = [timed[k] for k in visible]
    texts = [normalize(w.text) for w in shown]
    speakers = [w.speaker for w in shown]
    groups = _group(shown, texts, speakers, lang, fps, protected)
    lines = [_lines(group, texts, lang, protected) for group in groups]
    spans = [(g.start, g.end) for g in groups]
    times = _cue_times(shown, spans, lines, lang, fps, end_ms)
    # Back to input indices: an invisible word joins the cue of the visible word before
    # it (leading ones join the first cue).
    bounds = [visible[g.start] for g in groups] + [len(timed)]
    bounds[0] = 0
    return tuple(
        PlannedCue(
            Cue(start, end, text, _speakers_of(speakers[g.start : g.end])),
            bounds[k],
            bounds[k + 1],
        )
        for k, ((start, end), text, g) in enumerate(zip(times, lines, groups, strict=True))
    )


def _lines(
    group: _Group, texts: Sequence[str], lang: Language, protected: Sequence[str]
) -> tuple[str, ...]:
    if not group.turn:
        return layout(join_words(texts[group.start : group.end], lang), lang, protected)
    parts = (texts[group.start : group.turn], texts[group.turn : group.end])
    return dual_layout([join_words(part, lang) for part in parts], lang)


def _speakers_of(speakers: Sequence[str | None]) -> tuple[str, ...]:
    """The distinct speakers in order of first word (empty when not known)."""
    known = [s for s in speakers if s is not None]
    return tuple(dict.fromkeys(known))


# --- Grouping --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Stream:
    """The line units of all the words' text joined, and where each word's units begin,
    so that any run of words can be measured and laid out with arithmetic only."""

    cumulative: list[float]  # cumulative[u]: width of units[:u] with their joiners
    joiner_widths: list[float]
    chars: list[int]  # chars[u]: reading characters of units[:u] with their joiners
    joiner_chars: list[int]
    widths: list[float]
    break_costs: list[float]  # break_costs[u]: cost of a line (or cue) break before unit u
    first_unit: list[int]  # first_unit[k]: word k's first unit; [len(words)]: len(units)

    def width(self, a: int, b: int) -> float:
        return self.cumulative[b] - self.cumulative[a] - self.joiner_widths[a]

    def reading_chars(self, a: int, b: int) -> int:
        return self.chars[b] - self.chars[a] - self.joiner_chars[a]


def _stream(texts: Sequence[str], lang: Language, protected: Sequence[str]) -> _Stream:
    full = ""
    word_starts: list[int] = []
    for text in texts:
        full = join_words([full, text], lang)
        word_starts.append(len(full) - len(text))
    units = units_of(full, lang)
    unit_starts = [u.start for u in units]
    first_unit = [bisect.bisect_left(unit_starts, start) for start in word_starts]
    # Every word starts a unit: units never span words (see scodub.text.linebreak.Unit).
    assert all(unit_starts[u] == s for u, s in zip(first_unit, word_starts, strict=True))
    joiner_widths = [text_width(u.joiner, lang) for u in units]
    joiner_chars = [len(u.joiner) for u in units]
    widths = [u.width for u in units]
    return _Stream(
        cumulative=[0.0, *itertools.accumulate(map(operator.add, joiner_widths, widths))],
        joiner_widths=[*joiner_widths, 0.0],
        # Reading speed counts what a viewer sees (tags and marks excluded), as QC does.
        chars=[0, *itertools.accumulate(len(u.joiner) + reading_chars(u.text) for u in units)],
        joiner_chars=[*joiner_chars, 0],
        widths=widths,
        break_costs=unit_break_costs(units, full, lang, protected),
        first_unit=[*first_unit, len(units)],
    )


def _boundary_costs(timed: Sequence[Word], stream: _Stream) -> list[float]:
    """costs[k]: cost of ending a cue between word k-1 and word k (k >= 1): the line
    break cost there, less a bonus for the pause between the words; nothing where the
    speaker changes."""
    costs = [0.0]
    for k in range(1, len(timed)):
        if timed[k].speaker != timed[k - 1].speaker:
            costs.append(0.0)
            continue
        pause = timed[k].start_ms - timed[k - 1].end_ms
        bonus = min(_PAUSE_BONUS_MAX, max(0, pause) * _PAUSE_BONUS_PER_MS)
        costs.append(max(0.0, stream.break_costs[stream.first_unit[k]] - bonus))
    return costs


def _two_line_cost(stream: _Stream, a: int, b: int, limit: int) -> float:
    """The cost of the best two-line layout of units a..b-1 (as scodub.text.linebreak's
    ``best_layout`` computes it), given that one exists."""
    best = math.inf
    for cut in range(a + 1, b):
        upper = stream.width(a, cut)
        if upper > limit:
            break
        lower = stream.width(cut, b)
        if lower <= limit:
            best = min(best, stream.break_costs[cut] + shape_cost((upper, lower), limit))
    return best


def _group(
    timed: Sequence[Word],
    texts: Sequence[str],
    speakers: Sequence[str | None],
    lang: Language,
    fps: float | None,
    protected: Sequence[str],
) -> list[_Group]:
    """The cheapest partition of the words into cues (see the module docstring)."""
    count = len(timed)
    rules = _timing_for(fps)
    stream = _stream(texts, lang, protected)
    boundary = _boundary_costs(timed, stream)
    limit = lang.max_chars_per_line
    dash = text_width(SPEAKER_DASH, lang)
    best = [math.inf] * (count + 1)
    back: list[_Group] = [_Group(0, 0)] * (count + 1)
    best[0] = 0.0
    for i in range(count):
        if best[i] == math.inf:
            continue
        first = stream.first_unit[i]
        lines, current = 0, 0.0  # greedy line fill, as scodub.text.linebreak.min_lines
        inner_cost = 0.0
        turn = 0  # where the second speaker starts (0: one speaker so far)
        for j in range(i + 1, count + 1):
            if j > i + 1:
                inner_cost += _inner_cost(timed, texts, j - 1, lang)
                if speakers[j - 1] != speakers[j - 2]:
                    if turn:
                        break  # a third speaker run: never in one cue
                    turn = j - 1
            for unit in range(stream.first_unit[j - 1], stream.first_unit[j]):
                joined = current + stream.joiner_widths[unit] + stream.widths[unit]
                if lines and joined <= limit:
                    current = joined
                else:
                    lines, current = lines + 1, stream.widths[unit]
            speech_ms = timed[j - 1].end_ms - timed[i].start_ms
            if j > i + 1 and speech_ms > TIMING.max_duration_ms:
                break  # adding words never makes a group fit again
            last = stream.first_unit[j]
            cost = best[i] + _COST_PER_CUE + inner_cost + (boundary[j] if j < count else 0.0)
            chars = stream.reading_chars(first, last)
            if turn:
                # Dual-speaker cue: each speaker's words on one line after a hyphen.
                middle = stream.first_unit[turn]
                if max(stream.width(first, middle), stream.width(middle, last)) + dash > limit:
                    break  # the second line only grows
                cost += _DUAL_SPEAKER_COST
                chars += 2 * len(SPEAKER_DASH) - stream.joiner_chars[middle]
            elif j > i + 1 and lines > TIMING.max_lines:
                break
            elif lines > TIMING.max_lines:
                cost += _OVERSIZED_WORD
            elif lines == 2:
                cost += _LAYOUT_WEIGHT * _two_line_cost(stream, first, last, limit)
            elif lines > 2:
                text = join_words(texts[i:j], lang)
                cost += _LAYOUT_WEIGHT * best_layout(text, lang, protected).cost
            cost += _window_cost(timed, i, j, chars, lang, rules)
            if cost < best[j]:
                best[j] = cost
                back[j] = _Group(i, j, turn)
    return _backtrack(back, count)


def _backtrack(back: Sequence[_Group], count: int) -> list[_Group]:
    groups: list[_Group] = []
    end = count
    while end > 0:
        groups.append(back[end])
        end = back[end].start
    groups.reverse()
    return groups


def _inner_cost(timed: Sequence[Word], texts: Sequence[str], k: int, lang: Language) -> float:
    """Cost of keeping word k in the same cue as word k-1."""
    cost = 0.0
    tail = texts[k - 1].rstrip(CLOSERS)[-1:]
    if ends_sentence(texts[k - 1], texts[k], lang):
        cost += _INNER_SENTENCE_END
    elif tail in CLAUSE_END:
        cost += _INNER_CLAUSE_END
    pause = timed[k].start_ms - timed[k - 1].end_ms
    if pause > _INNER_PAUSE_FROM_MS:
        cost += (pause - _INNER_PAUSE_FROM_MS) * _INNER_PAUSE_PER_MS
    return cost


def _window_cost(
    timed: Sequence[Word], i: int, j: int, chars: int, lang: Language, rules: _Timing
) -> float:
    """Reading-speed and minimum-duration pressure on a group of words i..j-1: the time
    it can stay up is until the next group's first word (minus the gap)."""
    start = timed[i].start_ms
    if j < len(timed):
        window = timed[j].start_ms - rules.gap_ms - start
    else:
        window = timed[j - 1].end_ms + TIMING.out_time_extension_ms - start
    window = min(window, TIMING.max_duration_ms)
    cost = 0.0
    if window < TIMING.min_duration_ms:
        cost += (
            _SHORT_WINDOW_WEIGHT
            * (TIMING.min_duration_ms - max(0, window))
            / (TIMING.min_duration_ms)
        )
    cps = chars * 1000 / max(window, 1)
    if cps > lang.max_cps:
        cost += _CPS_WEIGHT * (cps / lang.max_cps - 1)
    return cost


# --- Timing ----------------------------------------------------------------------------


def _cue_times(
    timed: Sequence[Word],
    groups: Sequence[tuple[int, int]],
    lines: Sequence[tuple[str, ...]],
    lang: Language,
    fps: float | None,
    film_end_ms: int | None = None,
) -> list[tuple[int, int]]:
    rules = _timing_for(fps)
    gap, min_ms, max_ms = rules.gap_ms, TIMING.min_duration_ms, TIMING.max_duration_ms
    speech_starts = [timed[i].start_ms for i, _ in groups]
    starts: list[int] = []
    for k, speech_start in enumerate(speech_starts):
        start = speech_start
        cramped = k + 1 < len(groups) and speech_starts[k + 1] - gap - speech_start < min_ms
        if cramped:  # Netflix timing guide: in-time within 1-2 frames of the speech
            start -= rules.tolerance_ms
        start = max(start, 0, starts[-1] + min_ms + gap if starts else 0)
        starts.append(start)
    times: list[tuple[int, int]] = []
    for k, ((_, j), start) in enumerate(zip(groups, starts, strict=True)):
        limit = starts[k + 1] - gap if k + 1 < len(starts) else None
        highest = start + max_ms if limit is None else min(start + max_ms, limit)
        if film_end_ms and limit is None:  # the last cue ends with the film at the latest
            highest = max(min(highest, film_end_ms), start + 1)
        speech_end = timed[j - 1].end_ms
        needed = max(start + min_ms, start + min_duration_for_cps(lines[k], lang))
        end = max(speech_end + TIMING.out_time_extension_ms, needed)
        end = min(end, highest)
        if limit is not None and limit - end <= rules.chain_ms - gap:
            # chaining: a short gap closes to the minimum gap; unless that keeps the cue up
            # more than the out-time extension past its speech, and a gap of 13 frames,
            # opened after the cue's speech and what it needs, keeps both rules
            opened = limit + gap - rules.open_ms
            linger = speech_end + TIMING.out_time_extension_ms
            end = opened if highest > linger and opened >= max(speech_end, needed) else highest
        if limit is None and end - start < min_ms:
            # Words in the film's last moments: the cue cannot outlast the film, so it comes
            # up earlier to stay the minimum time on screen; the cue before gives up the
            # out-time it has past its speech for that, never its speech or its own minimum.
            earliest = 0
            if times:
                before_start, before_end = times[-1]
                floor = max(before_start + min_ms, timed[groups[k - 1][1] - 1].end_ms)
                earliest = min(before_end, floor) + gap
            start = max(min(start, end - min_ms), earliest, 0)
            if times and start - gap < times[-1][1]:
                times[-1] = (times[-1][0], start - gap)
            elif times and start - times[-1][1] <= rules.chain_ms:
                start = times[-1][1] + gap  # chained to the cue before, not 3-12 frames off
        times.append((start, end))
    return times
