"""Subtitle text layout for one language: width, reading speed, line breaks, RTL marks.

Widths follow the per-language limits in ``scodub.langs``: one character is one unit,
except in CJK-width languages (Chinese) where a full- or wide-width character counts 1
and anything else 0.5 (``unicodedata.east_asian_width``; ambiguous-width characters such
as “ ” … count 1, as Chinese fonts draw them full width); a mark shown on the character
before it (a combining accent, a skin tone) counts nothing, and an emoji "❤️" one.

Line breaks follow the Netflix Timed Text Style Guide: one line when the text fits;
otherwise break after punctuation or before a conjunction/preposition, never between an
article (preposition, determiner) and what it introduces, never between a first and a
last name (consecutive capitalised words) or inside a protected span (glossary names),
and prefer a bottom-heavy pyramid (line 2 at least as long as line 1). Chinese breaks
between characters, preferably after punctuation, never inside a Latin word or number.
No language breaks between the digit groups of a number ("1 250 000") or at a no-break
space (kept as it is: ``layout_text``), unless nothing else fits.

Right-to-left lines carry direction marks (``scodub.text.bidi``: why, and which).

Reading speed counts every character, spaces and punctuation included, line breaks and
direction marks excluded. Formatting tags (``<i>``, ``<font ...>``, ``{\\an8}``;
``scodub.text.tags``) are not text: ``visible_text`` removes them and the marks, and every
width and reading-speed count here goes through it (STANDARDS.md: tags never count).

Dual-speaker cues (two speakers, one per line) open each line with ``SPEAKER_DASH`` and no
space after it (../shared/STANDARDS.md); ``speaker_lines`` reads them back.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from scodub.langs import TIMING, Language
from scodub.text.bidi import strip_direction_marks, wrap_rtl
from scodub.text.tags import TAG, strip_tags
from scodub.text.wordrules import TITLE_ABBREVIATIONS, WORD_RULES, WordRules

#: Ends a sentence (Latin, CJK, Arabic-script and Devanagari stops), maybe before a quote.
SENTENCE_END = frozenset(".!?…。！？؟۔।॥")
#: Ends a clause: a line may break after these.
CLAUSE_END = frozenset(",;:、，；：،؛—–")
#: Closing quotes and brackets: they stay with the word before them.
CLOSERS = "\"'”’»)]」』》）】"
#: Glue both ways in a CJK line (the middle dot of transliterated names: 约翰·史密斯).
_NAME_DOTS = frozenset("·・")

#: Stripped from a word's ends before it is looked up in the word lists (``_bare``), and
#: from its start before its first letter's case is read (``_is_capitalised``).
BARE_STRIP = CLOSERS + "\"'“‘«(¿¡-–—…"
CAPITAL_STRIP = CLOSERS + "\"'“‘«("
#: Besides the opening brackets and quotes (Unicode Ps, Pi): no line ends with these.
OPENING_EXTRA = "“‘«" + "".join(sorted(_NAME_DOTS))
#: Besides ``CLOSERS`` and the sentence and clause ends, no line starts with these; the
#: dashes of ``NOT_CLOSING`` may open one.
CLOSING_EXTRA = "%)"
NOT_CLOSING = "—–"
#: A line that opens with one of these opens a new speaker's words.
LINE_DASHES = ("-", "–", "—")
#: Straight quotes and the apostrophe close the line before only when no word follows them
#: on the next ("said, / "We have to go", "'cause" are openings).
AMBIGUOUS_QUOTES = "\"'’"

# Break-cost scale (lower is better). A break that the style guide forbids costs far more
# than any shape penalty, so it is chosen only when no allowed break fits the lines.
_COST_SENTENCE = 0.0
_COST_CLAUSE = 1.0
_COST_BEFORE_CONJUNCTION = 2.0
_COST_PLAIN = 5.0
_COST_NAME = 50.0
_COST_MAYBE_GLUED = 30.0  # before a word that is a postposition only in one of its senses
_COST_GLUED_WORD = 60.0
_COST_HARD_WRAP = 500.0
#: A word wider than a line (an address, a hyphenated compound) is cut after a slash, dot,
#: hyphen or underscore (or before an @) where it has one.
_COST_WRAP_AT_SEPARATOR = 400.0
_WRAP_AFTER = frozenset("/.-_‐")
_COST_PROTECTED = 1000.0
# Shape: a top-heavy pair of lines is penalised four times as much as a bottom-heavy one.
#: The costs by name (the review page computes the same costs), and the cost from which
#: a break is one the style guide rules out (``forbidden_break``).
BREAK_COSTS = {"sentence": _COST_SENTENCE, "clause": _COST_CLAUSE,
               "before_conjunction": _COST_BEFORE_CONJUNCTION, "plain": _COST_PLAIN,
               "name": _COST_NAME, "glued": _COST_GLUED_WORD, "maybe_glued": _COST_MAYBE_GLUED}
FORBIDDEN_COST = _COST_NAME
_TOP_HEAVY_WEIGHT = 8.0
_BOTTOM_HEAVY_WEIGHT = 2.0


#: Opens each line of a dual-speaker cue, with no space after it.
SPEAKER_DASH = "-"


def speaker_lines(lines: Sequence[str]) -> tuple[str, ...] | None:
    """The two speakers' texts (dash and direction marks removed) when ``lines`` is a
    dual-speaker cue (two lines, each opened by the dash); else None."""
    plain = [strip_direction_marks(line).strip() for line in lines]
    if len(plain) != 2 or not all(line.startswith(SPEAKER_DASH) for line in plain):
        return None
    return tuple(line[len(SPEAKER_DASH) :].strip() for line in plain)


def dual_layout(texts: Sequence[str], lang: Language) -> tuple[str, ...]:
    """Two speakers' texts as a dual-speaker cue (direction marks for RTL languages)."""
    # A translation may open with a dash of its own (hyphen, en or em dash): one is kept.
    lines = tuple(SPEAKER_DASH + normalize(text).lstrip("-‐–— ") for text in texts)
    return tuple(wrap_rtl(line) for line in lines) if lang.rtl else lines


# --- Measuring -------------------------------------------------------------------------


#: Characters with no width of their own: zero-width space, non-joiner and joiner, word
#: joiner and invisible operators, BOM, soft hyphen, Mongolian vowel separator.
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff")
_STRIP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))


def visible_text(text: str) -> str:
    """What a viewer sees of ``text``: formatting tags, direction marks and zero-width
    characters removed, composed (NFC: a decomposed "é" is one letter, as shown). The one
    measure of text for widths, reading speed and "has text" checks."""
    plain = strip_direction_marks(strip_tags(text)).translate(_STRIP_INVISIBLE)
    return plain if unicodedata.is_normalized("NFC", plain) else unicodedata.normalize("NFC", plain)


def shows_text(line: str) -> bool:
    """Whether a viewer sees words in ``line``: visible text besides a speaker dash."""
    return bool(visible_text(line).strip().lstrip(SPEAKER_DASH).strip())


def char_width(char: str, lang: Language) -> float:
    if not lang.cjk_width:
        return 1.0
    return 1.0 if unicodedata.east_asian_width(char) in ("F", "W", "A") else 0.5


#: After a character, shows it as a (wide) emoji: "❤️" is one full-width character.
EMOJI_PRESENTATION = "\ufe0f"


def text_width(text: str, lang: Language) -> float:
    """Display width of one line under the language's counting rule, marks and tags
    excluded. In CJK-width languages a mark (``zero_width``) adds nothing to the
    character it is shown on, and one after ``EMOJI_PRESENTATION`` counts one."""
    plain = visible_text(text)
    if not lang.cjk_width:
        return float(len(plain))
    width = previous = 0.0
    for char in plain:
        if char == EMOJI_PRESENTATION:
            width += max(0.0, 1.0 - previous)
            previous = 1.0
        elif not zero_width(char):
            previous = char_width(char, lang)
            width += previous
    return width


def reading_chars(lines: Sequence[str] | str) -> int:
    """Characters a viewer reads: all of them, spaces and punctuation included; line
    breaks, direction marks and formatting tags excluded."""
    text = lines if isinstance(lines, str) else "".join(lines)
    return sum(1 for c in visible_text(text) if c not in "\r\n")


def reading_speed_cps(lines: Sequence[str] | str, duration_ms: int) -> float:
    """Characters per second; 0 for no text, ``inf`` for text shown for no time."""
    chars = reading_chars(lines)
    if chars == 0:
        return 0.0
    if duration_ms <= 0:
        return float("inf")
    return chars * 1000.0 / duration_ms


def min_duration_for_cps(lines: Sequence[str] | str, lang: Language) -> int:
    """The shortest duration (ms) at which the text meets the language's reading speed."""
    return math.ceil(reading_chars(lines) * 1000 / lang.max_cps)


def lines_fit(lines: Sequence[str], lang: Language) -> bool:
    """At most ``TIMING.max_lines`` lines, each within the language's width limit."""
    return len(lines) <= TIMING.max_lines and all(
        text_width(line, lang) <= lang.max_chars_per_line for line in lines
    )


# --- Joining and splitting into units --------------------------------------------------


def is_latin_like(char: str) -> bool:
    """A letter or digit of a Latin word or number inside CJK text (full-width ones too:
    ＬＡＴＩＮ is one word)."""
    if not char.isalnum():
        return False
    return unicodedata.east_asian_width(char) not in ("F", "W") or (
        "\uff10" <= char <= "\uff19" or "\uff21" <= char <= "\uff3a" or "\uff41" <= char <= "\uff5a"
    )


def _continues(before: str, char: str) -> bool:
    """Whether ``char`` belongs to the unit ending in ``before`` in CJK text: a Latin word
    or number (full-width letters too), or one character as shown: a combining mark, a
    joiner and what it joins, a variation selector or skin-tone modifier of an emoji; a
    no-break space and what it stands between."""
    if zero_width(char) or before == "\u200d":
        return True
    if char in NO_BREAK_SPACES or before in NO_BREAK_SPACES:  # glued both ways
        return True
    return is_latin_like(char) and is_latin_like(before)


def zero_width(char: str) -> bool:
    """A mark shown on the character before it (no width of its own)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == "\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
    )


def join_words(texts: Sequence[str], lang: Language) -> str:
    """ASR words to one line of text: spaces between words, none in Chinese except
    between two Latin words or numbers."""
    parts = [t.strip() for t in texts if t.strip()]
    if not lang.cjk_width:
        return " ".join(parts)
    out = ""
    for part in parts:
        if out and is_latin_like(out[-1]) and is_latin_like(part[0]):
            out += " "
        out += part
    return out


def normalize(text: str) -> str:
    """Direction marks removed, whitespace (line breaks included) collapsed to spaces."""
    return " ".join(strip_direction_marks(text).split())


#: Spaces no line breaks at ("1 250 000", "т. е."): kept as they are in a line's text.
NO_BREAK_SPACES = "\u00a0\u2007\u202f"
_BREAKABLE_SPACE = re.compile(f"[^\\S{NO_BREAK_SPACES}]+")


def layout_text(text: str) -> str:
    """``normalize`` for laying text out: the no-break spaces are kept, not made spaces
    a line could break at."""
    words = _BREAKABLE_SPACE.split(strip_direction_marks(text))
    return " ".join(word for word in words if word).strip()


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of a line that is never split, and the joiner ("" or " ") before it.

    Words in spaced scripts; in Chinese every character, except that a run of Latin
    letters or digits is one unit. Punctuation is a unit of its own there, kept with its
    neighbour by a break cost (``break_cost``), so that the units of a joined text are
    exactly the units of its words, one after the other (the segmenter relies on it).
    """

    text: str
    width: float
    joiner: str
    start: int  # offset in the normalised text
    fragment: bool = False  # a piece of a word wider than a line (hard-wrapped)


#: A formatting tag or one character (Chinese lines are split per character).
_CJK_PIECE = re.compile(f"{TAG.pattern}|.", re.DOTALL)


def _tokens(text: str, lang: Language) -> list[Unit]:
    units: list[Unit] = []
    if not lang.cjk_width:
        pos = 0
        for word in text.split(" "):
            if word:
                units.append(Unit(word, text_width(word, lang), " " if units else "", pos))
            pos += len(word) + 1
        return units
    joiner = ""
    pending = ""  # an opening tag, glued (at no width) to the character after it
    for match in _CJK_PIECE.finditer(text):
        char, pos = match.group(0), match.start()
        if len(char) > 1:  # a tag: a closing one stays with what it closes
            if units and not pending and not joiner and char.startswith(("</", "{")):
                last = units[-1]
                units[-1] = Unit(last.text + char, last.width, last.joiner, last.start)
            else:
                pending += char
            continue
        if char == " ":
            joiner = " "
            continue
        prev = units[-1] if units else None
        if prev and not joiner and not pending and _continues(prev.text[-1], char):
            text = prev.text + char
            units[-1] = Unit(text, text_width(text, lang), prev.joiner, prev.start)
        else:
            start = pos - len(pending)
            units.append(
                Unit(pending + char, text_width(char, lang), joiner if units else "", start)
            )
        joiner = pending = ""
    if pending and units:
        last = units[-1]
        units[-1] = Unit(last.text + pending, last.width, last.joiner, last.start)
    return units


def _joins(cluster: str, char: str) -> bool:
    """Whether ``char`` belongs to the character a reader sees that ends in ``cluster``
    (a grapheme cluster, after Unicode's rules): a mark or joiner after its letter, what
    a zero-width joiner joins, the consonant after a virama (a conjunct: स्त्री), the
    second regional indicator of a flag."""
    last = cluster[-1]
    if zero_width(char) or char == "\u200c" or last == "\u200d":
        return True
    if unicodedata.combining(last) == 9 and char.isalpha():
        return True
    return _regional(char) and len(cluster) == 1 and _regional(last)


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _graphemes(text: str) -> list[tuple[str, int]]:
    """``text`` in the characters a reader sees, each with its offset; a tag goes with
    the character after it (a closing one with the character before it)."""
    out: list[tuple[str, int]] = []
    pending, at = "", 0
    glued = False  # the last piece ends in a tag: the next character starts a new one
    for match in _CJK_PIECE.finditer(text):
        piece = match.group(0)
        if len(piece) > 1:  # a tag
            if piece.startswith(("</", "{")) and out and not pending:
                out[-1] = (out[-1][0] + piece, out[-1][1])
                glued = True
            else:
                pending, at = pending + piece, at if pending else match.start()
            continue
        if out and not pending and not glued and _joins(out[-1][0], piece):
            out[-1] = (out[-1][0] + piece, out[-1][1])
        else:
            out.append((pending + piece, at if pending else match.start()))
        pending, glued = "", False
    if pending and out:
        out[-1] = (out[-1][0] + pending, out[-1][1])
    return out


def _explode_wide(units: list[Unit], lang: Language) -> list[Unit]:
    """Hard-wrap: a unit wider than a line becomes one unit per character a reader sees
    (never a vowel sign, a virama's consonant or half an emoji alone)."""
    limit = lang.max_chars_per_line
    out: list[Unit] = []
    for unit in units:
        if unit.width <= limit:
            out.append(unit)
            continue
        for k, (piece, at) in enumerate(_graphemes(unit.text)):
            out.append(
                Unit(
                    piece,
                    text_width(piece, lang),
                    unit.joiner if k == 0 else "",
                    unit.start + at,
                    fragment=k > 0,
                )
            )
    return out


def units_of(text: str, lang: Language) -> list[Unit]:
    """The units of ``text`` (``layout_text`` first), words wider than a line hard-wrapped."""
    return _explode_wide(_tokens(layout_text(text), lang), lang)


def min_lines(text: str, lang: Language) -> int:
    """The fewest lines the text needs at the language's width (greedy fill is optimal
    for in-order packing); words wider than a line are hard-wrapped."""
    limit = lang.max_chars_per_line
    plain = layout_text(text)
    if text_width(plain, lang) <= limit:
        return 1 if plain else 0
    lines = 0
    current = 0.0
    for unit in units_of(plain, lang):
        joined = current + text_width(unit.joiner, lang) + unit.width
        if lines and joined <= limit:
            current = joined
        else:
            lines += 1
            current = unit.width
    return lines


# --- Break costs -----------------------------------------------------------------------


def _bare(word: str) -> str:
    return word.strip(BARE_STRIP).casefold()


def _is_capitalised(word: str) -> bool:
    core = word.lstrip(CAPITAL_STRIP)
    return bool(core) and core[0].isupper()


def protected_ranges(text: str, protected: Sequence[str]) -> list[tuple[int, int]]:
    """Where the protected spans occur in ``text`` (case-insensitive, marks ignored)."""
    folded = text.casefold()
    ranges: list[tuple[int, int]] = []
    for span in protected:
        needle = normalize(span).casefold()
        if not needle:
            continue
        start = folded.find(needle)
        while start >= 0:
            ranges.append((start, start + len(needle)))
            start = folded.find(needle, start + 1)
    return ranges


def break_cost(
    before: str,
    after: str,
    lang: Language,
    *,
    at: int | None = None,
    protected: Sequence[tuple[int, int]] = (),
    cjk_chars: bool = False,
) -> float:
    """Cost of a break between the words (units) ``before`` and ``after`` (lower is
    better); ``at`` is the break's offset in the text, for protected spans.

    Shared by the line breaker and the segmenter's cue boundaries.
    """
    cost = _pair_cost(_visible(before), _visible(after), lang, cjk_chars)
    if at is not None and any(lo < at < hi for lo, hi in protected):
        cost += _COST_PROTECTED
    return cost


def title_dot(word: str, after: str, lang: Language) -> bool:
    """A title's dot before a name ("Mr. Dashwood", "Dr. Tan"): it ends no sentence, and
    the title stays with the name after it ("5 ms. Then" is no title)."""
    return (
        word.endswith(".")
        and _bare(word).rstrip(".") in TITLE_ABBREVIATIONS.get(lang.code, ())
        and _is_capitalised(after)
    )


def ends_sentence(word: str, after: str, lang: Language) -> bool:
    """Whether ``word``, followed by ``after``, closes a sentence ("Mr. Dashwood" does not)."""
    return word.rstrip(CLOSERS)[-1:] in SENTENCE_END and not title_dot(word, after, lang)


def forbidden_break(before: str, after: str, lang: Language) -> bool:
    """A line break between the words ``before`` and ``after`` that the style guide rules
    out (``_pair_cost`` at ``_COST_NAME`` or more): after an article, preposition or title,
    before a postposition, between a first and a last name, or splitting punctuation from
    its word."""
    return _pair_cost(before, after, lang, False) >= FORBIDDEN_COST


@functools.lru_cache(maxsize=65536)
def _visible(unit: str) -> str:
    """A unit as the reader sees it: the words of ``<i>the</i>`` are those of ``the``."""
    return visible_text(unit)


@functools.lru_cache(maxsize=65536)
def _pair_cost(before: str, after: str, lang: Language, cjk_chars: bool) -> float:
    if title_dot(before, after, lang):
        return _COST_PLAIN + _COST_GLUED_WORD
    cost = _base_cost(before, after, lang)
    # Punctuation stays with its word: no line starts with a closing mark, none ends
    # with an opening one.
    if _opening_end(before) or _closing_start(after):
        cost += _COST_GLUED_WORD
    if before[-1:] in SENTENCE_END or before[-1:] in CLAUSE_END:
        return cost
    rules = WORD_RULES.get(lang.code, WordRules())
    first, second = _bare(before), _bare(after)
    # an article or preposition ends no line, unless a conjunction or preposition opens
    # the next ("Thank you / for everything", "I love you / but")
    if (first in rules.no_break_after and second not in rules.break_before) or (
        second in rules.no_break_before
    ):
        cost += _COST_GLUED_WORD
    elif second in rules.maybe_no_break_before:
        cost += _COST_MAYBE_GLUED
    if (not cjk_chars and _is_capitalised(before) and _is_capitalised(after)
            and first not in rules.not_names and second not in rules.not_names):
        cost += _COST_NAME
    return cost


def _opening_end(word: str) -> bool:
    """``word`` is opening marks alone (``“``, ``(«``): a line ends on them only in
    error. A mark after letters closes ("„да“")."""
    return bool(word) and all(_opens(char) for char in word)


def _closing_start(word: str) -> bool:
    """``word`` opens with a mark that closes the line before (``,``, ``)``, a quote with
    nothing after it)."""
    if not _closes(word[:1]):
        return False
    return not (word[:1] in AMBIGUOUS_QUOTES and word[1:2] and not _closes(word[1:2]))


def _opens(char: str) -> bool:
    return bool(char) and (unicodedata.category(char) in ("Ps", "Pi") or char in OPENING_EXTRA)


def _closes(char: str) -> bool:
    return (
        bool(char)
        and (char in CLOSERS or char in SENTENCE_END or char in CLAUSE_END
             or char in CLOSING_EXTRA)
        and char not in NOT_CLOSING
    )


def _base_cost(before: str, after: str, lang: Language) -> float:
    tail = before.rstrip(CLOSERS)
    if tail[-1:] in SENTENCE_END:
        return _COST_SENTENCE
    if tail[-1:] in CLAUSE_END:
        return _COST_CLAUSE
    rules = WORD_RULES.get(lang.code, WordRules())
    if _bare(after) in rules.break_before or after.startswith(rules.break_before_prefixes):
        return _COST_BEFORE_CONJUNCTION
    if after in LINE_DASHES:  # a dialogue dash opens a new speaker's line
        return _COST_CLAUSE
    return _COST_PLAIN


#: Inside a number of a CJK line these stand between digits ("3.5", "10,000", "10:30"):
#: a Latin run there is split at them into units, but no line or cue breaks at them.
_NUMBER_SEPARATORS = frozenset(".,:")


def _inside_number(text: str, at: int) -> bool:
    """A break at offset ``at`` of ``text`` falls inside a number (next to a separator
    that stands between two digits)."""
    for sep in (at - 1, at):  # "3." / "5" and "3" / ".5"
        if (0 < sep < len(text) - 1 and text[sep] in _NUMBER_SEPARATORS
                and text[sep - 1].isdigit() and text[sep + 1].isdigit()):
            return True
    return False


_GROUP_HEAD = re.compile(r"\W*\d{1,3}")
_GROUP_TAIL = re.compile(r"\d{3}(?!\d)")


def _digit_groups(before: str, after: str) -> bool:
    """``before`` and ``after`` are groups of one number written with spaces between its
    thousands ("1 250 000", the Russian way)."""
    return bool(_GROUP_HEAD.fullmatch(_visible(before)) and _GROUP_TAIL.match(_visible(after)))


def unit_break_costs(
    units: Sequence[Unit], text: str, lang: Language, protected: Sequence[str]
) -> list[float]:
    """costs[k]: cost of breaking before units[k] (k >= 1) of the normalised ``text``."""
    ranges = protected_ranges(text, protected)
    costs = [0.0]
    for k in range(1, len(units)):
        before, after = units[k - 1], units[k]
        if after.fragment and (before.text[-1:] in _WRAP_AFTER or after.text[:1] == "@"):
            costs.append(_COST_WRAP_AT_SEPARATOR)  # "https://festival." / "example.org"
            continue
        if (after.fragment or (lang.cjk_width and _inside_number(text, after.start))
                or _digit_groups(before.text, after.text)):
            costs.append(_COST_HARD_WRAP)
            continue
        # Chinese units are single characters: look ahead for two-character conjunctions.
        following = text[after.start : after.start + 4] if lang.cjk_width else after.text
        costs.append(
            break_cost(
                before.text,
                following,
                lang,
                at=after.start,
                protected=ranges,
                cjk_chars=lang.cjk_width,
            )
        )
    return costs


# --- Breaking --------------------------------------------------------------------------


def _line(units: Sequence[Unit]) -> str:
    return "".join((u.joiner if k else "") + u.text for k, u in enumerate(units))


def shape_cost(widths: Sequence[float], limit: int) -> float:
    """Penalty for the line widths' shape: bottom-heavy (each line at least as wide as
    the one above) is preferred, balanced lines next."""
    cost = 0.0
    for upper, lower in itertools.pairwise(widths):
        if upper > lower:
            cost += _TOP_HEAVY_WEIGHT * (upper - lower) / limit
        else:
            cost += _BOTTOM_HEAVY_WEIGHT * (lower - upper) / limit
    return cost


@dataclass(frozen=True, slots=True)
class Layout:
    """The chosen line layout of a text, its break cost and its overflow (the widths
    past the line limit, summed; 0 when every line fits)."""

    lines: tuple[str, ...]
    cost: float
    overflow: float


def best_layout(text: str, lang: Language, protected: Sequence[str] = ()) -> Layout:
    """The cheapest layout of ``text`` in at most ``TIMING.max_lines`` lines.

    One line when it fits (cost 0); else the cheapest break (see the module docstring)
    among the layouts whose lines all fit; when none fits (the text is too long for a
    cue), the layout with the least overflow.
    """
    plain = layout_text(text)
    limit = lang.max_chars_per_line
    width = text_width(plain, lang)
    if width <= limit or not plain:
        return Layout((plain,) if plain else (), 0.0, 0.0)
    units = units_of(plain, lang)
    costs = unit_break_costs(units, plain, lang, protected)
    # cumulative[k]: width of units[:k] with their joiners; a line [a, b) drops a's joiner.
    joiners = [text_width(u.joiner, lang) for u in units]
    cumulative = [
        0.0,
        *itertools.accumulate(j + u.width for j, u in zip(joiners, units, strict=True)),
    ]
    best: tuple[float, float, tuple[int, ...]] = (width - limit, 0.0, (0, len(units)))
    for count in range(2, TIMING.max_lines + 1):
        for cuts in itertools.combinations(range(1, len(units)), count - 1):
            bounds = (0, *cuts, len(units))
            widths = [
                cumulative[b] - cumulative[a] - joiners[a] for a, b in itertools.pairwise(bounds)
            ]
            overflow = sum(max(0.0, w - limit) for w in widths)
            cost = sum(costs[c] for c in cuts) + shape_cost(widths, limit)
            if (overflow, cost) < best[:2]:
                best = (overflow, cost, bounds)
        if best[0] == 0:
            break
    lines = tuple(_line(units[a:b]) for a, b in itertools.pairwise(best[2]))
    return Layout(lines, best[1], best[0])


def break_lines(text: str, lang: Language, protected: Sequence[str] = ()) -> tuple[str, ...]:
    """``text`` in at most ``TIMING.max_lines`` lines (plain, no direction marks); see
    ``best_layout``. Check the result with ``lines_fit`` when the text may be too long."""
    return best_layout(text, lang, protected).lines


def layout(text: str, lang: Language, protected: Sequence[str] = ()) -> tuple[str, ...]:
    """``break_lines`` plus direction marks for right-to-left languages: the lines as
    they go into the SRT file."""
    lines = break_lines(text, lang, protected)
    return tuple(wrap_rtl(line) for line in lines) if lang.rtl else lines
