"""Where an editor's two-line cue breaks (QC rule ``line_break``, soft).

The line breaker (``scodub.text.linebreak``) never breaks where the style guide rules it
out when another break fits; a cue typed or imported by hand may. A two-line cue is
flagged when its break is ``forbidden_break`` (after an article, preposition or title,
between a first and a last name, punctuation split from its word) and another place
between its words keeps both lines within the width and is not. Dialogue cues (a line
per speaker, each opened by a dash) and languages broken between characters (Chinese)
are not checked. The
review page runs the same check in JavaScript (``assets/qc.js``) with the word lists
and character tables ``scodub.review.rules`` exports.
"""

from __future__ import annotations

from collections.abc import Sequence

from scodub.langs import Language
from scodub.text.linebreak import LINE_DASHES, forbidden_break, text_width, visible_text


def misplaced_break(lines: Sequence[str], lang: Language, max_width: float) -> str:
    """``"before / after"`` (the words either side) when the break of the two-line cue
    ``lines`` is forbidden and a better one fits in ``max_width``; else ""."""
    if lang.cjk_width or len(lines) != 2:
        return ""
    visible = [visible_text(line) for line in lines]
    if all(text.strip()[:1] in LINE_DASHES for text in visible):
        return ""  # a line per speaker ("-Yes?" / "-No.", "– Yes?" / "– No.")
    first, second = (text.split() for text in visible)
    if not first or not second or not forbidden_break(first[-1], second[0], lang):
        return ""
    words = [*first, *second]
    if len(words) > 2 * max_width:
        return ""  # no two lines can hold them (a letter and a space each): nothing to choose
    for cut in range(1, len(words)):
        if cut == len(first) or forbidden_break(words[cut - 1], words[cut], lang):
            continue
        if (text_width(" ".join(words[:cut]), lang) <= max_width
                and text_width(" ".join(words[cut:]), lang) <= max_width):
            return f"{first[-1]} / {second[0]}"
    return ""


__all__ = ["misplaced_break"]
