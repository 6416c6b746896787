"""The content rules a glossary must follow, applied to terms already read from YAML.

Scripts, per-language letters, missing languages, duplicate ids and overlapping forms.
The YAML reader (``glossary_io``) handles syntax and shape; this module never sees YAML.
Every finding is a ``GlossaryIssue`` with the file and the line of the offending form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from scodub.langs import LANGUAGES
from scodub.names.glossary import Term
from scodub.names.match import form_words
from scodub.scripts import script_of

ERROR = "error"
WARNING = "warning"
SEVERITIES: tuple[str, ...] = (ERROR, WARNING)

# Role of a text inside a term, the key of ParsedTerm.lines: ("form", "ru", 0).
FORM, VARIANT, ALIAS = "form", "variant", "alias"
#: A name's form is at most this long (the longest festival titles hold about 15 words):
#: a longer one is an error (a paragraph pasted where a name goes), not checked further.
MAX_FORM_WORDS = 40
MAX_FORM_CHARS = 400


@dataclass(frozen=True, slots=True)
class GlossaryIssue:
    """One problem in a glossary file; ``line`` 0 means the whole file."""

    file: str
    line: int
    term: str  # term id (or "#3" for an entry without one); "" for file-level problems
    problem: str
    severity: str = ERROR  # one of SEVERITIES

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.term or '-'}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ParsedTerm:
    """A term as read from a file, with the line of each of its texts."""

    term: Term
    label: str  # the id, or "#<n>" when the entry has none
    lines: Mapping[tuple[str, str, int], int] = field(default_factory=dict)

    def line_of(self, role: str, lang: str, index: int = 0) -> int:
        return self.lines.get((role, lang, index), self.term.line)


def foreign_letters(text: str, script: str) -> dict[str, list[str]]:
    """Letters of ``text`` outside ``script``, grouped by their own script."""
    found: dict[str, list[str]] = {}
    for ch in text:
        own = script_of(ch)
        if own is not None and own != script and ch not in found.setdefault(own, []):
            found[own].append(ch)
    return {k: v for k, v in found.items() if v}


def _describe(chars: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:limit])
    return shown + (", ..." if len(chars) > limit else "")


def match_key(text: str) -> str:
    """How the checker compares two forms: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def tokens(text: str) -> tuple[str, ...]:
    """Word tokens of a form (letters, marks, digits, ZWNJ/ZWJ), case-folded."""
    out: list[str] = []
    word: list[str] = []
    for ch in match_key(text):
        if unicodedata.category(ch)[0] in "LMN" or ch in "\u200c\u200d":
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return tuple(out)


def _pieces(
    words: tuple[str, ...], han: bool, lengths: frozenset[int]
) -> set[tuple[str, ...]]:
    """Every shorter piece of a form that another form could be: runs of whole words, or
    (Han, written without spaces) runs of characters, of the ``lengths`` the language's
    forms have (all runs of a 1,000-word form took minutes: cubic in its length)."""
    if han:
        text = "".join(words)
        return {(text[i:i + k],) for k in lengths if k < len(text)
                for i in range(len(text) - k + 1)}
    n = len(words)
    return {words[i:i + k] for k in lengths if k < n for i in range(n - k + 1)}


# Letters that are right in one Arabic-script language and wrong in another.
_ARABIC_YEH_KAF = {"\u064a": "ی (U+06CC)", "\u0643": "ک (U+06A9)", "\u0649": "ی (U+06CC)"}
_URDU_ONLY = "\u0679\u0688\u0691\u06ba\u06d2\u06c1\u06be"  # ٹ ڈ ڑ ں ے ہ ھ
_ZH_WRONG_DOTS = "\u30fb\u2022\u2027\uff0e\u2219"  # ・ • ‧ ． ∙ instead of · (U+00B7)
_UZ_QUOTES_AFTER_OG = re.compile(r"(?<=[oOgG])['‘’`ʼ]")
_UZ_OTHER_APOSTROPHE = re.compile(r"(?<![oOgG])['‘’`]")


def _letter_problems(lang: str, text: str) -> list[str]:
    """Letters that are valid Unicode in the right script but wrong for ``lang``."""
    problems: list[str] = []
    if lang in ("fa", "ur"):
        for bad, good in _ARABIC_YEH_KAF.items():
            if bad in text:
                problems.append(f"Arabic letter '{bad}' (U+{ord(bad):04X}); {lang} uses {good}")
    if lang == "ur" and "\u0647" in text:
        problems.append("Arabic heh 'ه' (U+0647); Urdu writes ہ (U+06C1) or ھ (U+06BE)")
    if lang == "fa":
        urdu = [c for c in _URDU_ONLY if c in text]
        if urdu:
            problems.append(f"Urdu letters {_describe(urdu)} are not Persian")
    if any("\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufefe" for c in text):
        problems.append("Arabic presentation forms; write the plain letters (NFKC)")
    if lang == "zh":
        dots = [c for c in _ZH_WRONG_DOTS if c in text]
        if dots:
            problems.append(f"{_describe(dots)} between name parts; Chinese uses '·' (U+00B7)")
    if lang == "be":
        russian = [c for c in "иИщЩъЪ" if c in text]
        if russian:
            problems.append(f"Russian letters {_describe(russian)} are not Belarusian "
                            "(і, шч, ')")
    if lang == "tg":
        dropped = [c for c in "цЦщЩыЫьЬ" if c in text]
        if dropped:
            problems.append(f"{_describe(dropped)} left the Tajik alphabet in 1998")
    if lang == "uz":
        if _UZ_QUOTES_AFTER_OG.search(text):
            problems.append("write oʻ and gʻ with 'ʻ' (U+02BB); put other spellings in variants")
        if _UZ_OTHER_APOSTROPHE.search(text):
            problems.append("write the tutuq belgisi as 'ʼ' (U+02BC)")
    return problems


def _texts(entry: ParsedTerm, source: str) -> Iterator[tuple[str, str, str, int, int]]:
    """(role, lang, text, index, line) for every form, variant and alias of a term."""
    term = entry.term
    for lang, text in term.forms.items():
        yield FORM, lang, text, 0, entry.line_of(FORM, lang)
    for lang, texts in term.variants.items():
        for i, text in enumerate(texts):
            yield VARIANT, lang, text, i, entry.line_of(VARIANT, lang, i)
    for i, text in enumerate(term.aliases):
        yield ALIAS, source, text, i, entry.line_of(ALIAS, "", i)


def _term_issues(entry: ParsedTerm, file: str, source: str) -> list[GlossaryIssue]:
    term, issues = entry.term, []

    def report(line: int, problem: str, severity: str = ERROR) -> None:
        issues.append(GlossaryIssue(file, line, entry.label, problem, severity))

    if source not in term.forms:
        if (FORM, source, 0) not in entry.lines:  # else already reported as empty
            report(term.line, f"no form in the source language ({source}); every term needs one")
    elif not term.keep:
        missing = [code for code in LANGUAGES if code not in term.forms]
        if missing:
            report(term.line, f"no form for {', '.join(missing)} (add them, or set keep: true "
                   "to use the source form there)", WARNING)

    for role, lang, text, _, line in _texts(entry, source):
        what = f"{role} {text!r} ({lang})"
        if not form_words(text):
            report(line, f"{what} has no letters or digits: it can never be found in a text")
            continue
        if _too_long(text):
            shown = f"{role} {text[:40]!r}... ({lang})"
            report(line, f"{shown} has {len(text.split())} words, {len(text)} characters: a "
                   f"name has at most {MAX_FORM_WORDS} words and {MAX_FORM_CHARS} characters")
            continue
        lookalike = ""
        for word in text.split():
            scripts = sorted({s for c in word if (s := script_of(c)) and s != "Han"})
            if len(scripts) > 1:
                lookalike = (f"the word {word!r} mixes {' and '.join(scripts)} letters "
                             "(a look-alike letter typed on the wrong keyboard?)")
                break
        foreign = {} if term.keep else foreign_letters(text, LANGUAGES[lang].script)
        for other, chars in foreign.items():
            report(line, f"{what} has {other} letters {_describe(chars)}; "
                   f"{LANGUAGES[lang].name} is written in {LANGUAGES[lang].script}"
                   + (f"; {lookalike}" if lookalike
                      else " (keep: true allows the source spelling)"))
        if lookalike and not foreign:
            report(line, f"{what}: {lookalike}")
        if role == FORM:  # variants may hold the other spellings on purpose
            for problem in _letter_problems(lang, text):
                report(line, f"{what}: {problem}", WARNING)

    for lang, texts in term.variants.items():
        seen = {match_key(term.forms.get(lang, "") or "")}
        for i, text in enumerate(texts):
            if match_key(text) in seen:
                report(entry.line_of(VARIANT, lang, i),
                       f"variant {text!r} ({lang}) repeats a form or variant", WARNING)
            seen.add(match_key(text))
    own = {match_key(t) for t in term.accepted(source)}
    for i, alias in enumerate(term.aliases):
        if match_key(alias) in own:
            report(entry.line_of(ALIAS, "", i),
                   f"alias {alias!r} is already a form or variant", WARNING)
        own.add(match_key(alias))
    return issues


def _effective(entry: ParsedTerm, source: str) -> Iterator[tuple[str, str, int]]:
    """(lang, text, line) of every text that counts as the term in a language."""
    term = entry.term
    for lang in LANGUAGES:
        for text in term.accepted(lang):
            explicit = text == term.forms.get(lang)
            if explicit:
                line = entry.line_of(FORM, lang)
            elif text in term.variants.get(lang, ()):
                line = entry.line_of(VARIANT, lang, term.variants[lang].index(text))
            else:  # a keep term's source form standing in for this language
                line = entry.line_of(FORM, source)
            yield lang, text, line
    for i, alias in enumerate(term.aliases):
        yield source, alias, entry.line_of(ALIAS, "", i)


def _too_long(text: str) -> bool:
    return len(text) > MAX_FORM_CHARS or len(text.split()) > MAX_FORM_WORDS


def _cross_issues(entries: Sequence[ParsedTerm], file: str, source: str) -> list[GlossaryIssue]:
    issues: list[GlossaryIssue] = []
    first_id: dict[str, ParsedTerm] = {}
    for entry in entries:
        if not entry.term.id:
            continue
        earlier = first_id.setdefault(entry.term.id, entry)
        if earlier is not entry:
            issues.append(GlossaryIssue(file, entry.term.line, entry.label,
                                        f"duplicate id (first at line {earlier.term.line})"))

    # Same text in the same language for two terms: matching cannot tell them apart.
    owner: dict[tuple[str, str], tuple[int, str, int]] = {}
    reported: set[tuple[int, int, str]] = set()
    by_lang: dict[str, list[tuple[int, str]]] = {code: [] for code in LANGUAGES}
    for n, entry in enumerate(entries):
        for lang, text, line in _effective(entry, source):
            if _too_long(text):  # an error of its own (_term_issues)
                continue
            key = (lang, match_key(text))
            by_lang[lang].append((n, text))
            prior = owner.setdefault(key, (n, text, line))
            if prior[0] != n and (prior[0], n, key[1]) not in reported:
                reported.add((prior[0], n, key[1]))
                other = entries[prior[0]]
                issues.append(GlossaryIssue(
                    file, line, entry.label,
                    f"{text!r} ({lang}) is also a form of {other.label} (line {prior[2]}); "
                    "matching cannot tell the two terms apart"))

    # One term's form inside another's: fine (matching takes the longest), worth knowing.
    inside: dict[tuple[int, int], list[str]] = {}
    example: dict[tuple[int, int], tuple[str, str]] = {}
    # A keep term's form stands in every language: tokens and pieces once per text.
    token_memo: dict[str, tuple[str, ...]] = {}
    piece_memo: dict[tuple[tuple[str, ...], bool, frozenset[int]], set[tuple[str, ...]]] = {}
    for lang, items in by_lang.items():
        han = LANGUAGES[lang].script == "Han"
        unique = {
            (n, match_key(t)): (n, t, token_memo.get(t) or token_memo.setdefault(t, tokens(t)))
            for n, t in items
        }.values()
        holders: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        lengths = frozenset(len("".join(tok)) if han else len(tok) for _, _, tok in unique) - {0}
        for b, text_b, tok_b in unique:
            pieces = piece_memo.get((tok_b, han, lengths))
            if pieces is None:
                pieces = piece_memo[(tok_b, han, lengths)] = _pieces(tok_b, han, lengths)
            for piece in pieces:
                holders.setdefault(piece, []).append((b, text_b))
        for a, text_a, tok_a in unique:
            piece_a: tuple[str, ...] = ("".join(tok_a),) if han else tok_a
            for b, text_b in holders.get(piece_a, ()):
                if a != b:
                    langs = inside.setdefault((a, b), [])
                    if lang not in langs:
                        langs.append(lang)
                    example.setdefault((a, b), (text_a, text_b))
    for (a, b), langs in inside.items():
        small, big = example[(a, b)]
        issues.append(GlossaryIssue(
            file, entries[b].term.line, entries[b].label,
            f"contains {entries[a].label} ({small!r} in {big!r}; {', '.join(langs)}): "
            "matching takes the longest form", WARNING))
    return issues


def check_terms(entries: Sequence[ParsedTerm], file: str, source: str) -> list[GlossaryIssue]:
    """Every content problem of a file's terms (``source``: the glossary's source language)."""
    issues: list[GlossaryIssue] = []
    for entry in entries:
        issues.extend(_term_issues(entry, file, source))
    issues.extend(_cross_issues(entries, file, source))
    return issues
