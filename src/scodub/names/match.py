"""Finding glossary names in text: word tokens, script-blind keys and the similarity score.

Shared by ASR correction (``scodub.names.correct``) and translation enforcement
(``scodub.names.enforce``); neither owns the other's logic, both need the same notion of
"this span is that name".

- ``tokens``: word spans with offsets. Han characters are one token each (Chinese has no
  spaces), a change between Han and another script breaks a token, the Persian ZWNJ
  separates, an apostrophe between letters stays inside a word (Uzbek ``Oʻzbek``).
- ``find_forms``: every occurrence of a glossary form; for languages that inflect names
  (``scodub.langs.INFLECTING``) each word of the form may carry a case ending.
- ``latin_key`` / ``phonetic_key`` / ``similarity``: a name written in any of the project's
  scripts, misheard or misspelt, compared on a Latin transliteration and on a consonant
  skeleton that merges the sounds ASR and naive transliteration confuse (zh/j/ch/q, s/z/sh/x,
  k/g, t/d, p/b, f/v/w) and ignores vowels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz

from scodub.langs import CASE_ENDING_MAX, INFLECTING
from scodub.scripts import is_character_word

#: Longest case ending accepted on a glossary word, per inflecting language. Russian and
#: Belarusian endings are 1-3 letters (-а, -ом, -ами); Turkic languages stack suffixes on
#: the last word (Uzbek -ning, Kazakh -ның, -дағы), so they get one letter more.

# Letters a Slavic stem may lose before taking an ending: Самина -> Самины, Золотая -> Золотой.
_STEM_FINALS = frozenset("аяоеёыиуюйьъэіўaeiouy")
_APOSTROPHES = "'’ʼ"
_ZERO_WIDTH = "\u200c\u200d"
# One-char folds that keep offsets aligned: Arabic vs Persian yeh/kaf, dotted ё, name dots,
# the typographic apostrophe (O’Brien in subtitles, O'Brien typed in a glossary).
_FOLD_CHARS = {"ي": "ی", "ى": "ی", "ك": "ک", "ё": "е", "・": "·", "•": "·", "‧": "·", "’": "'"}


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str  # folded (lower case, compatibility forms unified)


@dataclass(frozen=True, slots=True)
class FormMatch:
    start: int
    end: int
    form: str  # the glossary form that matched
    exact: bool  # True when no case ending was needed


@cache
def fold_char(ch: str) -> str:
    """Lower-case, compatibility-normalised single character (never changes length)."""
    if ch in _FOLD_CHARS:
        return _FOLD_CHARS[ch] or ch
    norm = unicodedata.normalize("NFKC", ch).lower()
    return norm if len(norm) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)


def fold(text: str) -> str:
    """``text`` folded character by character: same length, so offsets stay valid."""
    return "".join(fold_char(c) for c in text)


def is_word_char(ch: str) -> bool:
    """Letters, combining marks (Devanagari vowel signs) and digits."""
    return unicodedata.category(ch)[0] in "LMN"


def tokens(text: str) -> list[Token]:
    """Word tokens of ``text`` with their offsets, folded."""
    out: list[Token] = []
    folded = fold(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if not is_word_char(ch) or ch in _ZERO_WIDTH:
            i += 1
            continue
        if is_character_word(ch):
            out.append(Token(i, i + 1, folded[i]))
            i += 1
            continue
        j = i + 1
        while j < n:
            c = text[j]
            inner_apostrophe = (c in _APOSTROPHES and j + 1 < n and is_word_char(text[j + 1])
                                and not is_character_word(text[j + 1]))
            own_word = is_word_char(c) and not is_character_word(c) and c not in _ZERO_WIDTH
            if inner_apostrophe or own_word:
                j += 1
            else:
                break
        out.append(Token(i, j, folded[i:j]))
        i = j
    return out


@lru_cache(maxsize=8192)
def form_words(form: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokens(form))


@lru_cache(maxsize=8192)
def form_edges(form: str) -> tuple[str, str]:
    """What ``form`` has before its first word and after its last, folded (``Canal+``:
    "" and "+"; ``кинофестиваль «Лістапад»``: "" and "»"): signs that are the name's, so
    a match takes them in where the text has them (a placeholder left them outside, and
    the restored form brought its own: ``Canal++``)."""
    toks = tokens(form)
    if not toks:
        return "", ""
    return fold(form[: toks[0].start].lstrip()), fold(form[toks[-1].end :].rstrip())


def index_tokens(toks: Sequence[Token]) -> dict[str, list[int]]:
    """Token positions by their first three letters: a token can only stand for a glossary
    word with the same first three (shorter words match exactly; stems keep three)."""
    index: dict[str, list[int]] = {}
    for i, tok in enumerate(toks):
        before_apostrophe = re.split(f"[{_APOSTROPHES}]", tok.text, maxsplit=1)[0]
        for key in {tok.text[:3], before_apostrophe[:3]}:  # "ma's" is found under "ma"
            index.setdefault(key, []).append(i)
    return index


def word_matches(token: str, word: str, lang: str) -> tuple[bool, bool]:
    """(matches, exact): does a text token stand for a glossary word in ``lang``?

    Exact, or the word plus an apostrophe suffix (English possessive ``Yimou's``), or, in an
    inflecting language, the word (or its stem without a final vowel) plus a case ending of
    at most ``CASE_ENDING_MAX[lang]`` letters. Words shorter than three letters never inflect
    here, so ``Ма`` does not match ``Мама``.
    """
    if token == word:
        return True, True
    for apos in _APOSTROPHES:
        if token.startswith(word + apos) and len(token) - len(word) - 1 <= 3:
            return True, False
    max_end = CASE_ENDING_MAX.get(lang) if lang in INFLECTING else None
    if max_end is None or len(word) < 3 or not word[-1].isalpha():
        return False, False
    if token.startswith(word) and len(token) - len(word) <= max_end:
        return token[len(word):].replace("ʻ", "").isalpha(), False
    stem = word
    for _ in range(2):
        if stem[-1] not in _STEM_FINALS or len(stem) <= 3:
            break
        stem = stem[:-1]
        rest = token[len(stem):]
        if token.startswith(stem) and 0 < len(rest) <= max_end and rest.isalpha():
            return True, False
    return False, False


def find_forms(text: str, forms: Iterable[str], lang: str,
               toks: Sequence[Token] | None = None,
               index: dict[str, list[int]] | None = None) -> list[FormMatch]:
    """Every occurrence of any of ``forms`` in ``text`` (overlaps allowed, caller resolves).

    ``toks`` and ``index`` (``tokens(text)``, ``index_tokens(toks)``) may be passed in when
    many terms are looked up in one text.
    """
    toks = tokens(text) if toks is None else toks
    index = index_tokens(toks) if index is None else index
    found: list[FormMatch] = []
    for form in forms:
        words = form_words(form)
        if not words:
            continue
        n = len(words)
        for i in index.get(words[0][:3], ()):
            if i + n > len(toks):
                continue
            exact = True
            for k in range(n):
                ok, ex = word_matches(toks[i + k].text, words[k], lang)
                if not ok:
                    break
                exact = exact and ex
            else:
                start, end = toks[i].start, toks[i + n - 1].end
                lead, tail = form_edges(form)
                if tail and fold(text[end : end + len(tail)]) == tail:
                    end += len(tail)
                if lead and start >= len(lead) and fold(text[start - len(lead) : start]) == lead:
                    start -= len(lead)
                found.append(FormMatch(start, end, form, exact))
    return found


# --- transliteration keys ---------------------------------------------------------------

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ў": "u", "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o",
    "ұ": "u", "ү": "u", "һ": "h", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҷ": "j", "є": "ye",
    "ї": "yi", "ґ": "g",
}
_ARABIC = {
    "ا": "a", "آ": "a", "أ": "a", "إ": "i", "ب": "b", "پ": "p", "ت": "t", "ٹ": "t",
    "ث": "s", "ج": "j", "چ": "ch", "ح": "h", "خ": "kh", "د": "d", "ڈ": "d", "ذ": "z",
    "ر": "r", "ڑ": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s", "ض": "z",
    "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ک": "k", "گ": "g",
    "ل": "l", "م": "m", "ن": "n", "ں": "n", "و": "u", "ه": "h", "ہ": "h", "ھ": "h",
    "ۃ": "h", "ة": "h", "ی": "i", "ے": "e", "ۓ": "e", "ئ": "", "ء": "", "ؤ": "u",
}
_DEVANAGARI = {
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j",
    "झ": "jh", "ञ": "n", "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t",
    "थ": "th", "द": "d", "ध": "dh", "न": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh",
    "म": "m", "य": "y", "र": "r", "ल": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s",
    "ह": "h", "अ": "a", "आ": "a", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ए": "e",
    "ऐ": "ai", "ओ": "o", "औ": "au", "ऋ": "ri", "ा": "a", "ि": "i", "ी": "i", "ु": "u",
    "ू": "u", "े": "e", "ै": "ai", "ो": "o", "ौ": "au", "ॉ": "o", "ं": "n", "ँ": "n",
    "ः": "h", "्": "", "ॅ": "e",
}
# A Devanagari nukta turns the consonant before it into a Perso-Arabic sound.
_NUKTA = {"j": "z", "ph": "f", "k": "q", "kh": "kh", "g": "g", "d": "r", "dh": "rh"}


_HAN_RUN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+(?:\s+[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)*")


@cache
def _pinyin() -> Callable[[str], list[str]] | None:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - a core dependency; keep Han as it is without it
        return None
    return lazy_pinyin


def _han_to_pinyin(text: str) -> str:
    """Runs of Han characters as toneless pinyin syllables (``张艺谋`` -> ``zhang yi mou``),
    each run read as a whole so that polyphones take their reading in context (``重庆``
    is ``chong qing``); the spaces a span puts between characters are ignored."""
    convert = _pinyin()
    if convert is None:
        return text
    return _HAN_RUN.sub(
        lambda m: " " + " ".join(convert("".join(m.group(0).split()))) + " ", text)


@lru_cache(maxsize=4096)
def latin_key(text: str) -> str:
    """Lower-case ASCII transliteration of a name: Cyrillic, Arabic-script and Devanagari
    letters by table, Han characters as pinyin (``pypinyin``), unknown letters kept."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", _han_to_pinyin(text)):
        low = fold_char(ch)
        if low in _CYRILLIC:
            out.append(_CYRILLIC[low])
        elif low in _ARABIC:
            out.append(_ARABIC[low])
        elif low in _DEVANAGARI:
            out.append(_DEVANAGARI[low])
        elif low == "\u093c" and out:  # nukta
            out[-1] = _NUKTA.get(out[-1], out[-1])
        elif is_word_char(low):
            base = unicodedata.normalize("NFKD", low)
            ascii_part = "".join(c for c in base if c.isascii() and c.isalnum())
            out.append(ascii_part if ascii_part else low)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


# Sounds Chinese speakers and Mandarin ASR confuse: flat and retroflex sibilants, n/l,
# f/h, r/l, and the front and back nasal finals.
_NEAR_INITIALS = frozenset({("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("f", "h"),
                            ("r", "l")})
_NEAR_FINALS = frozenset({("ang", "an"), ("eng", "en"), ("ing", "in")})
_INITIAL = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(.*)$")


def han_syllables(text: str) -> list[tuple[str, str]] | None:
    """(character, toneless pinyin) of each Han character of ``text`` (spaces and
    punctuation ignored; polyphones read in context), or None if ``text`` holds letters
    or digits of another script, or pinyin is not to be had."""
    chars = [ch for ch in text if is_word_char(ch)]
    convert = _pinyin()
    if not chars or convert is None or not all(_HAN_RUN.fullmatch(ch) for ch in chars):
        return None
    readings = convert("".join(chars))
    if len(readings) != len(chars):
        return None
    return list(zip(chars, readings, strict=True))


def _near_syllables(a: str, b: str) -> bool:
    """The same syllable, or one whose initial or final alone is a sound confused with it."""
    if a == b:
        return True
    ma, mb = _INITIAL.match(a), _INITIAL.match(b)
    if ma is None or mb is None:  # pragma: no cover - the pattern matches any string
        return False
    (ia, fa), (ib, fb) = (ma.group(1) or "", ma.group(2)), (mb.group(1) or "", mb.group(2))
    if fa == fb:
        return (ia, ib) in _NEAR_INITIALS or (ib, ia) in _NEAR_INITIALS
    return ia == ib and ((fa, fb) in _NEAR_FINALS or (fb, fa) in _NEAR_FINALS)


def han_misheard(heard: str, name: str) -> bool | None:
    """Could Whisper have written ``heard`` for the Chinese ``name``? One character is one
    syllable: the same number of them, each the same or a near sound (``_near_syllables``:
    homophones, tones aside, are the same) and at least one character the same; or, in a
    name of four or more, one inner character dropped, the others kept in order with at
    least half of them the same. None where either is not all Han characters."""
    a, b = han_syllables(heard), han_syllables(name)
    if a is None or b is None:
        return None
    if len(a) == len(b):
        return (all(_near_syllables(x[1], y[1]) for x, y in zip(a, b, strict=True))
                and any(x[0] == y[0] for x, y in zip(a, b, strict=True)))
    if len(b) < 4 or len(a) != len(b) - 1:
        return False
    for drop in range(1, len(b) - 1):  # the first or last missing is a part of the name
        kept = b[:drop] + b[drop + 1 :]
        if all(_near_syllables(x[1], y[1]) for x, y in zip(a, kept, strict=True)) and (
                2 * sum(x[0] == y[0] for x, y in zip(a, kept, strict=True)) >= len(a)):
            return True
    return False


# Digraphs first (longest first), then single letters; vowels and h are dropped afterwards.
_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "s"), ("chzh", "j"), ("dzh", "j"), ("tch", "j"), ("sch", "s"), ("zh", "j"),
    ("dj", "j"), ("jh", "j"), ("ch", "j"), ("qu", "k"), ("ts", "s"), ("tz", "s"),
    ("sh", "s"), ("kh", "h"), ("gh", "k"), ("ph", "f"), ("th", "t"), ("dh", "t"),
    ("bh", "p"), ("ck", "k"), ("ng", "n"), ("x", "s"), ("q", "j"), ("c", "k"), ("z", "s"),
    ("d", "t"), ("b", "p"), ("g", "k"), ("v", "f"), ("w", "f"),
)
_PHONETIC_RE = re.compile("|".join(re.escape(a) for a, _ in _PHONETIC_RULES))
_PHONETIC_MAP = dict(_PHONETIC_RULES)


@lru_cache(maxsize=4096)
def phonetic_key(text: str) -> str:
    """Consonant skeleton of a name: ``Jia Zhangke`` and ``jah jang kuh`` both give ``jnk``."""
    words = []
    for word in latin_key(text).split():
        if not word.isascii():
            words.append(word)
            continue
        mapped = _PHONETIC_RE.sub(lambda m: _PHONETIC_MAP[m.group(0)], word)
        words.append("".join(c for c in mapped if c not in "aeiouyh"))
    joined = "".join(words)
    collapsed = [c for i, c in enumerate(joined) if i == 0 or c != joined[i - 1]]
    return "".join(collapsed)


#: A sound skeleton of one or two consonants (``jn`` for Hai Qing, China, chain) says
#: nothing; below this length only the character ratio counts.
MIN_SOUND_KEY = 3
#: See ``similarity``: letters alone score their ratio less this.
LETTERS_ONLY_PENALTY = 5.0


def compact(text: str) -> str:
    """Latin key without spaces: what the character-level ratio compares."""
    return latin_key(text).replace(" ", "")


def similarity(a: str, b: str) -> float:
    """0-100: how likely ``a`` is a misspelling, mishearing or transliteration of ``b``.

    The mean of a character ratio on the Latin keys and a ratio on the phonetic keys: the
    first alone accepts ``young man`` for ``Yongchuan``, the second alone accepts any two
    words with the same consonants; together they need both the letters and the sounds.
    A skeleton shorter than ``MIN_SOUND_KEY`` is replaced by the character ratio. Letters
    alone also count, less ``LETTERS_ONLY_PENALTY``: two swapped letters can break a
    digraph (``Zahng`` has no ``zh``) and so the skeleton, not the spelling.
    """
    ka, kb = compact(a), compact(b)
    if not ka or not kb:
        return 0.0
    char = fuzz.ratio(ka, kb)
    pa, pb = phonetic_key(a), phonetic_key(b)
    sound = fuzz.ratio(pa, pb) if min(len(pa), len(pb)) >= MIN_SOUND_KEY else char
    return max((char + sound) / 2.0, char - LETTERS_ONLY_PENALTY)


#: A variant counts as a respelling of the canonical form from this similarity: Chungking /
#: Chongqing 76; with other word counts only a hyphen or space apart (Jia Zhang-ke 100;
#: Farzin for Samina Farzin, 70, is a shorter name, not a respelling).
RESPELLING_SAME_WORDS = 60.0
RESPELLING_OTHER_WORDS = 90.0


def is_respelling(variant: str, canonical: str) -> bool:
    """Chungking / Chongqing, Organisation / Organization, Jia Zhang-ke / Jia Zhangke: the
    same name spelt otherwise, which scodub writes in the canonical spelling (a short or
    other name, such as Listapad for the festival's full name, is written as it is)."""
    same_count = len(tokens(variant)) == len(tokens(canonical))
    need = RESPELLING_SAME_WORDS if same_count else RESPELLING_OTHER_WORDS
    return similarity(variant, canonical) >= need
