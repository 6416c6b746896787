"""Read a batch manifest (YAML, or CSV from a spreadsheet) or a folder of films into one
``FilmEntry`` per film: its path, its film id (``DIR/<film-id>/``), the line it was
written on, and its ``RunSettings`` (the row's values over the manifest's defaults over
the command-line options).

Problems are collected, never raised one at a time: a row that cannot be read carries its
problems (with the line of the offending key) so that ``validate`` reports every problem
of every row at once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scodub.asr.speakers import SpeakerSettings
from scodub.batch.state import STATE_FILE
from scodub.dub.casting import parse_speaker_voices
from scodub.dub.voices import parse_voice_options
from scodub.errors import InputError, ScodubError
from scodub.langs import parse_language_list, require_asr
from scodub.stages.cache import CACHE_DIRNAME
from scodub.stages.dub import STEM_FORMATS, DubSettings
from scodub.stages.plan import RunSettings

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
#: File suffixes ``scodub batch FOLDER`` picks up (each is still probed by ``validate``).
_VIDEO = ".mkv .mp4 .m4v .mov .avi .webm .mxf .ts .mts .m2ts .mpg .mpeg .wmv .flv .ogv"
_AUDIO = ".wav .flac .mp3 .m4a .aac .ogg .opus"
MEDIA_SUFFIXES = frozenset(f"{_VIDEO} {_AUDIO}".split())
_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
#: Names the batch folder holds itself (the state file, the review page's ``review/``):
#: no film's folder may take one. Ids are compared with case ignored.
_RESERVED_IDS = frozenset({STATE_FILE, "review"})


@dataclass(frozen=True, slots=True)
class FilmEntry:
    """One film of a batch, as read (not yet validated against the disk and the models)."""

    source: Path  # the manifest (or the folder) it came from
    line: int  # 1-based line of its row (YAML list item, CSV record); 0 for a folder scan
    path: Path
    film_id: str
    settings: RunSettings
    problems: tuple[tuple[int, str], ...] = ()  # (line, problem) found while reading
    named: bool = False  # the row gave its id (else it is the file name's)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True, slots=True)
class Defaults:
    """The command line's settings, over which a manifest's defaults and rows apply."""

    settings: RunSettings = field(default_factory=RunSettings)
    dub: DubSettings = field(default_factory=DubSettings)  # used when a row turns dub on


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, Any]
    key_lines: dict[str, int]
    problems: list[tuple[int, str]] = field(default_factory=list)


def read_manifest(path: Path, defaults: Defaults) -> list[FilmEntry]:
    """A YAML (``.yaml``/``.yml``) or CSV (``.csv``) manifest to film entries."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read manifest ({exc})") from exc
    if path.suffix.lower() == ".csv":
        shared: dict[str, Any] = {}
        rows = _csv_rows(path, text)
    elif path.suffix.lower() in (".yaml", ".yml"):
        shared, rows = _yaml_rows(path, text)
    else:
        raise InputError(path, "manifest must be .yaml, .yml or .csv")
    if not rows:  # a header alone, or "films: []": a batch of nothing is a mistake
        raise InputError(path, "no films listed")
    base = path.parent
    entries = [_entry(path, base, row, shared, defaults) for row in rows]
    return assign_ids(entries)


def scan_folder(
    folder: Path, defaults: Defaults, *, exclude: Path | None = None
) -> list[FilmEntry]:
    """Every media file under ``folder`` (by suffix; hidden folders and ``exclude`` skipped),
    each with the command line's settings."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "is not a folder")
    skip = exclude.resolve() if exclude is not None else None
    # --out at or above the films: only what scodub wrote there is skipped, the folders
    # that hold a .scodub cache (each film's output folder), not every film.
    around = skip is not None and (skip == folder.resolve() or skip in folder.resolve().parents)
    found = []
    for file in sorted(folder.rglob("*")):
        rel = file.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not file.is_file():
            continue
        if around and any((folder / p / CACHE_DIRNAME).is_dir() for p in rel.parents[:-1]):
            continue
        if skip is not None and not around and skip in file.resolve().parents:
            continue
        if file.suffix.lower() in MEDIA_SUFFIXES:
            row = _Row(0, {"path": str(rel)}, {})  # relative to the folder, as in a manifest
            found.append(_entry(folder, folder, row, {}, defaults))
    if not found:
        raise InputError(folder, "no media files found (looked for " + _suffix_list() + ")")
    return assign_ids(found)


def _suffix_list() -> str:
    return " ".join(sorted(MEDIA_SUFFIXES))


def film_id_for(path: Path) -> str:
    """A folder-safe id from the file name."""
    stem = _ID_CHARS.sub("_", Path(path).stem).strip("._") or "film"
    stem = stem[:80]
    return f"{stem}-film" if stem.lower() in _RESERVED_IDS else stem


def path_tag(path: Path) -> str:
    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:8]


def assign_ids(entries: list[FilmEntry]) -> list[FilmEntry]:
    """Give every film a unique id: its file name, or, where two names clash (case
    ignored: macOS and Windows file systems would merge them), the name plus a hash of
    its full path. An explicit ``id`` is kept. The same file listed twice needs an ``id``
    on one of the rows (two settings of one film: two output folders)."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.film_id.lower()] = counts.get(entry.film_id.lower(), 0) + 1
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        film_id = entry.film_id
        problems = list(entry.problems)
        if counts[film_id.lower()] > 1 and not entry.named:
            film_id = f"{film_id}-{path_tag(entry.path)}"
        if film_id.lower() in seen:
            problems.append(
                (
                    entry.line,
                    f"film id {film_id!r} is already used at line {seen[film_id.lower()]} "
                    "(the same film twice: give one row its own 'id')",
                )
            )
        else:
            seen[film_id.lower()] = entry.line
        out.append(replace(entry, film_id=film_id, problems=tuple(problems)))
    return out


# -- reading ----------------------------------------------------------------------------


def _csv_rows(path: Path, text: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            path, "empty manifest (expected a header row: path,lang,langs,...)"
        ) from None
    columns = [name.strip().lower().replace("-", "_").replace(" ", "_") for name in header]
    unknown = [c for c in columns if c and c not in KEYS]
    if unknown:
        raise InputError(
            path, f"unknown column(s) {', '.join(unknown)}; valid: {', '.join(KEYS)}", 1
        )
    if "path" not in columns:
        raise InputError(path, "the header row has no 'path' column", 1)
    rows: list[_Row] = []
    last = reader.line_num
    for record in _records(path, reader):
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
        row = _Row(line, values, {})
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


def _records(path: Path, reader: Any) -> Iterator[list[str]]:
    """The reader's records; a cell past the csv module's limit (128 KiB) is one line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(path, f"not a manifest: {exc}", reader.line_num) from None


def _yaml_rows(path: Path, text: str) -> tuple[dict[str, Any], list[_Row]]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from exc
    except RecursionError:
        raise InputError(path, "not a manifest: its YAML is nested too deeply") from None
    defaults_node: Node | None = None
    films_node: Node | None = None
    if isinstance(root, SequenceNode):
        films_node = root
    elif isinstance(root, MappingNode):
        top = {k.value: v for k, v in root.value if isinstance(k, ScalarNode)}
        extra = sorted(set(top) - {"defaults", "films"})
        if extra:
            raise InputError(
                path, f"unknown top-level key(s) {', '.join(extra)}; expected defaults, films"
            )
        defaults_node, films_node = top.get("defaults"), top.get("films")
    else:
        raise InputError(path, "expected a 'films:' list (and optional 'defaults:')", 1)
    if not isinstance(films_node, SequenceNode):
        line = films_node.start_mark.line + 1 if films_node is not None else 1
        raise InputError(path, "'films' must be a list of films", line)
    shared: dict[str, Any] = {}
    if defaults_node is not None:
        shared_row = _yaml_mapping(path, defaults_node)
        if "path" in shared_row.values or "id" in shared_row.values:
            raise InputError(path, "defaults cannot set path or id", shared_row.line)
        for line, problem in shared_row.problems[:1]:
            raise InputError(path, f"defaults: {problem}", line)
        shared = shared_row.values
    return shared, [_yaml_mapping(path, node) for node in films_node.value]


def _yaml_mapping(path: Path, node: Node) -> _Row:
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):  # "- films/a.mkv": a film with the defaults
        return _Row(line, {"path": node.value}, {})
    if not isinstance(node, MappingNode):
        raise InputError(path, "each film is a path or a mapping (path: ..., langs: ...)", line)
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    loader = yaml.SafeLoader("")
    for key_node, value_node in node.value:
        key = str(key_node.value)
        where = key_node.start_mark.line + 1
        if key in key_lines:  # YAML would keep the last value without a word
            problems.append((where, f"{key!r} given twice (first on line {key_lines[key]})"))
            continue
        key_lines[key] = where
        values[key] = loader.construct_object(value_node, deep=True)
    return _Row(line, values, key_lines, problems)


# -- settings ---------------------------------------------------------------------------


def _entry(
    source: Path, base: Path, row: _Row, shared: Mapping[str, Any], defaults: Defaults
) -> FilmEntry:
    problems = list(row.problems)
    merged = {**shared, **row.values}
    for key in merged:
        if key not in KEYS:
            problems.append(
                (
                    row.key_lines.get(key, row.line),
                    f"unknown key {key!r}; valid keys: {', '.join(KEYS)}",
                )
            )
    raw_path = merged.get("path")
    if not raw_path:
        problems.append((row.line, "no 'path'"))
        film = Path("<missing>")
    else:
        film = Path(str(raw_path)).expanduser()
        # Absolute: workers (other processes, other machines) do not share our cwd.
        film = (film if film.is_absolute() else base / film).absolute()
    settings = defaults.settings
    dub = defaults.dub if defaults.settings.dub is None else defaults.settings.dub
    dub_on = defaults.settings.dub is not None
    for key in KEYS[2:]:
        if key not in merged:
            continue
        line = row.key_lines.get(key, row.line)
        try:
            settings, dub, dub_on = _apply(key, merged[key], settings, dub, dub_on, base)
        except ScodubError as exc:
            problems.append((line, f"{key}: {exc}"))
        except (TypeError, ValueError) as exc:
            problems.append((line, f"{key}: {exc}"))
    settings = replace(
        settings,
        dub=dub if dub_on else None,
    )
    given = "id" in merged and merged["id"] is not None
    film_id = str(merged["id"]).strip() if given else film_id_for(film)
    if given and not film_id:
        problems.append((row.key_lines.get("id", row.line), "id is empty; give a name or no id"))
        film_id, given = film_id_for(film), False
    elif given and (_ID_CHARS.search(film_id) or film_id.startswith(".")):
        problems.append(
            (
                row.key_lines.get("id", row.line),
                f"id {film_id!r}: use letters, digits, '.', '_' or '-', not starting with '.'",
            )
        )
    elif film_id.lower() in _RESERVED_IDS:
        problems.append(
            (
                row.key_lines.get("id", row.line),
                f"id {film_id!r}: the batch folder uses that name itself "
                f"({', '.join(sorted(_RESERVED_IDS))}); choose another",
            )
        )
    return FilmEntry(source, row.line, film, film_id, settings, tuple(problems), given)


def _apply(
    key: str, value: Any, s: RunSettings, dub: DubSettings, dub_on: bool, base: Path
) -> tuple[RunSettings, DubSettings, bool]:
    asr, mt = s.asr, s.mt
    if key == "lang":
        lang = (
            None
            if str(value).strip().lower() in ("", "detect", "auto")
            else require_asr(str(value)).code
        )
        s = replace(s, asr=replace(asr, language=lang))
    elif key == "langs":
        s = replace(s, targets=_languages(value))
    elif key == "english_from":
        if value not in ("mt", "whisper"):
            raise ValueError(f"{value!r}; expected mt or whisper")
        s = replace(s, english_route=str(value))
    elif key == "glossaries":
        files = [Path(p).expanduser() for p in _strings(value)]
        s = replace(s, glossary_files=tuple((base / p).absolute() for p in files))
    elif key == "audio_stream":
        s = replace(s, audio_stream=_int(value, 0))
    elif key == "speakers":
        if isinstance(value, bool):  # YAML 1.1 reads a bare off/on as a boolean
            value = "auto" if value else "off"
        s = replace(s, speakers=SpeakerSettings.parse(str(value)))
    elif key == "model":
        s = replace(s, asr=replace(asr, model=str(value)))
    elif key == "device":
        s = replace(s, asr=replace(asr, device=str(value)).validate())
    elif key == "compute_type":
        s = replace(s, asr=replace(asr, compute_type=str(value)))
    elif key == "beam_size":
        s = replace(s, asr=replace(asr, beam_size=_int(value, 1)))
    elif key == "batch_size":
        s = replace(s, asr=replace(asr, batch_size=_int(value, 1)))
    elif key == "mt_model":
        s = replace(s, mt=replace(mt, model=str(value)))
    elif key == "mt_device":
        s = replace(s, mt=replace(mt, device=str(value)))
    elif key == "mt_beam_size":
        s = replace(s, mt=replace(mt, beam_size=_int(value, 1)))
    elif key == "dub":
        dub_on = _bool(value)
    elif key == "dub_langs":
        s = replace(s, dub_langs=_languages(value))
    elif key == "voices":
        entries = _voice_entries(value)
        dub = replace(
            dub, voices=parse_voice_options(entries), speaker_voices=parse_speaker_voices(entries)
        )
    elif key == "background":
        dub = replace(dub, background=_bool(value))
    elif key == "backcheck":
        dub = replace(dub, backcheck=_bool(value))
    elif key == "force":
        dub = replace(dub, force=_bool(value))
    elif key == "stems":
        if value not in STEM_FORMATS:
            raise ValueError(f"{value!r}; expected one of: {', '.join(STEM_FORMATS)}")
        dub = replace(dub, stems=value)
    return s, dub, dub_on


def _strings(value: Any) -> list[str]:
    """A YAML list, or a ``;``/``,``-separated cell."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;,]", str(value)) if part.strip()]


def _languages(value: Any) -> tuple[str, ...]:
    return parse_language_list(",".join(_strings(value)))


def _voice_entries(value: Any) -> list[str]:
    """``{ru: espeak, "ru:S2": espeak+f2}`` or ``ru=espeak; ru:S2=espeak+f2`` to the
    ``--voice`` form, so that a manifest casts voices exactly as the command line does."""
    if isinstance(value, dict):
        return [f"{str(k).strip()}={str(v).strip()}" for k, v in value.items()]
    return _strings(value)


def _int(value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
        raise ValueError(f"{value!r} is not a whole number")
    number = int(str(value).strip())
    if number < minimum:
        raise ValueError(f"{number} is below {minimum}")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off", ""):
        return False
    raise ValueError(f"{value!r}; expected yes or no")
