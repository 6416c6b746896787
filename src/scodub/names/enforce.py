"""Glossary enforcement through machine translation: names go in, the right names come out.

1. ``protect`` finds the glossary terms in the source text (longest first, word bounded,
   case-insensitive, case endings allowed for inflecting source languages) and replaces
   each with a numbered placeholder ``[[n]]``.
2. The translation model carries the placeholders through.
3. ``restore`` puts the term's target-language form at each placeholder, then checks that
   every source term is in the output and repairs what the model broke.

Why ``[[n]]``: only ASCII brackets and digits. Every translation vocabulary has them and
models copy them; a model that writes its output in another script (Latin to Cyrillic)
has no letters in them to transliterate (``TERM1`` comes out as ``ТЕРМ1``); SRT markup
never uses double brackets. What models still do to them, and what ``restore`` reads
back: spaces inside (``[[ 1 ]]``, ``[ [1 ]``), one bracket lost (``[1]``, ``⟨1``),
full-width or other brackets (``［［1］］``, ``⟦1⟧``), the digit in the target script
(``[[۱]]`` in Persian, ``[[१]]`` in Hindi), a case ending glued on (``[[1]]а``), the
placeholder repeated or dropped. Slot numbers skip every number written in the source,
so a bracketed number of the text itself (``[2]``, ``(2025)``) is never taken for one.

Repairs, each recorded as a ``Repair`` (before/after), none silent:

- a mangled placeholder is read as its slot; a repeated one is kept once;
- a lost placeholder: the name may still be there, misspelt or transliterated (the model
  saw it: ``repair`` without placeholders, or an editor's text); the best span scoring at
  least ``REPAIR_THRESHOLD`` on ``namematch.similarity`` against the target form, the
  source form and the English form is replaced; else the form is inserted at the slot's
  relative position in the sentence (kind ``inserted``: worth a human look);
- an output that holds a term more often than the source did loses the extra copies;
- a stray ``[[n]]`` the source never had is removed.

A term counts as present in the output when one of its accepted forms is there
(``scodub.names.termcheck``, which also holds ``verify`` for any pair of texts); in languages
that inflect names each word of the form may take a case ending (``Чжана Имоу``, ``Самины
Фарзин``), and such a form is a hit that no repair touches.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scodub.langs import get_language
from scodub.names.glossary import Glossary, Term
from scodub.names.match import is_respelling, similarity, tokens
from scodub.names.termcheck import TermCheck, TermSpan, check_terms, find_terms, verify

#: The placeholder sent to the translation model for slot ``n``.
PLACEHOLDER = "[[{}]]"
#: What a canonical placeholder looks like (fakes and leak checks use it).
PLACEHOLDER_RE = re.compile(r"\[\[(\d+)\]\]")
#: Minimum ``namematch.similarity`` (0-100) for a span of the output to be taken for a
#: misspelt or transliterated name. Same scale as ASR correction: damaged names in the
#: test set score 82-100, ordinary words of the same sentences below 60.
REPAIR_THRESHOLD = 80.0

_SLOT_DIGITS = 4  # the most digits a placeholder's number has (_LOOSE_RE reads no more)
_OPENING = re.escape("[［⟦〚【⟨〈<{«‹")
_CLOSING = re.escape("]］⟧〛】⟩〉>}»›")
# Opening brackets, a number, closing brackets (each side may lose one); or the mirror
# image, as right-to-left output can show it. A closing bracket never opens a match, so
# "[1] [[3]]" is two matches, not "[1] [" and "[3]]".
_LOOSE_RE = re.compile(
    rf"(?P<open>(?:[{_OPENING}]\s?){{0,2}})(?<!\d)(?P<num>\d{{1,{_SLOT_DIGITS}}})(?!\d)"
    rf"(?P<close>(?:\s?[{_CLOSING}]){{0,2}})"
    rf"|(?P<ropen>(?:[{_CLOSING}]\s?){{1,2}})(?<!\d)(?P<rnum>\d{{1,{_SLOT_DIGITS}}})(?!\d)"
    rf"(?P<rclose>(?:\s?[{_OPENING}]){{1,2}})")
_SEPARATORS = ",،、;؛ "
_END_PUNCT = ".!?。！？…:;»\"”’)）؟"


@dataclass(frozen=True, slots=True)
class Slot:
    number: int
    placeholder: str
    term_id: str
    start: int  # span in the source text
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class Protected:
    """A source text ready for translation: ``text`` has placeholders where the terms were."""

    text: str
    source_text: str
    source_lang: str
    slots: tuple[Slot, ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "source_text": self.source_text,
                "source_lang": self.source_lang, "slots": [asdict(s) for s in self.slots]}


@dataclass(frozen=True, slots=True)
class Repair:
    """One change to the model's output; kinds: placeholder, duplicate, stray, fuzzy,
    inserted, no-form."""

    term_id: str
    kind: str
    before: str
    after: str
    position: int  # character offset in the output where it happened


@dataclass(frozen=True, slots=True)
class Enforced:
    text: str
    hits: tuple[TermCheck, ...]  # status hit or repaired
    repairs: tuple[Repair, ...]
    misses: tuple[TermCheck, ...]

    @property
    def hit_rate(self) -> float:
        total = len(self.hits) + len(self.misses)
        return len(self.hits) / total if total else 1.0

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "hit_rate": round(self.hit_rate, 4),
                "hits": [asdict(c) for c in self.hits],
                "repairs": [asdict(r) for r in self.repairs],
                "misses": [asdict(c) for c in self.misses]}


def numbers_in(text: str) -> set[int]:
    """The numbers written in ``text`` that a slot number could be taken for: a run of
    more digits than a placeholder's is none (and ``int()`` refuses one of over 4300)."""
    return {int(n) for n in re.findall(r"\d+", text) if len(n) <= _SLOT_DIGITS}


def _free_numbers(text: str, count: int) -> list[int]:
    used = numbers_in(text)
    numbers: list[int] = []
    n = 1
    while len(numbers) < count:
        if n not in used:
            numbers.append(n)
        n += 1
    return numbers


#: What follows a name's last word after an apostrophe: an English possessive ('s), a
#: Turkic case suffix on a proper name (Toshkent'da).
_APOSTROPHE_SUFFIX = re.compile(r"(?<=\w)['’ʼ]\w{1,3}$")


def _outside_suffix(span: TermSpan) -> TermSpan:
    """``span`` without an apostrophe suffix on its last word: "Zhang Yimou's film" is
    sent as "[[1]]'s film", so that the model translates the possessive ("фильм [[1]]",
    "[[1]]的电影"); inside the placeholder it was lost ("[[1]] film": "Чжан Имоу фильм")."""
    found = None if span.exact else _APOSTROPHE_SUFFIX.search(span.surface)
    if found is None:
        return span
    cut = len(span.surface) - found.start()
    return TermSpan(span.term_id, span.start, span.end - cut, span.surface[:-cut], span.exact)


def protect(text: str, source_lang: str, glossary: Glossary) -> Protected:
    """``text`` with every glossary term replaced by a numbered placeholder (an
    apostrophe suffix of the name left after it: ``_outside_suffix``)."""
    lang = get_language(source_lang).code
    spans = [_outside_suffix(s) for s in find_terms(text, lang, glossary)]
    slots = tuple(Slot(n, PLACEHOLDER.format(n), s.term_id, s.start, s.end, s.surface)
                  for n, s in zip(_free_numbers(text, len(spans)), spans, strict=True))
    pieces: list[str] = []
    pos = 0
    for slot in slots:
        pieces += [text[pos : slot.start], slot.placeholder]
        pos = slot.end
    pieces.append(text[pos:])
    return Protected("".join(pieces), text, lang, slots)


# --- restore: edits that keep track of the spans already settled --------------------------

@dataclass(slots=True)
class _Draft:
    text: str
    locked: list[tuple[int, int]]  # spans no repair may touch
    repairs: list[Repair]

    def edit(self, start: int, end: int, new: str) -> None:
        delta = len(new) - (end - start)
        self.text = self.text[:start] + new + self.text[end:]
        moved = []
        for a, b in self.locked:
            if b <= start:
                moved.append((a, b))
            elif a >= end:
                moved.append((a + delta, b + delta))
        self.locked = moved

    def cut(self, start: int, end: int) -> None:
        """Remove ``[start, end)`` and leave one space, or none before punctuation."""
        left, right = self.text[:start], self.text[end:]
        spaced = left.endswith(" ") or right.startswith(" ") or self.text[start:end].strip() \
            != self.text[start:end]
        kept_left, kept_right = left.rstrip(" "), right.lstrip(" ")
        glue = " " if spaced and kept_left and kept_right and kept_right[0] not in \
            _END_PUNCT + _SEPARATORS else ""
        self.edit(len(kept_left), len(self.text) - len(kept_right), glue)

    def is_free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.locked)


def _slot_number(match: re.Match[str]) -> int | None:
    """The slot a loose placeholder stands for; None for a bare number."""
    digits = match.group("num") or match.group("rnum")
    if match.group("num") and not (match.group("open") or match.group("close")):
        return None
    return int("".join(str(unicodedata.digit(c)) for c in digits))


def _adjacent(text: str, end: int, start: int) -> bool:
    """Only spaces and list separators between ``end`` and ``start``: ``X, X``."""
    return text[end:start].strip(_SEPARATORS) == ""


def _restore_placeholders(draft: _Draft, slots: dict[int, Slot], lang: str,
                          terms: Mapping[str, Term]) -> set[int]:
    """One placeholder per slot becomes the term's form, copies go; returns slots seen.

    Of two adjacent copies (``[[1]], [[1]]``) the later one stays: it carries whatever
    the model glued on (``[[1]]а``). Of copies apart, the first stays.
    """
    by_slot: dict[int, list[re.Match[str]]] = {}
    for m in _LOOSE_RE.finditer(draft.text):
        n = _slot_number(m)
        if n is not None and n in slots:
            by_slot.setdefault(n, []).append(m)
    ops: list[tuple[int, int, int, bool]] = []  # start, end, slot, restore (else cut)
    for n, found in by_slot.items():
        keep = found[0]
        for m in found[1:]:
            if _adjacent(draft.text, keep.end(), m.start()):
                ops.append((keep.start(), m.start(), n, False))
                keep = m
            else:
                ops.append((m.start(), m.end(), n, False))
        ops.append((keep.start(), keep.end(), n, True))
    for start, end, n, restore_here in sorted(ops, reverse=True):
        slot = slots[n]
        if not restore_here:
            draft.repairs.append(Repair(slot.term_id, "duplicate", draft.text[start:end].strip(),
                                        "", start))
            draft.cut(start, end)
            continue
        term = terms.get(slot.term_id)
        form = term.form(lang) if term else None
        placeholder = draft.text[start:end]
        if placeholder != slot.placeholder:
            draft.repairs.append(Repair(slot.term_id, "placeholder", placeholder,
                                        slot.placeholder, start))
        if not form:
            draft.repairs.append(Repair(slot.term_id, "no-form", placeholder, slot.surface,
                                        start))
        value = form or slot.surface
        draft.edit(start, end, value)
        draft.locked.append((start, start + len(value)))
    return set(by_slot)


def _remove_strays(draft: _Draft) -> None:
    for m in reversed(list(PLACEHOLDER_RE.finditer(draft.text))):
        draft.repairs.append(Repair("", "stray", m.group(0), "", m.start()))
        draft.cut(m.start(), m.end())


def _best_spans(draft: _Draft, refs: Sequence[str],
                max_words: int) -> list[tuple[float, int, int, str]]:
    """Non-overlapping free spans of the draft that look like one of ``refs``, best first,
    each with the reference it looks most like."""
    toks = tokens(draft.text)
    scored: list[tuple[float, int, int, str]] = []
    for i in range(len(toks)):
        for j in range(i, min(len(toks), i + max_words)):
            start, end = toks[i].start, toks[j].end
            if not draft.is_free(start, end):
                break
            piece = draft.text[start:end]
            score, ref = max((similarity(piece, r), r) for r in refs)
            if score >= REPAIR_THRESHOLD:
                scored.append((score, start, end, ref))
    scored.sort(key=lambda t: (-t[0], t[1]))
    chosen: list[tuple[float, int, int, str]] = []
    for cand in scored:
        if all(cand[2] <= c[1] or cand[1] >= c[2] for c in chosen):
            chosen.append(cand)
    return chosen


def _replacement(term: Term, lang: str, ref: str) -> str:
    """What a damaged copy of ``term`` that looked most like ``ref`` becomes: the variant
    itself when ``ref`` is a short or other accepted name here, else the canonical form."""
    form = term.form(lang) or ref
    if ref in term.accepted(lang) and not is_respelling(ref, form):
        return ref
    return form


def _insert_at(draft: _Draft, relative: float, form: str, spaced: bool) -> int:
    """Insert ``form`` at the free word gap nearest to ``relative`` (0-1) of the text."""
    text = draft.text
    if not text.strip():
        draft.edit(0, len(text), form)
        return 0
    end = len(text.rstrip())
    while end > 0 and text[end - 1] in _END_PUNCT:
        end -= 1
    if spaced:
        gaps = [0] + [i for i, c in enumerate(text[:end]) if c == " "] + [end]
    else:
        gaps = list(range(end + 1))
    gaps = [g for g in gaps if all(not a < g < b for a, b in draft.locked)] or [end]
    target = relative * end
    pos = min(gaps, key=lambda g: (abs(g - target), g))
    if not spaced:
        new = form
    elif pos == 0:
        new = form + " "
    else:
        new = " " + form
    draft.edit(pos, pos, new)
    start = pos + (1 if spaced and pos > 0 else 0)
    draft.locked.append((start, start + len(form)))
    return start


def _drop_surplus(draft: _Draft, lang: str, glossary: Glossary, counts: Counter[str]) -> None:
    """No term more often than in the source; of adjacent copies the later one stays."""
    by_term: dict[str, list[TermSpan]] = {}
    for span in find_terms(draft.text, lang, glossary):
        by_term.setdefault(span.term_id, []).append(span)
    cuts: list[tuple[int, int, str, str]] = []
    for term_id, spans in by_term.items():
        extra = len(spans) - counts[term_id]
        keep = spans[0]
        for span in spans[1:]:
            if extra <= 0:
                break
            if _adjacent(draft.text, keep.end, span.start):
                cuts.append((keep.start, span.start, term_id, keep.surface))
                keep = span
            else:
                cuts.append((span.start, span.end, term_id, span.surface))
            extra -= 1
    for start, end, term_id, surface in sorted(cuts, reverse=True):
        draft.repairs.append(Repair(term_id, "duplicate", surface, "", start))
        draft.cut(start, end)


def restore(translated: str, protected: Protected, target_lang: str,
            glossary: Glossary) -> Enforced:
    """The model's output with each placeholder replaced by the term's target form, then
    verified and repaired (see the module docstring)."""
    return _enforce(translated, protected, target_lang, glossary, placeholders=True)


def _complete_short_mentions(draft: _Draft, protected: Protected, lang: str,
                             glossary: Glossary) -> set[str]:
    """A term found only through a shorter variant (``Farzin``) where the source named it
    in full: if the words around it are the rest of the name, misspelt (``Saimna Farzin``),
    the whole becomes the form. Returns the terms so repaired."""
    repaired: set[str] = set()
    source_words = {s.term_id: len(tokens(s.surface)) for s in protected.slots}
    spans = find_terms(draft.text, lang, glossary)
    for span in reversed(spans):
        term = glossary.by_id(span.term_id)
        form = term.form(lang) if term else None
        have = len(tokens(span.surface))
        if not form or have >= min(len(tokens(form)), source_words.get(span.term_id, 0)):
            continue
        toks = tokens(draft.text)
        first = next(i for i, t in enumerate(toks) if t.start >= span.start)
        last = max(i for i, t in enumerate(toks) if t.end <= span.end)
        others = [(o.start, o.end) for o in spans if o is not span]
        missing = len(tokens(form)) - have
        best: tuple[float, int, int] | None = None
        for left in range(missing + 1):
            a, b = first - left, last + missing - left
            if a < 0 or b >= len(toks):
                continue
            start, end = toks[a].start, toks[b].end
            if any(start < y and x < end for x, y in others):
                continue
            score = similarity(draft.text[start:end], form)
            if score >= REPAIR_THRESHOLD and (best is None or score > best[0]):
                best = (score, start, end)
        if best is not None:
            _, start, end = best
            draft.repairs.append(Repair(span.term_id, "fuzzy", draft.text[start:end], form,
                                        start))
            draft.edit(start, end, form)
            repaired.add(span.term_id)
    return repaired


def _enforce(translated: str, protected: Protected, target_lang: str, glossary: Glossary,
             *, placeholders: bool) -> Enforced:
    language = get_language(target_lang)
    lang = language.code
    # Chinese is written without spaces, unless the text in hand has them anyway.
    spaced = language.script != "Han" or " " in translated.strip()
    terms = glossary.ids
    slots = {s.number: s for s in protected.slots}
    order = list(dict.fromkeys(s.term_id for s in protected.slots))
    counts = Counter(s.term_id for s in protected.slots)
    draft = _Draft(translated, [], [])
    seen: set[int] = set()
    if placeholders:
        seen = _restore_placeholders(draft, slots, lang, terms)
        _remove_strays(draft)

    repaired = _complete_short_mentions(draft, protected, lang, glossary)
    present = {s.term_id for s in find_terms(draft.text, lang, glossary)}
    for term_id in order:
        term = terms.get(term_id)
        form = term.form(lang) if term else None
        if term is None or not form or term_id in present:
            continue
        # Terms of the source already in place are not to be touched; other glossary
        # names found here (SCO inside a damaged "SCO Film Festiavl") may be.
        draft.locked = [(s.start, s.end) for s in find_terms(draft.text, lang, glossary)
                        if s.term_id in counts]
        refs = _references(term, lang, protected)
        max_words = max(len(tokens(r)) for r in refs) + 1
        matches = _best_spans(draft, refs, max_words)
        # The best copies become the form; more copies than the source had are removed.
        keep = {(start, end) for _, start, end, _ in matches[: counts[term_id]]}
        for _, start, end, ref in sorted(matches, key=lambda t: t[1], reverse=True):
            before = draft.text[start:end]
            if (start, end) in keep:
                value = _replacement(term, lang, ref)
                draft.repairs.append(Repair(term_id, "fuzzy", before, value, start))
                draft.edit(start, end, value)
                draft.locked.append((start, start + len(value)))
            else:
                draft.repairs.append(Repair(term_id, "duplicate", before, "", start))
                draft.cut(start, end)
        if not keep:
            slot = next(s for s in protected.slots if s.term_id == term_id)
            relative = slot.start / max(1, len(protected.source_text))
            pos = _insert_at(draft, relative, form, spaced)
            lost = placeholders and slot.number not in seen
            note = "placeholder lost" if lost else "form not found"
            draft.repairs.append(Repair(term_id, "inserted", note, form, pos))
        repaired.add(term_id)
    _drop_surplus(draft, lang, glossary, counts)

    checks = check_terms(draft.text, lang, glossary, order, counts, repaired)
    hits = tuple(c for c in checks if c.status != "miss")
    misses = tuple(c for c in checks if c.status == "miss")
    return Enforced(draft.text, hits, tuple(draft.repairs), misses)


def _references(term: Term, lang: str, protected: Protected) -> list[str]:
    """What a damaged copy of the term may look like: its forms here, in the source and in
    English, and how the source wrote it (``similarity`` compares across scripts)."""
    refs = list(term.accepted(lang))
    refs += [s.surface for s in protected.slots if s.term_id == term.id]
    for code in (protected.source_lang, "en"):
        refs += list(term.accepted(code))
    return [r for r in dict.fromkeys(refs) if r.strip()]


def repair(translated: str, source_text: str, source_lang: str, target_lang: str,
           glossary: Glossary) -> Enforced:
    """Enforce the glossary on a translation made WITHOUT placeholders (a model given the
    plain text, or an editor's subtitles): verify, then fuzzy-replace or insert."""
    protected = protect(source_text, source_lang, glossary)
    return _enforce(translated, protected, target_lang, glossary, placeholders=False)


__all__ = ["PLACEHOLDER", "PLACEHOLDER_RE", "REPAIR_THRESHOLD", "Enforced", "Protected",
           "Repair", "Slot", "TermCheck", "TermSpan", "find_terms", "numbers_in", "protect",
           "repair", "restore", "verify"]
