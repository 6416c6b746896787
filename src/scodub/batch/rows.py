"""A manifest's rows as read, before they become film entries (``batch.manifest``): the
values of each YAML list item or CSV record, the line of each key, and the problems found
while reading. YAML's merge key (``<<: *anchor``) is honoured; a key with no value is not
given, as an empty CSV cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scodub.errors import ManifestError

#: Every key a row (or the ``defaults`` section, or a CSV column) may set.
KEYS: tuple[str, ...] = (
    "path",
    "id",
    "lang",
    "langs",
    "english_from",
    "glossaries",
    "audio_stream",
    "speakers",
    "model",
    "device",
    "compute_type",
    "beam_size",
    "batch_size",
    "mt_model",
    "mt_device",
    "mt_beam_size",
    "dub",
    "dub_langs",
    "voices",
    "background",
    "backcheck",
    "stems",
    "force",
)
#: The C YAML loader where PyYAML has it (as for glossaries): no Python recursion limit.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Any]
    key_lines: dict[str, int]
    problems: list[tuple[int, str]] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------


def csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ManifestError(
            path, "empty manifest (expected a header row: path,lang,langs,...)"
        ) from None
    columns = [name.strip().lower().replace("-", "_").replace(" ", "_") for name in header]
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if twice:  # the last cell would win without a word
        raise ManifestError(path, f"column(s) {', '.join(twice)} given twice", 1)
    unknown = [c for c in columns if c and c not in KEYS]
    if unknown:
        raise ManifestError(
            path, f"unknown column(s) {', '.join(unknown)}; valid: {', '.join(KEYS)}", 1
        )
    if "path" not in columns:
        raise ManifestError(path, "the header row has no 'path' column", 1)
    rows: list[Row] = []
    last = reader.line_num
    for record in records(path, reader):
        line = last + 1  # a quoted cell may span lines: the record starts after the last one
        last = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        values = {
            c: cell.strip() for c, cell in zip(columns, record, strict=False) if c and cell.strip()
        }
        stray = [
            cell.strip()
            for n, cell in enumerate(record)
            if cell.strip() and (n >= len(columns) or not columns[n])
        ]
        row = Row(line, values, {})
        if stray:  # a comma in an unquoted value shifts the cells after it
            row.problems.append(
                (
                    line,
                    f"{', '.join(map(repr, stray))}: not under a named column; "
                    'quote a value that holds a comma ("ru,zh")',
                )
            )
        rows.append(row)
    return rows


def records(path: Path, reader: Any) -> Iterator[list[str]]:
    """The reader's records; a cell past the csv module's limit (128 KiB) is one line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ManifestError(path, f"not a manifest: {exc}", reader.line_num) from None


def yaml_rows(path: Path, text: str) -> tuple[dict[str, Any], list[Row]]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ManifestError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from exc
    except RecursionError:
        raise ManifestError(path, "not a manifest: its YAML is nested too deeply") from None
    defaults_node: Node | None = None
    films_node: Node | None = None
    if isinstance(root, SequenceNode):
        films_node = root
    elif isinstance(root, MappingNode):
        top: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key, value in root.value:
            if not isinstance(key, ScalarNode):
                continue
            if key.value in top:  # YAML would keep the last: the first list's films lost
                first = key_lines[key.value]
                raise ManifestError(
                    path,
                    f"{key.value!r} given twice (first on line {first}); merge them into one",
                    key.start_mark.line + 1,
                )
            top[key.value], key_lines[key.value] = value, key.start_mark.line + 1
        # x-... keys are the user's own (anchors to merge into films with <<), as in
        # docker compose files.
        extra = sorted(k for k in set(top) - {"defaults", "films"} if not k.startswith("x-"))
        if extra:
            raise ManifestError(
                path,
                f"unknown top-level key(s) {', '.join(extra)}; expected defaults, films "
                "(and x-... keys of your own, for anchors)",
            )
        defaults_node, films_node = top.get("defaults"), top.get("films")
    else:
        raise ManifestError(path, "expected a 'films:' list (and optional 'defaults:')", 1)
    if not isinstance(films_node, SequenceNode):
        line = films_node.start_mark.line + 1 if films_node is not None else 1
        raise ManifestError(path, "'films' must be a list of films", line)
    shared: dict[str, Any] = {}
    if defaults_node is not None:
        shared_row = yaml_mapping(path, defaults_node)
        if "path" in shared_row.values or "id" in shared_row.values:
            raise ManifestError(path, "defaults cannot set path or id", shared_row.line)
        for line, problem in shared_row.problems[:1]:
            raise ManifestError(path, f"defaults: {problem}", line)
        shared = shared_row.values
    return shared, [yaml_mapping(path, node) for node in films_node.value]


def yaml_mapping(
    path: Path,
    node: Node,
    within: frozenset[int] = frozenset(),
    merged: dict[int, Row] | None = None,
) -> Row:
    """One row from its YAML node. ``merged`` holds the rows of the mappings merged so
    far (by node): an anchor merged ten times into one merged ten times into another,
    eight deep, is read once, not 10^8 times."""
    merged = {} if merged is None else merged
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):  # "- films/a.mkv": a film with the defaults
        return Row(line, {"path": node.value}, {})
    if not isinstance(node, MappingNode):  # one row's problem: the others are still checked
        return Row(line, {}, {}, [(line, NOT_A_FILM)])
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    merges: list[Node] = []
    loader = yaml.SafeLoader("")
    for key_node, value_node in node.value:
        where = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":  # <<: *anchor, after the own keys
            merges.append(value_node)
            continue
        if not isinstance(key_node, ScalarNode):
            problems.append((where, "a key is a plain name (lang, langs, ...), not a collection"))
            continue
        key = str(key_node.value)
        if key in key_lines:  # YAML would keep the last value without a word
            problems.append((where, f"{key!r} given twice (first on line {key_lines[key]})"))
            continue
        key_lines[key] = where
        try:
            value = loader.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            # "id: 2024-02-30" (no such date), "!!int x", "{[a]: b}", "!!python/..."
            reason = " ".join(str(getattr(exc, "problem", None) or exc).split())
            problems.append((where, f"{key}: cannot read its value ({reason})"))
            continue
        if value is not None:  # "lang:" with nothing: not given, as an empty CSV cell
            values[key] = value
    for source in merges:
        into = Row(line, values, key_lines, problems)
        merge_into(path, source, into, within | {id(node)}, merged)
    return Row(line, values, key_lines, problems)


def merge_into(
    path: Path, node: Node, into: Row, within: frozenset[int], merged: dict[int, Row]
) -> None:
    """YAML's merge key (``<<: *defaults`` or ``<<: [*a, *b]``): the mapping's keys that
    the row does not set itself; of several, the first one listed wins."""
    where = node.start_mark.line + 1
    sources = node.value if isinstance(node, SequenceNode) else [node]
    for source in sources:
        if not isinstance(source, MappingNode) or id(source) in within:
            into.problems.append(
                (where, "'<<' merges a mapping (<<: *name), not a list, a value or itself")
            )
            continue
        row = merged.get(id(source))
        if row is None:
            row = merged[id(source)] = yaml_mapping(path, source, within, merged)
        into.problems.extend(p for p in dict.fromkeys(row.problems) if p not in into.problems)
        for key, value in row.values.items():
            if key not in into.key_lines:
                into.values[key] = value
        for key in row.key_lines:
            into.key_lines.setdefault(key, where)


NOT_A_FILM = "each film is a path or a mapping (path: ..., langs: ...)"
