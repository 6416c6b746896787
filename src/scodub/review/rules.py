"""The subtitle rules, exported for the review page, and the QC of each cell.

The page re-checks every rule of ``scodub.text.qc.RULES`` while an editor types, in
JavaScript (``assets/qc.js``). It holds no number or word list of its own: every limit,
every rule's words and severity, the shot changes and frame rate (shot rules), the
language's number style (``scodub.text.numbers``), the tag patterns (``scodub.text.tags``)
and the Unicode facts the checks need (which characters count full width in CJK
languages, which are right-to-left, what Python's ``str.split``, ``\\d`` and ``isdigit``
take for whitespace and digits) come from here, that is from ``scodub.langs`` (the one
rules table), ``scodub.text`` and ``unicodedata``. The first flags on the page are
``scodub.text.qc.check_track``'s own, and a test runs the page's checker over generated
tracks and compares it with them, rule by rule.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, replace
from typing import Any

from scodub.data import Track
from scodub.langs import TIMING, subtitle_rules
from scodub.text import linebreak, numbers, tags
from scodub.text.bidi import DIRECTION_MARKS, RTL_OPENERS
from scodub.text.linebreak import INVISIBLE, SPEAKER_DASH
from scodub.text.qc import RULES, Limits, check_track, film_end_limit
from scodub.text.wordrules import TITLE_ABBREVIATIONS, WORD_RULES, WordRules


def code_ranges(
    predicate: Callable[[str], bool], chars: Iterable[str] | None = None
) -> list[list[int]]:
    """Code point ranges [first, last] of ``chars`` (ascending; default: every code point
    but the surrogates) where ``predicate`` holds: how the page gets Python's character
    facts without a table per character."""
    if chars is None:
        chars = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    out: list[list[int]] = []
    for char in chars:
        if not predicate(char):
            continue
        code = ord(char)
        if out and out[-1][1] == code - 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return out


@functools.cache
def unicode_tables() -> dict[str, Any]:
    """What ``linebreak.char_width`` and ``needs_direction_marks`` ask ``unicodedata``."""
    return {
        "unicode_version": unicodedata.unidata_version,
        # text_width: in a CJK-width language these count 1, every other character 0.5
        "full_width": code_ranges(lambda c: unicodedata.east_asian_width(c) in ("F", "W", "A")),
        # needs_direction_marks: a line must start and end with one of these
        "rtl": code_ranges(lambda c: unicodedata.bidirectional(c) in ("R", "AL")),
        "direction_marks": "".join(sorted(DIRECTION_MARKS)),
        # join_words (the one_line rule): two CJK lines are joined with a space only
        # between two of these (a Latin word or number)
        "latin_like": code_ranges(linebreak.is_latin_like),
        # text_width in a CJK-width language: these count nothing (but the emoji
        # presentation selector, which makes the character before it count one)
        "zero_width": code_ranges(linebreak.zero_width),
        "emoji_presentation": linebreak.EMOJI_PRESENTATION,
        # needs_direction_marks: a line opened by one of these is right-to-left
        "rtl_openers": "".join(sorted(RTL_OPENERS)),
        "invisible": "".join(sorted(INVISIBLE)),
        # str.split(), str.strip() and re's \s: str.isspace()
        "space": "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()),
        # re's \d and int(): str.isdecimal(), each run of ten digits valued 0-9 in order
        "decimal": code_ranges(str.isdecimal),
        # numbers._is_number: str.isdigit() (superscripts and circled digits too)
        "digit": code_ranges(str.isdigit),
        # linebreak._is_capitalised, _opens and _bare: str.isupper(), an opening
        # bracket or quote, str.casefold() (each character that folds, to what)
        "upper": code_ranges(str.isupper),
        "opening": code_ranges(lambda c: unicodedata.category(c) in ("Ps", "Pi")),
        "casefold": {c: f for c in map(chr, range(sys.maxunicode + 1))
                     if not 0xD800 <= ord(c) <= 0xDFFF and (f := c.casefold()) != c},
    }


def _js_pattern(pattern: str) -> str:
    """A Python ``re`` pattern of ``scodub.text`` as a JavaScript ``u``-flag pattern: the
    page swaps in Python's whitespace and decimal classes for ``\\s`` and ``\\d`` (the
    placeholders ``\\s`` and ``\\d`` stay), and a quote needs no backslash there."""
    return pattern.replace('\\"', '"')


def limits_for(lang: str, fps: float | None) -> Limits:
    return Limits.of(subtitle_rules(lang), fps or TIMING.default_fps)


def _number_style(lang: str) -> dict[str, Any] | None:
    style = subtitle_rules(lang).numbers
    return None if style is None else asdict(style)


def _break_words(lang: str) -> dict[str, Any]:
    """``linebreak._pair_cost``'s word lists for ``lang`` (``scodub.text.wordrules``)."""
    rules = WORD_RULES.get(subtitle_rules(lang).code, WordRules())
    return {
        "break_before": sorted(rules.break_before),
        "no_break_after": sorted(rules.no_break_after),
        "no_break_before": sorted(rules.no_break_before),
        "break_before_prefixes": list(rules.break_before_prefixes),
        "maybe_no_break_before": sorted(rules.maybe_no_break_before),
        "not_names": sorted(rules.not_names),
        "titles": sorted(TITLE_ABBREVIATIONS.get(subtitle_rules(lang).code, ())),
    }


def rules_export(
    languages: Sequence[str],
    fps: float | None,
    cuts: Sequence[int] = (),
    film_ms: int | None = None,
) -> dict[str, Any]:
    """Everything ``assets/qc.js`` checks with: the rules (id, severity, words per
    language), the limits and number style per language, the frame rate and shot changes
    (``cuts``, ms: the shot rules, as ``scodub qc --film`` checks them), and the fixed
    strings and patterns of ``scodub.text`` that the rules use."""
    per_language: dict[str, Any] = {}
    for lang in languages:
        row = subtitle_rules(lang)
        limits = limits_for(lang, fps)
        per_language[lang] = {
            "limits": asdict(limits),
            "cjk_width": row.cjk_width,
            "rtl": row.rtl,
            "numbers": _number_style(lang),
            "breaks": _break_words(lang),
            "words": {rule.id: rule.description.format(**asdict(limits)) for rule in RULES},
        }
    return {
        "rules": [{"id": rule.id, "severity": rule.severity} for rule in RULES],
        "languages": per_language,
        "fps": TIMING.rule_fps(fps),
        "cuts": sorted(set(cuts)),
        "film_end_ms": film_end_limit(film_ms, fps or TIMING.default_fps),
        "shots": {
            "snap_frames": TIMING.shot_snap_frames,
            "clear_frames": TIMING.shot_clear_frames,
            "out_gap_frames": TIMING.shot_out_gap_frames,
        },
        "speaker_dash": SPEAKER_DASH,
        "tags": {
            "known": sorted(tags.KNOWN_TAGS),
            "vtt": sorted(tags.VTT_TAGS),
            "html": _js_pattern(tags._HTML_TAG.pattern),
            "ass": _js_pattern(tags._ASS_OVERRIDE.pattern),
        },
        "linebreak": {  # the characters linebreak._pair_cost looks at
            "closers": linebreak.CLOSERS,
            "sentence_end": "".join(sorted(linebreak.SENTENCE_END)),
            "clause_end": "".join(sorted(linebreak.CLAUSE_END)),
            "bare_strip": linebreak.BARE_STRIP,
            "capital_strip": linebreak.CAPITAL_STRIP,
            "opening_extra": linebreak.OPENING_EXTRA,
            "closing_extra": linebreak.CLOSING_EXTRA,
            "not_closing": linebreak.NOT_CLOSING,
            "dashes": list(linebreak.LINE_DASHES),
            "ambiguous_quotes": linebreak.AMBIGUOUS_QUOTES,
            "forbidden": linebreak.FORBIDDEN_COST,
            "costs": linebreak.BREAK_COSTS,
        },
        "numbers": {
            "bare": _js_pattern(numbers._BARE.pattern),
            "sentence_end": list(numbers._SENTENCE_END),
            "keep_before": sorted(numbers._KEEP_BEFORE),
        },
    }


def with_speakers(track: Track, speakers: Sequence[Sequence[str]]) -> Track:
    """``track`` with each cue's speakers (``speakers[i]`` for cue i; SRT keeps none)."""
    if not any(speakers):
        return track
    cues = tuple(
        replace(cue, speakers=tuple(speakers[i]) if i < len(speakers) else ())
        for i, cue in enumerate(track.cues)
    )
    return replace(track, cues=cues)


def cell_issues(
    track: Track,
    fps: float | None,
    cuts: Sequence[int] = (),
    speakers: Sequence[Sequence[str]] = (),
    film_ms: int | None = None,
) -> list[list[Any]]:
    """``scodub qc``'s issues of one track: [cue index, rule, measured, limit, detail]
    (with ``cuts``, the shot rules too; with ``speakers`` per cue, the dual-speaker rule
    as the run checked it)."""
    report = check_track(
        with_speakers(track, speakers), fps or TIMING.default_fps, cuts or None, film_ms
    )
    return [
        [issue.index, issue.rule, round(issue.measured, 2), round(issue.limit, 2), issue.detail]
        for issue in report.issues
    ]
