"""Deterministic fake translators for testing glossary enforcement (no model needed).

Each implements ``scodub.mt.nllb.Translator``. None translates: each copies its input
and does one kind of damage that real translation models do to names and placeholders,
so that ``scodub.names.enforce`` can be tested and benchmarked against it:

- ``IdentityTranslator``: copies (the damage-free baseline);
- ``DropTranslator``: leaves names and placeholders out;
- ``MangleTranslator``: breaks placeholders (``[ [1 ]``, ``[1]``, ``⟨1``, ``[[۱]]``) and
  swaps two letters inside names;
- ``TransliterateTranslator``: writes names (or the whole text) in naive Cyrillic;
- ``DuplicateTranslator``: repeats names and placeholders;
- ``ReorderTranslator``: swaps two names or placeholders (moves a lone one);
- ``InflectTranslator``: knows the glossary, writes each name in the target language and
  gives it a case ending (Russian endings for Cyrillic, Turkic suffixes for Latin), and
  glues an ending onto placeholders (``[[1]]а``).

Damage is deterministic: which names and placeholders are hit, and how, is drawn from a
random generator seeded with the text, the target language and the hypothesis number.
With ``rate`` r each target is hit with probability r, and at least one always is, so a
text with a name in it never comes back undamaged.

"Names" are the strings given in ``names`` (for instance a glossary's source forms,
``source_names(glossary, "en")``), or, when none are given, runs of capitalised Latin
words that do not start the sentence.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from scodub.langs import get_language
from scodub.mt.nllb import Translator
from scodub.names.enforce import PLACEHOLDER_RE
from scodub.names.glossary import Glossary
from scodub.names.termcheck import find_terms

_CAPITALISED_RUN = re.compile(r"(?<![\w'’])[A-Z][\w'’-]*(?:[ ][A-Z][\w'’-]*)*")
_TARGET_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹", "ur": "۰۱۲۳۴۵۶۷۸۹", "hi": "०१२३४५६७८९"}
_LATIN_TO_CYRILLIC = {
    "shch": "щ", "zh": "ж", "ch": "ч", "sh": "ш", "kh": "х", "ts": "ц", "ya": "я", "yu": "ю",
    "yo": "ё", "a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
    "i": "и", "j": "дж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к",
    "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "кс", "y": "й", "z": "з",
}
_TRANSLIT_RE = re.compile("|".join(sorted(_LATIN_TO_CYRILLIC, key=len, reverse=True)),
                          re.IGNORECASE)
# Russian case endings by the last letter of the nominative (consonant, -а, -я).
_RU_CONSONANT = ("а", "у", "ом", "е")
_RU_A = ("ы", "е", "у", "ой")
_RU_YA = ("и", "ю", "ей")
_TURKIC = ("ning", "ga", "da", "dan")


def source_names(glossary: Glossary, lang: str) -> tuple[str, ...]:
    """Every accepted form of every term in ``lang``: what a fake treats as names."""
    return tuple(dict.fromkeys(f for t in glossary.terms for f in t.accepted(lang)))


def naive_cyrillic(text: str) -> str:
    """Latin letters to Cyrillic, letter by letter (``Zhang Yimou`` -> ``Жанг Йимоу``)."""
    def swap(m: re.Match[str]) -> str:
        out = _LATIN_TO_CYRILLIC[m.group(0).lower()]
        return out[0].upper() + out[1:] if m.group(0)[0].isupper() else out

    return _TRANSLIT_RE.sub(swap, text)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True, slots=True)
class _Target:
    start: int
    end: int
    text: str
    placeholder: bool


@dataclass
class _FakeTranslator:
    """Copies the text, then ``_harm`` damages the chosen placeholders and names."""

    names: Sequence[str] = ()
    rate: float = 1.0
    name: str = field(default="fake", init=False)

    def translate(self, texts: Sequence[str], source: str, target: str, *,
                  n_best: int = 1) -> list[list[str]]:
        src, tgt = get_language(source).code, get_language(target).code
        return [[self._translate_one(text, src, tgt, k) for k in range(n_best)]
                for text in texts]

    def _translate_one(self, text: str, source: str, target: str, k: int) -> str:
        targets = self._targets(text)
        if not targets:
            return text
        rng = _rng(self.name, target, k, text)
        chosen = [t for t in targets if rng.random() < self.rate] or [rng.choice(targets)]
        return self._harm(text, chosen, targets, source, target, rng)

    def _targets(self, text: str) -> list[_Target]:
        found = [_Target(m.start(), m.end(), m.group(0), True)
                 for m in PLACEHOLDER_RE.finditer(text)]
        if self.names:
            for name in sorted(self.names, key=len, reverse=True):
                for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                    found.append(_Target(m.start(), m.end(), name, False))
        else:
            for m in _CAPITALISED_RUN.finditer(text):
                starts_sentence = not text[: m.start()].strip() or \
                    text[: m.start()].rstrip()[-1] in ".!?\"“"
                run = m.group(0)
                if starts_sentence and " " not in run:
                    continue
                found.append(_Target(m.start(), m.end(), run, False))
        chosen: list[_Target] = []
        for t in sorted(found, key=lambda t: (-(t.end - t.start), t.start)):
            if all(t.end <= c.start or t.start >= c.end for c in chosen):
                chosen.append(t)
        return sorted(chosen, key=lambda t: t.start)

    def _harm(self, text: str, chosen: Sequence[_Target], targets: Sequence[_Target],
              source: str, target: str, rng: random.Random) -> str:
        return text


def _replace(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """Apply non-overlapping edits; tidy the spaces a removal leaves behind."""
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return re.sub(r" +([,.!?])", r"\1", re.sub(r" {2,}", " ", text)).strip()


@dataclass
class IdentityTranslator(_FakeTranslator):
    name: str = field(default="identity", init=False)


@dataclass
class DropTranslator(_FakeTranslator):
    name: str = field(default="drop", init=False)

    def _harm(self, text: str, chosen: Sequence[_Target], targets: Sequence[_Target],
              source: str, target: str, rng: random.Random) -> str:
        return _replace(text, [(t.start, t.end, "") for t in chosen]).strip()


@dataclass
class MangleTranslator(_FakeTranslator):
    name: str = field(default="mangle", init=False)

    def _harm(self, text: str, chosen: Sequence[_Target], targets: Sequence[_Target],
              source: str, target: str, rng: random.Random) -> str:
        edits = []
        for t in chosen:
            if t.placeholder:
                n = PLACEHOLDER_RE.fullmatch(t.text).group(1)  # type: ignore[union-attr]
                digits = _TARGET_DIGITS.get(target)
                local = "".join(digits[int(c)] for c in n) if digits else n
                forms = [f"[ [{n} ]", f"[[ {n} ]]", f"[{n}]", f"⟨{n}", f"［［{n}］］",
                         f"⟦{n}⟧", f"[[{local}]]", f"{{{n}}}"]
                edits.append((t.start, t.end, rng.choice(forms)))
            else:
                edits.append((t.start, t.end, _swap_letters(t.text, rng)))
        return _replace(text, edits)


def _swap_letters(name: str, rng: random.Random) -> str:
    """Two neighbouring letters inside the name's longest word swapped (``Zhnag``)."""
    words = name.split(" ")
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    spots = [k for k in range(1, len(word) - 2) if word[k] != word[k + 1]]
    if not spots:
        return name[::-1] if len(name) > 1 else name + name
    k = rng.choice(spots)
    words[i] = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    return " ".join(words)


@dataclass
class TransliterateTranslator(_FakeTranslator):
    """Names (or, with ``whole_text``, every Latin letter) in naive Cyrillic."""

    whole_text: bool = False
    name: str = field(default="transliterate", init=False)

    def _translate_one(self, text: str, source: str, target: str, k: int) -> str:
        if self.whole_text:
            return naive_cyrillic(text)
        return super()._translate_one(text, source, target, k)

    def _harm(self, text: str, chosen: Sequence[_Target], targets: Sequence[_Target],
              source: str, target: str, rng: random.Random) -> str:
        return _replace(text, [(t.start, t.end, naive_cyrillic(t.text)) for t in chosen])


@dataclass
class DuplicateTranslator(_FakeTranslator):
    name: str = field(default="duplicate", init=False)

    def _harm(self, text: str, chosen: Sequence[_Target], targets: Sequence[_Target],
              source: str, target: str, rng: random.Random) -> str:
        edits = []
        for t in chosen:
            style = rng.randrange(3)
            if style == 2:  # a second copy before the final punctuation
                end = len(text.rstrip(" .!?"))
                edits.append((end, end, f" {t.text}"))
            else:
                edits.append((t.start, t.end, f"{t.text}{', ' if style else ' '}{t.text}"))
        return _replace(text, edits)


@dataclass
class ReorderTranslator(_FakeTranslator):
    name: str = field(default="reorder", init=False)

    def _translate_one(self, text: str, source: str, target: str, k: int) -> str:
        targets = self._targets(text)
        rng = _rng(self.name, target, k, text)
        if len(targets) >= 2:
            a, b = sorted(rng.sample(range(len(targets)), 2))
            ta, tb = targets[a], targets[b]
            return _replace(text, [(ta.start, ta.end, tb.text), (tb.start, tb.end, ta.text)])
        if len(targets) == 1:  # a lone name moves to the other end of the sentence
            t = targets[0]
            rest = _replace(text, [(t.start, t.end, "")]).strip()
            if t.start < len(text) / 2:
                end = len(rest.rstrip(" .!?"))
                return f"{rest[:end]} {t.text}{rest[end:]}"
            return f"{t.text} {rest}"
        return text


@dataclass
class InflectTranslator(_FakeTranslator):
    """A glossary-aware model: writes each source term in its target form, and inflects
    the chosen ones; glues an ending onto placeholders."""

    glossary: Glossary = field(default_factory=Glossary)
    name: str = field(default="inflect", init=False)

    def _translate_one(self, text: str, source: str, target: str, k: int) -> str:
        rng = _rng(self.name, target, k, text)
        script = get_language(target).script
        edits: list[tuple[int, int, str]] = []
        for m in PLACEHOLDER_RE.finditer(text):
            if script in ("Latin", "Cyrillic") and rng.random() < self.rate:
                ending = rng.choice(_TURKIC if script == "Latin" else _RU_CONSONANT)
                edits.append((m.end(), m.end(), ending))
        terms = {t.id: t for t in self.glossary.terms}
        for span in find_terms(text, source, self.glossary):
            form = terms[span.term_id].form(target) or span.surface
            if rng.random() < self.rate:
                form = inflect(form, script, rng)
            edits.append((span.start, span.end, form))
        return _replace(text, edits)


def inflect(form: str, script: str, rng: random.Random) -> str:
    """``form`` with a case ending: Russian endings on every Cyrillic word, a Turkic
    suffix on the last word of a Latin one; other scripts unchanged."""
    if script == "Cyrillic":
        pick = rng.randrange(4)
        words = []
        for word in form.split(" "):
            last = word[-1:].lower()
            if last == "а" and len(word) > 2:
                word = word[:-1] + _RU_A[pick % len(_RU_A)]
            elif last == "я" and len(word) > 2:
                word = word[:-1] + _RU_YA[pick % len(_RU_YA)]
            elif last.isalpha() and last not in "аеёиоуыэюяйь" and word[:1].isupper():
                word = word + _RU_CONSONANT[pick]
            words.append(word)
        return " ".join(words)
    if script == "Latin":
        return form + rng.choice(_TURKIC)
    return form


#: Every fake, by name (for the benchmark and parametrised tests).
FAKES: dict[str, type[_FakeTranslator]] = {
    cls().name: cls
    for cls in (IdentityTranslator, DropTranslator, MangleTranslator,
                TransliterateTranslator, DuplicateTranslator, ReorderTranslator,
                InflectTranslator)
}


_PROTOCOL_CHECK: Translator = IdentityTranslator()  # mypy proves a fake is a Translator


__all__ = ["FAKES", "DropTranslator", "DuplicateTranslator", "IdentityTranslator",
           "InflectTranslator", "MangleTranslator", "ReorderTranslator",
           "TransliterateTranslator", "inflect", "naive_cyrillic", "source_names"]
