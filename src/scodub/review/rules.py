"""The subtitle rules, exported for the review page, and the QC of each cell.

The page re-checks a cell while an editor types, in JavaScript (``assets/qc.js``). It
holds no number of its own: every limit, every rule's words and severity, and the
Unicode facts the checks need (which characters count full width in CJK languages,
which are right-to-left) come from here, that is from ``scodub.langs`` (the one rules
table), ``scodub.text.qc`` (the rules) and ``unicodedata`` (as ``scodub.text.linebreak``
uses it). The first flags on the page are ``scodub.text.qc.check_track``'s own, and a
test runs the page's checker over whole tracks and compares it with them.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from scodub.data import Track
from scodub.langs import TIMING, subtitle_rules
from scodub.text.bidi import DIRECTION_MARKS
from scodub.text.qc import RULES, Limits, check_track


def _ranges(predicate: Callable[[str], bool]) -> list[list[int]]:
    """Code point ranges [first, last] where ``predicate`` holds (surrogates skipped)."""
    out: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or not predicate(chr(code)):
            continue
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
        "full_width": _ranges(lambda c: unicodedata.east_asian_width(c) in ("F", "W", "A")),
        # needs_direction_marks: a line must start and end with one of these
        "rtl": _ranges(lambda c: unicodedata.bidirectional(c) in ("R", "AL")),
        "direction_marks": "".join(sorted(DIRECTION_MARKS)),
    }


def limits_for(lang: str, fps: float | None) -> Limits:
    return Limits.of(subtitle_rules(lang), fps or TIMING.default_fps)


#: The rules the page re-checks in JavaScript while an editor types (``assets/qc.js``).
#: The others (tags, number style, speakers, shot changes) are flagged as
#: ``scodub qc`` found them when the page was made, and checked again by the next run.
LIVE_RULES = frozenset(
    {
        "empty", "max_lines", "chars_per_line", "min_duration", "max_duration", "min_gap",
        "order", "reading_speed", "chaining", "one_line", "rtl_marks",
    }
)  # fmt: skip


def rules_export(languages: Sequence[str], fps: float | None) -> dict[str, Any]:
    """Rules (id, severity, words per language) and limits per language, for the page."""
    per_language: dict[str, Any] = {}
    for lang in languages:
        row = subtitle_rules(lang)
        limits = limits_for(lang, fps)
        per_language[lang] = {
            "limits": asdict(limits),
            "cjk_width": row.cjk_width,
            "rtl": row.rtl,
            "words": {rule.id: rule.description.format(**asdict(limits)) for rule in RULES},
        }
    return {
        "rules": [
            {"id": rule.id, "severity": rule.severity, "live": rule.id in LIVE_RULES}
            for rule in RULES
        ],
        "languages": per_language,
    }


def cell_issues(track: Track, fps: float | None) -> list[list[Any]]:
    """``scodub qc``'s issues of one track: [cue index, rule, measured, limit, detail]."""
    report = check_track(track, fps or TIMING.default_fps)
    return [
        [issue.index, issue.rule, round(issue.measured, 2), round(issue.limit, 2), issue.detail]
        for issue in report.issues
    ]
