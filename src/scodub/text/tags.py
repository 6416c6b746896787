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
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scodub.data import Track

#: The HTML-like tags SRT players render (SubRip, VLC, mpv/libass, FFmpeg's decoder).
KNOWN_TAGS = frozenset({"i", "b", "u", "s", "font"})
#: Those WebVTT has too (the review page's player shows them; the others are left out).
VTT_TAGS = frozenset({"i", "b", "u"})
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9.\-]*)(?:\s[^<>]*)?/?>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
#: Any markup: an ASS override block or an HTML-like tag.
TAG = re.compile(f"{_ASS_OVERRIDE.pattern}|{_HTML_TAG.pattern}")
#: One tag (spaces and all), or one character.
_MARKUP_OR_CHAR = re.compile(rf"{TAG.pattern}|.", re.S)


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


@dataclass(frozen=True, slots=True)
class CueMarkup:
    """A cue's markup as translation can carry it: the tags before its first visible
    character (``{\\an8}<i>``) and after its last (``</i>``). Tags between words cannot
    follow the words into another language: they are dropped (counted)."""

    opening: str = ""
    closing: str = ""
    dropped: int = 0
    #: A dual-speaker cue's own wrapping of each speaker's line (``<i>-Where are you?</i>``
    #: / ``-Here.``: the first voice off screen): each speaker's line is translated as a
    #: text of its own and comes back as a line of its own, so its tags can follow it.
    #: Each: (opening, closing, whether they stand inside the dash: ``-<i>Who?</i>``).
    speakers: tuple[tuple[str, str, bool], ...] = ()

    @property
    def speaker_tags(self) -> int:
        """How many tags the speakers' own wrappings hold."""
        return sum(_count(a + b) for a, b, _ in self.speakers)

    def _speaking(self, lines: Sequence[str]) -> bool:
        from scodub.text.linebreak import speaker_lines

        return (bool(self.speakers) and len(lines) == len(self.speakers)
                and speaker_lines(lines) is not None)

    def lost(self, lines: Sequence[str]) -> int:
        """How many of the cue's tags ``wrap(lines)`` cannot put back: those between
        words, and a speaker's own where ``lines`` are no longer a line per speaker (only
        the cue's position, ``opening``, comes back then)."""
        if self.speakers and not self._speaking(lines):
            return self.dropped + self.speaker_tags - _count(self.opening)
        return self.dropped

    def wrap(self, lines: tuple[str, ...]) -> tuple[str, ...]:
        """``lines`` (plain text) with the cue's opening and closing tags put back."""
        if self._speaking(lines):
            return tuple(_wrap_speaker(line, *mark)
                         for mark, line in zip(self.speakers, lines, strict=True))
        if not lines or not (self.opening or self.closing):
            return lines
        if len(lines) == 1:
            return (self.opening + lines[0] + self.closing,)
        return (self.opening + lines[0], *lines[1:-1], lines[-1] + self.closing)


def cue_markup(lines: tuple[str, ...]) -> tuple[CueMarkup, tuple[str, ...]]:
    """The cue's ``CueMarkup`` and its lines without tags (lines only of tags dropped).

    Markup that covers the whole cue is carried: tags that open the first line and close
    the last (``<i>one`` / ``two</i>``), or the same wrapping on every line (``<i>one</i>``
    / ``<i>two</i>``). Otherwise only the ASS blocks that open the cue (``{\\an8}``: where
    the cue stands) are carried.
    """
    text = "\n".join(lines)
    if not lines or ("<" not in text and "{" not in text):
        return CueMarkup(), lines
    plain = tuple(p for p in (" ".join(strip_tags(line).split()) for line in lines) if p)
    lead = [_leading_tags(line) for line in lines]
    trail = [_trailing_tags(line) for line in lines]
    every_line = all(x == lead[0] for x in lead) and all(x == trail[-1] for x in trail)
    wrapped_alike = every_line and bool(lead[0] or trail[-1])  # the whole cue's, each line
    speakers = () if wrapped_alike else _speaker_markup(lines, lead, trail)
    if speakers:
        position = "".join(_ASS_OVERRIDE.findall(lead[0]))  # all that stays if they do not
        mark = CueMarkup(position, "", 0, speakers)
        return replace(mark, dropped=max(0, _count(text) - mark.speaker_tags)), plain
    if every_line:
        opening, closing = lead[0], trail[-1]  # the same wrapping on every line
        middle = [_inner(line) for line in lines]
    elif not any(lead[1:]) and not any(trail[:-1]):
        opening, closing = lead[0], trail[-1]  # opened on the first line, closed on the last
        middle = [_inner(lines[0], end=False), *lines[1:-1], _inner(lines[-1], start=False)]
    else:
        opening, closing, middle = "".join(_ASS_OVERRIDE.findall(lead[0])), "", list(lines)
    # An HTML tag closed inside the cue is not the cue's; a closing tag needs its opening.
    inside = "\n".join(middle)
    kept = [
        _cue_wide_overrides(m.group(0), inside) if m.group(1) is None else m.group(0)
        for m in TAG.finditer(opening)
        if m.group(1) is None or f"</{m.group(1).lower()}>" not in inside.lower()
    ]
    names = {m.group(1).lower() for m in TAG.finditer("".join(kept)) if m.group(1)}
    ends = [m.group(0) for m in TAG.finditer(closing) if (m.group(1) or "").lower() in names]
    opening, closing = "".join(kept), "".join(ends)
    carried = (_count(opening) + _count(closing)) * (len(lines) if every_line else 1)
    dropped = max(0, _count(text) - carried)
    return CueMarkup(opening, closing, dropped), plain


def _speaker_markup(
    lines: Sequence[str], lead: Sequence[str], trail: Sequence[str]
) -> tuple[tuple[str, str, bool], ...]:
    """Each line's own opening and closing tags, for a dual-speaker cue whose lines are
    each wrapped whole, around the dash (``<i>-Who?</i>``) or inside it (``-<i>Who?</i>``)
    and no tag between words; () otherwise: also where a line's tags are not opened at
    its start and closed at its end (``</i>-Who?<i>``, an italic run on into the other
    line)."""
    from scodub.text.bidi import strip_direction_marks
    from scodub.text.linebreak import SPEAKER_DASH, speaker_lines

    if speaker_lines([strip_tags(line) for line in lines]) is None:
        return ()
    marks = []
    for line, opening, closing in zip(lines, lead, trail, strict=True):
        plain = strip_direction_marks(line).lstrip()
        inside = not opening and plain.startswith(SPEAKER_DASH)
        if inside:
            line = plain[len(SPEAKER_DASH) :]
            opening, closing = _leading_tags(line), _trailing_tags(line)
        if TAG.search(_inner(line)):
            return ()
        opens = [m for m in TAG.finditer(opening) if m.group(1)]
        ends = list(TAG.finditer(closing))
        if (any(m.group(0).startswith("</") for m in opens)
                or any(not m.group(0).startswith("</") for m in ends)):
            return ()  # a closing tag first, or an opening one last: no wrapping
        if {m.group(1).lower() for m in opens} != {m.group(1).lower() for m in ends}:
            return ()  # a tag that runs on into the other line is the cue's, not a line's
        marks.append((opening, closing, inside))
    return tuple(marks) if any(a or b for a, b, _ in marks) else ()


def _wrap_speaker(line: str, opening: str, closing: str, inside: bool) -> str:
    """A speaker's line with its own tags: around it, or inside its dash (then before the
    direction marks that close an RTL line, so tags and embedding do not interleave)."""
    from scodub.text.bidi import DIRECTION_MARKS
    from scodub.text.linebreak import SPEAKER_DASH

    if not inside:
        return opening + line + closing
    at = line.index(SPEAKER_DASH) + len(SPEAKER_DASH)
    end = len(line.rstrip("".join(DIRECTION_MARKS)))
    return line[:at] + opening + line[at:end] + closing + line[end:]


def _cue_wide_overrides(block: str, inside: str) -> str:
    """Of an ASS block that opens a cue, the overrides that hold for the whole cue: a
    style switched on (``\\i1``) and off again inside (``{\\i1}one{\\i0} two``, or a
    ``\\r`` reset) is not the cue's, and would make all of it italic."""
    resets = "".join(_ASS_OVERRIDE.findall(inside))
    kept = [
        part
        for part in block[2:-1].split("\\")
        if not (
            re.fullmatch(r"[ibus]1", part)
            and (f"\\{part[0]}0" in resets or re.search(r"\\r(?![a-z])", resets))
        )
    ]
    return "{\\" + "\\".join(kept) + "}" if kept else ""


def _inner(line: str, *, start: bool = True, end: bool = True) -> str:
    """``line`` without its leading (``start``) and trailing (``end``) tags."""
    if start:
        found = re.match(rf"\s*(?:(?:{TAG.pattern})\s*)*", line)
        line = line[len(found.group(0)) :] if found else line
    if end:
        found = re.search(rf"(?:(?:{TAG.pattern})\s*)+$", line)
        line = line[: found.start()] if found else line
    return line


def _count(text: str) -> int:
    return sum(1 for _ in TAG.finditer(text))


def _leading_tags(line: str) -> str:
    found = re.match(rf"\s*(?:(?:{TAG.pattern})\s*)+", line)
    return "".join(m.group(0) for m in TAG.finditer(found.group(0))) if found else ""


def _trailing_tags(line: str) -> str:
    found = re.search(rf"(?:(?:{TAG.pattern})\s*)+$", line)
    return "".join(m.group(0) for m in TAG.finditer(found.group(0))) if found else ""


def strip_track_markup(track: Track) -> tuple[Track, tuple[CueMarkup, ...]]:
    """``track`` in plain text (what a translator reads) and each cue's markup."""
    marks: list[CueMarkup] = []
    cues = []
    for cue in track.cues:
        mark, plain = cue_markup(cue.lines)
        marks.append(mark)
        cues.append(replace(cue, lines=plain or ("",)) if plain != cue.lines else cue)
    return replace(track, cues=tuple(cues)), tuple(marks)


def restore_track_markup(
    track: Track, marks: Sequence[CueMarkup], tagged: Track | None = None
) -> Track:
    """``track`` (cue for cue the one ``marks`` came from) with each cue's markup back;
    with ``tagged`` (that track as it was, tags and all: ``track`` holds its words, broken
    anew), each cue whose words are unchanged gets every tag back where it was."""
    if not any(m.opening or m.closing or m.dropped or m.speakers for m in marks):
        return track
    cues = []
    for n, (cue, mark) in enumerate(zip(track.cues, marks, strict=True)):
        kept = reflow_markup(tagged.cues[n].lines, cue.lines) if tagged and mark.dropped else None
        cues.append(replace(cue, lines=kept or mark.wrap(cue.lines)))
    return replace(track, cues=tuple(cues))


def reflow_markup(tagged: Sequence[str], lines: Sequence[str]) -> tuple[str, ...] | None:
    """``lines`` (the text of ``tagged`` without tags, broken and spaced anew) with every
    tag of ``tagged`` back at its letters; None when the letters are not the same.

    An opening tag goes before the letter it was before, a closing HTML tag after the
    letter it was after, so a line break keeps ``<i>word</i>`` whole."""
    before: list[str] = []  # per visible character: the tags written before it
    after: list[str] = []  # and the closing tags after it
    letters: list[str] = []
    pending = ""
    for token in _MARKUP_OR_CHAR.finditer("".join(tagged)):
        piece = token.group(0)
        if piece.isspace():
            continue
        if not TAG.fullmatch(piece):
            letters.append(piece)
            before.append(pending)
            after.append("")
            pending = ""
        elif piece.startswith("</") and letters and not pending:
            after[-1] += piece
        else:
            pending += piece
    if [c for line in lines for c in line if not c.isspace()] != letters:
        return None
    out: list[str] = []
    at = 0
    for line in lines:
        text = ""
        for char in line:
            if char.isspace():
                text += char
            else:
                text += before[at] + char + after[at]
                at += 1
        out.append(text)
    if pending and out:
        out[-1] += pending
    return tuple(out)
