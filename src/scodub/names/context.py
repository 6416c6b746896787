"""Does the text around a place allow a glossary name there?

Whisper, primed with a name, hears it in ordinary words that sound like it ("the minks
ran" -> "the Minsk ran", "the fan lint" -> "the Fan Lin"), and the audio cannot tell
them apart: the words around it can. English puts no article before the name of a
person, a place or a company, only before a name built on a common noun ("the China
Film Group", "the Department of Cinematography", "the Yongchuan District"), an
institution's initials ("the SCO") or a name that starts with its own ("The Legend of
Maula Jatt"). A correction that would put a name without an article right after one is
not made; a second pass that swallows a heard article into a name keeps it, unless the
article's sound is the name's first syllable ("a serial cover" for Alesya Rulkova).

Nor does a place, a film or a company follow a title that only a person's name follows
("Mr. Young Nash" is not "Mr. Yongchuan"; ``scodub.text.wordrules.HONORIFICS``).

Nor does a name take the place of the verb that opens a question ("Can film festival
organisers ever rest in summer?" is not about the Cannes Film Festival).

And a stretch the first pass already wrote as a name ("Chen Yang", "Hai-King's": capitals
that no sentence start explains, in a segment otherwise written in lower case) is a name
heard as one: only its spelling is in question (``heard_as_name``).

The word lists are per language (``scodub.text.wordrules.ARTICLES`` and
``ARTICLE_HEADS``, ``QUESTION_OPENERS``); a language without them has no such rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scodub.names.glossary import Term
from scodub.names.match import compact, phonetic_key, tokens
from scodub.names.spans import split_word
from scodub.text.ordinary import is_ordinary
from scodub.text.wordrules import (
    ARTICLE_HEADS,
    ARTICLES,
    HONORIFICS,
    NAMING_VERB_SUBJECTS,
    NAMING_WORDS,
    QUESTION_OPENERS,
    TITLES_CAPITALISED,
)

#: Term kinds whose names take no article unless headed by a common noun; films,
#: festivals and awards are left alone ("the White Ant premiere", "the Golden Camellia").
ARTICLE_FREE_KINDS = frozenset(("person", "place", "organisation"))

_PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def is_article(word: str, lang: str) -> bool:
    """``word`` (punctuation around it ignored) is an article of ``lang``."""
    folded = [t.text for t in tokens(word)]
    return len(folded) == 1 and folded[0] in ARTICLES.get(lang, frozenset())


def _heads(form: str) -> set[str]:
    """The words of ``form`` lower case, a joined word by its last part ("FilmMart":
    mart), each also without a plural ``s``."""
    out: set[str] = set()
    for word in form.split():
        pieces = _PIECE.findall(word) or [word]
        last = pieces[-1].lower()
        out |= {last, last[:-1]} if last.endswith("s") else {last}
    return out


def takes_article(term: Term, form: str, lang: str) -> bool:
    """May ``form`` of ``term`` follow an article? Always, in a language without them."""
    if lang not in ARTICLES or term.kind not in ARTICLE_FREE_KINDS:
        return True
    words = [t.text for t in tokens(form)]
    if not words or words[0] in ARTICLES[lang]:
        return True
    if len(form.split()) == 1 and form.isupper():
        return True  # an institution's initials take one: "the SCO", "the UN"
    return bool(_heads(form) & ARTICLE_HEADS.get(lang, frozenset()))


def article_conflict(previous: str | None, term: Term, form: str, lang: str) -> bool:
    """``form`` would stand right after a word (``previous``) it cannot follow: an
    article it cannot take, or a title that only a person's name follows ("Mr. Young
    Nash" is not "Mr. Yongchuan")."""
    if previous is None:
        return False
    if is_article(previous, lang):
        return not takes_article(term, form, lang)
    return term.kind != "person" and is_honorific(previous, lang)


def is_honorific(word: str, lang: str) -> bool:
    """``word`` (punctuation around it ignored) is a title before a person's name in
    ``lang`` ("Mr.", "Dr", "господин"); capitalised where the language capitalises
    titles ("miss" in "I miss Chongqing" is a verb)."""
    folded = "".join(t.text for t in tokens(word))
    if not folded or folded not in HONORIFICS.get(lang, frozenset()):
        return False
    return lang not in TITLES_CAPITALISED or split_word(word)[1][:1].isupper()


_ENDS = (".", "!", "?", "…")


def sentence_end(word: str) -> str:
    """The sentence end a word carries ("", or one of ``_ENDS``), quotes ignored."""
    bare = word.rstrip("\"')»”’")
    return next((e for e in _ENDS if bare.endswith(e)), "")


def opens_question(words: Sequence[str], first: int, form: str, lang: str) -> bool:
    """``words[first]`` is the verb that opens a yes/no question ("Can film festival
    organisers ever rest in summer?") and ``form`` does not start with it: a name there
    would take the question's verb. A sentence whose end is not in ``words`` (Whisper
    left a run without punctuation) may be one."""
    openers = QUESTION_OPENERS.get(lang, frozenset())
    if first >= len(words) or (first and not sentence_end(words[first - 1])):
        return False
    head = [t.text for t in tokens(words[first])]
    if len(head) != 1 or head[0] not in openers:
        return False
    if [t.text for t in tokens(form)][:1] == head:
        return False
    ends = [sentence_end(w) for w in words[first:]]
    return next((e for e in ends if e), "") in ("?", "")


def _capitalised(core: str) -> bool:
    return core[:1].isupper()


def heard_as_name(words: Sequence[str], first: int, last: int) -> bool:
    """Whisper wrote ``words[first..last]`` as a proper name: every word capitalised, not
    only because a sentence starts there (a second capitalised word, or a capital inside
    a word: "Bridget Young", "Hai-King's"), in a segment whose other words are mostly
    lower case (Whisper sometimes writes a whole run in title case: then case says
    nothing). A script without letter case has no such names."""
    cores = [split_word(w)[1] for w in words[first : last + 1]]
    if not cores or not all(_capitalised(c) for c in cores):
        return False
    starts = first == 0 or bool(sentence_end(words[first - 1]))
    if len(cores) == 1 and starts and not any(ch.isupper() for ch in cores[0][1:]):
        return False
    return _mostly_lower(words, first, last)


def _mostly_lower(words: Sequence[str], first: int, last: int) -> bool:
    """The segment's words outside ``first..last`` that no sentence start capitalises are
    mostly lower case (in a run written in title case, case says nothing)."""
    inner = [split_word(w)[1] for i, w in enumerate(words)
             if not first <= i <= last and i and not sentence_end(words[i - 1])]
    inner = [c for c in inner if c[:1].isalpha()]
    return sum(map(_capitalised, inner)) * 2 <= len(inner)


def partly_heard_as_name(words: Sequence[str], first: int, last: int) -> bool:
    """Whisper wrote a word of ``words[first..last]`` as (part of) a name: a capital no
    sentence start explains ("FX" of "base FX"), in a segment whose other words are
    mostly lower case."""
    cased = any(_capitalised(core) and ((i and not sentence_end(words[i - 1]))
                                        or any(ch.isupper() for ch in core[1:]))
                for i in range(first, last + 1) if (core := split_word(words[i])[1]))
    return cased and _mostly_lower(words, first, last)


def _acronym(core: str) -> bool:
    letters = [ch for ch in core if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def names_follow(words: Sequence[str], first: int, lang: str) -> bool:
    """``words[first]`` follows a word after which a name is given ("called", "titled";
    ``scodub.text.wordrules.NAMING_WORDS``), in the same sentence, and not as a verb of
    its own after its subject ("he called home": ``NAMING_VERB_SUBJECTS``)."""
    if not first or sentence_end(words[first - 1]):
        return False
    folded = "".join(t.text for t in tokens(words[first - 1]))
    if folded not in NAMING_WORDS.get(lang, frozenset()):
        return False
    subject = "".join(t.text for t in tokens(words[first - 2])) if first > 1 else ""
    return subject not in NAMING_VERB_SUBJECTS.get(lang, frozenset())


def case_basis(words: Sequence[str], first: int, last: int, written: Sequence[str],
               lang: str) -> str:
    """Why ``words[first..last]``, written again as ``written`` (the same words in another
    letter case, punctuation aside), are a name in the name's case ("" if nothing says
    so): every word whose case changes is no ordinary word of ``lang`` ("Pemra", "пемра":
    ``scodub.text.ordinary``), or Whisper wrote an acronym among them ("FX" of "base FX"),
    or they follow a word after which a name is given (``names_follow``: "called
    resurrection"). Only in a segment written mostly in lower case: in a run in capitals
    or title case, case says nothing. Ordinary words with nothing of these ("fine china
    daily", "a white ant", "a golden camellia") are not a name's."""
    if not _mostly_lower(words, first, last):
        return ""
    cores = [split_word(w)[1] for w in words[first : last + 1]]
    changed = [core for core, new in zip(cores, written, strict=False) if core != new]
    if changed and all(is_ordinary(core, lang) is False for core in changed):
        return f"{changed[0]!r} is no ordinary word"
    if any(_acronym(core) for core in cores):
        return "an acronym heard"
    return f"after {split_word(words[first - 1])[1]!r}" if names_follow(words, first, lang) else ""


def sounds_like_edge(article: str, form: str, *, last: bool = False) -> bool:
    """The article could be heard for the first (``last``: the last) syllable of
    ``form``: its consonant skeleton starts (ends) the name's ("the" for Dai Mo), or it is
    a bare vowel and the name starts (ends) with one ("a" for Alesya)."""
    key = phonetic_key(article)
    if not key:
        return compact(form)[-1 if last else 0 :][:1] in "aeiou"
    name = phonetic_key(form)
    return name.endswith(key) if last else name.startswith(key)


__all__ = ["ARTICLE_FREE_KINDS", "article_conflict", "case_basis", "heard_as_name",
           "is_article", "is_honorific", "names_follow", "opens_question",
           "partly_heard_as_name", "sentence_end", "sounds_like_edge", "takes_article"]
