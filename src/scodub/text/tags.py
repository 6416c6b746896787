"""Formatting markup inside subtitle text: what is a tag, and which tags are known.

SRT players read a few HTML-like tags (``<i>``, ``<b>``, ``<u>``, ``<s>``, ``<font ...>``
and their closing forms) and ASS override blocks such as ``{\\an8}`` or ``{\\i1}``. They
are never shown, so they never count towards line width or reading speed
(STANDARDS.md, General timing rules: tags). Anything else shaped like a tag (``<span>``,
WebVTT's ``<c.yellow>``) is not text either, but a player may show it literally, so QC
reports it as a soft finding (``unknown_tags``) for a person to look at.

A ``<`` that is not followed by a letter (``I <3 you``, ``a < b``) and braces without a
backslash (``{laughs}``) are text.
"""

from __future__ import annotations

import re

#: The HTML-like tags SRT players render (SubRip, VLC, mpv/libass, FFmpeg's decoder).
KNOWN_TAGS = frozenset({"i", "b", "u", "s", "font"})
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9.\-]*)(?:\s[^<>]*)?/?>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
#: Any markup: an ASS override block or an HTML-like tag.
TAG = re.compile(f"{_ASS_OVERRIDE.pattern}|{_HTML_TAG.pattern}")


def strip_tags(text: str) -> str:
    """``text`` without formatting markup (direction marks are kept)."""
    if "<" not in text and "{" not in text:
        return text
    return TAG.sub("", text)


def unknown_tags(text: str) -> list[str]:
    """The tag-shaped markup in ``text`` that SRT players do not know, as written."""
    if "<" not in text:
        return []
    return [m.group(0) for m in _HTML_TAG.finditer(text) if m.group(1).lower() not in KNOWN_TAGS]


def is_tag(piece: str) -> bool:
    """True when ``piece`` is exactly one tag or override block."""
    return TAG.fullmatch(piece) is not None
