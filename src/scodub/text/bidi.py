"""Direction marks for right-to-left subtitle lines (Persian, Urdu).

Right-to-left languages (``Language.rtl``): every non-empty line is wrapped in
RIGHT-TO-LEFT EMBEDDING (U+202B) ... POP DIRECTIONAL FORMATTING (U+202C). We wrap
always, not only when a line starts or ends with a Latin word, a number or punctuation:
players disagree on a line's base direction, and almost every line ends in punctuation,
which an LTR base puts on the wrong side. libass (mpv, FFmpeg burn-in) lays out even a
pure Persian line left-to-right, so "نمایش داده شد." shows its full stop on the right;
a leading RLM does not change that there, RLE ... PDF does (tests/test_linebreak.py
renders both). The marks are invisible, idempotent here (re-wrapping strips first) and
excluded from every width and reading-speed count (``strip_direction_marks``).
"""

from __future__ import annotations

import unicodedata

from scodub.text.tags import strip_tags

RLE = "\u202b"  # RIGHT-TO-LEFT EMBEDDING
PDF = "\u202c"  # POP DIRECTIONAL FORMATTING
#: Every Unicode bidi control: LRM, RLM, ALM, the embeddings/overrides and the isolates.
DIRECTION_MARKS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_STRIP_MARKS = str.maketrans(dict.fromkeys(DIRECTION_MARKS))
#: The marks that, opening a line, make it right-to-left: RLM, ALM, RLE, RLO, RLI. The
#: others (LRM, LRE, LRO, LRI, FSI, a stray PDF or PDI) leave a line that starts with a
#: Latin word left-to-right, or make it so.
RTL_OPENERS = frozenset("\u200f\u061c\u202b\u202e\u2067")


def strip_direction_marks(text: str) -> str:
    """``text`` without bidi control characters (for QC, re-reading and re-breaking)."""
    return text.translate(_STRIP_MARKS)


def wrap_rtl(line: str) -> str:
    """One line of right-to-left text wrapped in RLE ... PDF (idempotent)."""
    plain = strip_direction_marks(line)
    return f"{RLE}{plain}{PDF}" if strip_tags(plain).strip() else plain


def needs_direction_marks(line: str) -> bool:
    """True when an RTL line starts or ends with a run that is not right-to-left (Latin,
    digits, punctuation) and does not open with a mark that makes it right-to-left
    (``RTL_OPENERS``; a left-to-right one, such as LRE, does not count). Formatting tags
    are not text: ``<i>سلام</i>`` starts and ends right-to-left; nor are other marks."""
    line = strip_tags(line)
    if line[:1] in RTL_OPENERS:
        return False
    text = strip_direction_marks(line).strip()
    if not text:
        return False
    first = unicodedata.bidirectional(text[0])
    last = unicodedata.bidirectional(text[-1])
    return first not in ("R", "AL") or last not in ("R", "AL")
