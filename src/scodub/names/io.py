"""Read glossary YAML files into ``Glossary`` objects, keeping each term's file and line.

The format is documented in ``glossaries/README.md``. ``check_glossary`` reports every
problem it finds; ``load_glossary`` raises ``GlossaryError`` on the first error (warnings
do not stop it); ``load_glossaries`` merges several files (festival, then film), the
later file winning. The YAML is walked as a node tree (``yaml.compose``) so that every
form keeps the line it was written on, and duplicate keys are caught instead of being
silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scodub.errors import GlossaryError, InputError, LanguageError
from scodub.inputfiles import GLOSSARY_MAX_BYTES, read_input_bytes
from scodub.langs import LANGUAGES, get_language
from scodub.names.glossary import TERM_KINDS, Glossary, Term
from scodub.names.rules import (
    ALIAS,
    ERROR,
    FORM,
    VARIANT,
    WARNING,
    GlossaryIssue,
    ParsedTerm,
    check_terms,
    match_key,
)

__all__ = [
    "FORMAT_VERSION",
    "GlossaryIssue",
    "check_glossary",
    "load_glossaries",
    "load_glossary",
]

FORMAT_VERSION = 1
TOP_KEYS: tuple[str, ...] = ("version", "name", "source_language", "terms")
TERM_KEYS: tuple[str, ...] = ("id", "kind", "forms", "variants", "aliases", "keep", "notes")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_TRUE, _FALSE = ("true", "yes", "on", "y"), ("false", "no", "off", "n")
#: Joiners that shape letters in Arabic and Indic scripts (a Persian name needs its ZWNJ).
_JOINERS = frozenset("\u200c\u200d")
#: Scripts whose letters the joiners shape: Arabic, Syriac, Thaana, ... Devanagari to Sinhala.
_JOINING_SCRIPTS = ((0x0600, 0x08FF), (0x0900, 0x0DFF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class _Parsed:
    file: str
    source_language: str
    name: str
    entries: tuple[ParsedTerm, ...]
    issues: tuple[GlossaryIssue, ...]


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks one file's node tree, collecting terms and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[GlossaryIssue] = []

    def report(self, line: int, label: str, problem: str, severity: str = ERROR) -> None:
        self.issues.append(GlossaryIssue(self.file, line, label, problem, severity))

    def mapping(self, node: Node, label: str, what: str, keys: tuple[str, ...] | None,
                line: int | None = None) -> dict[str, tuple[ScalarNode, Node]]:
        """Key -> (key node, value node); reports duplicate, unknown and non-text keys."""
        if not isinstance(node, MappingNode):
            self.report(line or _line(node), label,
                        f"{what} must be a mapping (key: value lines)")
            return {}
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or not key_node.value:
                self.report(_line(key_node), label, f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in out:
                self.report(_line(key_node), label, f"{what}: duplicate key {key!r} (first at "
                            f"line {_line(out[key][0])}); YAML would keep only the last")
                continue
            if keys is not None and key not in keys:
                self.report(_line(key_node), label,
                            f"{what}: unknown key {key!r}; valid keys: {', '.join(keys)}")
                continue
            out[key] = (key_node, value_node)
        return out

    def text(self, node: Node, label: str, what: str, line: int | None = None) -> str | None:
        """A scalar as written (``2046`` and ``yes`` stay text), cleaned; None if unusable.

        ``line``: where to report problems (the key's line: an empty value's own mark
        points at the next token, often on the next line).
        """
        where = line or _line(node)
        if not isinstance(node, ScalarNode):
            self.report(where, label, f"{what} must be text, not a list or mapping")
            return None
        raw = "" if node.tag == _NULL and not node.style else node.value
        composed = unicodedata.normalize("NFC", raw)
        controls = sorted({c for c in composed
                           if unicodedata.category(c) == "Cc" and not c.isspace()})
        if controls:
            self.report(where, label, f"{what} {raw!r} has control characters "
                        f"({', '.join(f'U+{ord(c):04X}' for c in controls)})")
            return None
        text = _without_invisible(composed)
        if text != composed:
            gone = sorted(set(composed) - set(text)) or sorted(_JOINERS & set(composed))
            self.report(where, label, f"{what} {raw!r} has invisible characters "
                        f"({', '.join(f'U+{ord(c):04X}' for c in gone)}; removed)", WARNING)
        tidy = " ".join(text.split())
        if tidy != text and tidy:
            self.report(where, label, f"{what} {text!r} has extra spaces (trimmed)",
                        WARNING)
        if not tidy:
            self.report(where, label, f"{what} is empty")
            return None
        return tidy

    def language(self, code: str, line: int, label: str, what: str) -> str | None:
        if code in LANGUAGES:
            return code
        try:
            hint = f" (write {get_language(code).code!r})"
        except LanguageError:
            hint = ""
        self.report(line, label, f"{what}: unknown language code {code!r}{hint}; "
                    f"valid codes: {', '.join(LANGUAGES)}")
        return None

    def texts(self, node: Node, label: str, what: str, line: int) -> list[tuple[str, int]]:
        """A list of texts (a single text on the key's ``line`` is a list of one)."""
        if not isinstance(node, SequenceNode):
            value = self.text(node, label, what, line)
            return [] if value is None else [(value, line)]
        out: list[tuple[str, int]] = []
        for item in node.value:
            value = self.text(item, label, what)
            if value is not None:
                out.append((value, _line(item)))
        return out


def _blank(node: Node) -> bool:
    """A value left empty (``notes:``, ``notes: ''``)."""
    return isinstance(node, ScalarNode) and not node.value.strip()


def _without_invisible(text: str) -> str:
    """``text`` without the characters that show nothing in a name (Unicode format
    characters: direction marks, zero-width spaces, soft hyphens, word joiners, the
    combining grapheme joiner), but for a joiner after a letter of a script it shapes."""
    return "".join(
        char for i, char in enumerate(text)
        if (char in _JOINERS and i > 0 and _joining(text[i - 1]))
        or (unicodedata.category(char) != "Cf" and char != "\u034f")
    )


def _joining(char: str) -> bool:
    return any(lo <= ord(char) <= hi for lo, hi in _JOINING_SCRIPTS)


def _term(reader: _Reader, node: Node, number: int, source: str) -> ParsedTerm | None:
    if not isinstance(node, MappingNode):
        reader.report(_line(node), f"#{number}", "a term must be a mapping with id, kind and forms")
        return None
    id_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "id"),
                   None)
    term_id = id_node.value if isinstance(id_node, ScalarNode) and id_node.tag != _NULL else ""
    label = term_id or f"#{number}"
    fields = reader.mapping(node, label, "term", TERM_KEYS)
    if id_node is None or not term_id:
        reader.report(_line(id_node or node), label, "term has no id (a slug such as zhang-yimou)")
    elif not _SLUG.fullmatch(term_id):
        reader.report(_line(id_node), label,
                      "id must be a slug: lower-case ASCII letters and digits joined by '-'")

    kind = ""
    if "kind" not in fields:
        reader.report(_line(node), label, f"term has no kind; valid kinds: {', '.join(TERM_KINDS)}")
    else:
        kind = reader.text(fields["kind"][1], label, "kind", _line(fields["kind"][0])) or ""
        if kind and kind not in TERM_KINDS:
            reader.report(_line(fields["kind"][0]), label,
                          f"unknown kind {kind!r}; valid kinds: {', '.join(TERM_KINDS)}")

    lines: dict[tuple[str, str, int], int] = {}
    forms: dict[str, str] = {}
    if "forms" not in fields:
        reader.report(_line(node), label, "term has no forms (language code: name)")
    else:
        forms_key, forms_node = fields["forms"]
        for code, (key_node, value) in reader.mapping(forms_node, label, "forms", None,
                                                      _line(forms_key)).items():
            lang = reader.language(code, _line(key_node), label, "forms")
            text = reader.text(value, label, f"form ({code})", _line(key_node))
            if lang:
                lines[(FORM, lang, 0)] = _line(key_node)
            if lang and text:
                forms[lang] = text
    # Source language first: a keep term's form() falls back to its first form.
    forms = {code: forms[code] for code in sorted(forms, key=lambda c: (c != source,
                                                                         list(LANGUAGES).index(c)))}

    variants: dict[str, tuple[str, ...]] = {}
    if "variants" in fields:
        variants_key, variants_node = fields["variants"]
        for code, (key_node, value) in reader.mapping(variants_node, label, "variants", None,
                                                      _line(variants_key)).items():
            lang = reader.language(code, _line(key_node), label, "variants")
            found = reader.texts(value, label, f"variant ({code})", _line(key_node))
            if lang and found:
                variants[lang] = tuple(text for text, _ in found)
                lines.update({(VARIANT, lang, i): ln for i, (_, ln) in enumerate(found)})

    aliases: tuple[str, ...] = ()
    if "aliases" in fields:
        found = reader.texts(fields["aliases"][1], label, "alias", _line(fields["aliases"][0]))
        aliases = tuple(text for text, _ in found)
        lines.update({(ALIAS, "", i): ln for i, (_, ln) in enumerate(found)})

    keep = False
    if "keep" in fields:
        value = fields["keep"][1]
        word = value.value.lower() if isinstance(value, ScalarNode) else ""
        if value.tag == _BOOL and word in _TRUE + _FALSE:  # not !!bool maybe
            keep = word in _TRUE
        else:
            reader.report(_line(fields["keep"][0]), label, "keep must be true or false")

    notes = ""
    if "notes" in fields and not _blank(fields["notes"][1]):  # notes are optional
        notes = reader.text(fields["notes"][1], label, "notes", _line(fields["notes"][0])) or ""

    term = Term(id=term_id, kind=kind, forms=forms, variants=variants, aliases=aliases,
                keep=keep, notes=notes, source_file=reader.file, line=_line(node))
    return ParsedTerm(term=term, label=label, lines=lines)


def _yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(line, message) of a YAML error: the line where the parser gave up."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context, problem = getattr(exc, "context", None), getattr(exc, "problem", None)
    mark = problem_mark or context_mark
    if mark is not None:
        line = int(mark.line) + 1
    else:
        position = getattr(exc, "position", None)  # yaml.reader.ReaderError
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
    if context and context_mark is not None and int(context_mark.line) + 1 != line:
        context = f"{context} (line {int(context_mark.line) + 1})"
    message = " ".join(str(p) for p in (context, problem) if p) or str(exc).splitlines()[0]
    return line, f"not valid YAML: {message}"


def _parse(path: Path | str) -> _Parsed:
    file = str(path)
    reader = _Reader(file)

    def done(source: str = "en", name: str = "", entries: tuple[ParsedTerm, ...] = ()
             ) -> _Parsed:
        return _Parsed(file, source, name, entries, tuple(reader.issues))

    try:
        data = read_input_bytes(path, what="a glossary", limit=GLOSSARY_MAX_BYTES)
    except InputError as exc:
        reader.report(0, "", f"cannot read the file: {exc.problem}")
        return done()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reader.report(data.count(b"\n", 0, exc.start) + 1, "",
                      f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return done()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        line, problem = _yaml_error(exc, text)
        reader.report(line, "", problem)
        return done()
    if root is None:
        reader.report(1, "", "empty file; expected version, name, source_language and terms")
        return done()

    top = reader.mapping(root, "", "the top level", TOP_KEYS)
    if "version" not in top:
        reader.report(_line(root), "", f"no version; assuming {FORMAT_VERSION}", WARNING)
    else:
        wrong = _version_problem(top["version"][1])
        if wrong:
            reader.report(_line(top["version"][0]), "", wrong)
    name = (reader.text(top["name"][1], "", "name", _line(top["name"][0])) or "") \
        if "name" in top else ""
    source = "en"
    if "source_language" in top:
        key_node, value = top["source_language"]
        code = reader.text(value, "", "source_language", _line(key_node))
        if code is not None:
            source = reader.language(code, _line(key_node), "", "source_language") or source
    if "terms" not in top:
        reader.report(_line(root), "", "no terms: list (terms:, then one '- id: ...' per term)")
        return done(source, name)
    terms_node = top["terms"][1]
    if not isinstance(terms_node, SequenceNode):
        reader.report(_line(terms_node), "", "terms must be a list ('- id: ...' entries)")
        return done(source, name)
    if not terms_node.value:
        reader.report(_line(terms_node), "", "the terms list is empty", WARNING)
    entries = tuple(e for n, item in enumerate(terms_node.value, 1)
                    if (e := _term(reader, item, n, source)) is not None)
    reader.issues.extend(check_terms(entries, file, source))
    return done(source, name, entries)


def _version_problem(node: Node) -> str | None:
    """What is wrong with the value of ``version:`` (None: it is this format's)."""
    if not isinstance(node, ScalarNode):
        kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
        return f"version must be the number {FORMAT_VERSION}, not {kind}"
    if node.value.strip() == str(FORMAT_VERSION):
        return None  # written 1 or "1"
    if node.tag != _INT:
        return f"version must be the number {FORMAT_VERSION}, not the text {node.value!r}"
    if node.value.strip() != str(FORMAT_VERSION):
        return f"unsupported version {node.value}; this scodub reads version {FORMAT_VERSION}"
    return None


def _sorted(issues: Iterable[GlossaryIssue]) -> list[GlossaryIssue]:
    return sorted(issues, key=lambda i: (i.file, i.line, i.severity != ERROR))


def check_glossary(path: Path | str) -> list[GlossaryIssue]:
    """Every problem in one glossary file, errors and warnings, in line order."""
    return _sorted(_parse(path).issues)


def _load(path: Path | str) -> _Parsed:
    parsed = _parse(path)
    errors = [i for i in _sorted(parsed.issues) if i.is_error]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more errors; run scodub glossary check)" \
            if len(errors) > 1 else ""
        problem = f"{first.term}: {first.problem}" if first.term else first.problem
        raise GlossaryError(path, problem + more, line=first.line or None)
    return parsed


def load_glossary(path: Path | str) -> Glossary:
    """One glossary file; ``GlossaryError`` (file, line, problem) if it has any error."""
    parsed = _load(path)
    return Glossary(terms=tuple(e.term for e in parsed.entries), sources=(parsed.file,))


def load_glossaries(paths: Iterable[Path | str]) -> Glossary:
    """Several files merged in order; the later file wins.

    A later term replaces an earlier one with the same id (keeping its place), and an
    earlier term is dropped when a later one claims one of its source-language forms or
    variants. An earlier alias that a later term claims is removed from the earlier term.

    Linear in the number of terms (issue 7: a pairwise merge took minutes at 10,000
    terms): the terms merged so far are indexed by the match key of every accepted form
    per language and of every alias, so a new term finds the ones it overrides by lookup.
    """
    merged: dict[str, Term] = {}
    by_form: dict[tuple[str, str], set[str]] = {}  # (language, match key) -> term ids
    by_alias: dict[str, set[str]] = {}  # match key of an alias -> term ids
    sources: list[str] = []

    def index(term: Term, add: bool) -> None:
        for lang in LANGUAGES:
            for text in term.accepted(lang):
                _index_update(by_form, (lang, match_key(text)), term.id, add)
        for alias in term.aliases:
            _index_update(by_alias, match_key(alias), term.id, add)

    for path in paths:
        parsed = _load(path)
        sources.append(parsed.file)
        source = parsed.source_language
        for entry in parsed.entries:
            term = entry.term
            forms = {match_key(t) for t in term.accepted(source)}
            claimed = forms | {match_key(a) for a in term.aliases}
            dropped = {i for k in claimed for i in by_form.get((source, k), ())} - {term.id}
            trimmed = {i for k in claimed for i in by_alias.get(k, ())} - dropped - {term.id}
            for old_id in dropped:
                index(merged.pop(old_id), add=False)
            for old_id in trimmed:
                old = merged[old_id]
                index(old, add=False)
                kept = tuple(a for a in old.aliases if match_key(a) not in claimed)
                merged[old_id] = replace(old, aliases=kept)
                index(merged[old_id], add=True)
            if term.id in merged:
                index(merged[term.id], add=False)
            merged[term.id] = term
            index(term, add=True)
    return Glossary(terms=tuple(merged.values()), sources=tuple(sources))


def _index_update(table: dict[_K, set[str]], key: _K, term_id: str, add: bool) -> None:
    if add:
        table.setdefault(key, set()).add(term_id)
    elif key in table:
        table[key].discard(term_id)
