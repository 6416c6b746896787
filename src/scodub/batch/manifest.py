"""Read a batch manifest (YAML, or CSV from a spreadsheet) or a folder of films into one
``FilmEntry`` per film: its path, its film id (``DIR/<film-id>/``), the line it was
written on, and its ``RunSettings`` (the row's values over the manifest's defaults over
the command-line options).

Problems are collected, never raised one at a time: a row that cannot be read carries its
problems (with the line of the offending key) so that ``validate`` reports every problem
of every row at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub.asr.speakers import SpeakerSettings
from scodub.asr.whisper import MAX_BATCH_SIZE, MAX_BEAM_SIZE
from scodub.batch.rows import KEYS, NOT_A_FILM, Row, csv_rows, yaml_rows
from scodub.batch.state import STATE_FILE
from scodub.dub.casting import parse_speaker_voices
from scodub.dub.voices import parse_voice_options
from scodub.errors import ManifestError, ScodubError
from scodub.inputfiles import MANIFEST_MAX_BYTES, read_input_bytes
from scodub.langs import parse_language_list, spoken_language
from scodub.mt.backends import is_llm
from scodub.provision.nllb import NLLB_MODELS
from scodub.provision.whisper import EMBEDDED_NAME
from scodub.stages.cache import CACHE_DIRNAME
from scodub.stages.dub import STEM_FORMATS, DubSettings
from scodub.stages.outputs import made_for
from scodub.stages.plan import RunSettings

#: File suffixes ``scodub batch FOLDER`` picks up (each is still probed by ``validate``).
_VIDEO = ".mkv .mp4 .m4v .mov .avi .webm .mxf .ts .mts .m2ts .mpg .mpeg .wmv .flv .ogv"
_AUDIO = ".wav .flac .mp3 .m4a .aac .ogg .opus"
MEDIA_SUFFIXES = frozenset(f"{_VIDEO} {_AUDIO}".split())
#: What a film id may not hold: anything but letters and digits of any script, '.', '_', '-'.
_ID_CHARS = re.compile(r"[^\w.-]+")
#: Names the batch folder holds itself (the state file, the review page's ``review/``):
#: no film's folder may take one. Ids are compared with case ignored.
_RESERVED_IDS = frozenset({STATE_FILE, "review"})
#: A film id is a folder name (255 bytes at most): room is kept for a clash's "-<tag>".
_ID_MAX_BYTES = 200


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


def read_manifest(
    path: Path, defaults: Defaults, *, out_dir: Path | None = None
) -> list[FilmEntry]:
    """A YAML (``.yaml``/``.yml``) or CSV (``.csv``) manifest to film entries (``out_dir``:
    the batch's --out, where films keep the folders made for them: ``assign_ids``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise ManifestError(path, "manifest must be .yaml, .yml or .csv")
    # A regular file of a sane size (not /dev/zero, not a FIFO), before a byte is read.
    data = read_input_bytes(
        path, what="a manifest", limit=MANIFEST_MAX_BYTES, error=ManifestError
    )
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often write a BOM
    except UnicodeDecodeError as exc:
        raise ManifestError(path, f"cannot read manifest ({exc})") from exc
    if suffix == ".csv":
        shared: dict[str, Any] = {}
        rows = csv_rows(path, text)
    else:
        shared, rows = yaml_rows(path, text)
    if not rows:  # a header alone, or "films: []": a batch of nothing is a mistake
        raise ManifestError(path, "no films listed")
    base = path.parent
    entries = [_entry(path, base, row, shared, defaults) for row in rows]
    return assign_ids(entries, out_dir)


_MISSING = Path("<missing>")


def scan_folder(
    folder: Path, defaults: Defaults, *, exclude: Path | None = None
) -> list[FilmEntry]:
    """Every media file under ``folder`` (by suffix; hidden folders and ``exclude``, the
    batch's --out, skipped), each with the command line's settings; a film keeps the
    folder made for it in ``exclude`` (``assign_ids``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(folder, "is not a folder")
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
            row = Row(0, {"path": str(rel)}, {})  # relative to the folder, as in a manifest
            found.append(_entry(folder, folder, row, {}, defaults))
    if not found:
        raise ManifestError(folder, "no media files found (looked for " + _suffix_list() + ")")
    return assign_ids(found, exclude)


def _suffix_list() -> str:
    return " ".join(sorted(MEDIA_SUFFIXES))


def film_id_for(path: Path) -> str:
    """A folder-safe id from the file name."""
    stem = _ID_CHARS.sub("_", Path(path).stem).strip("._") or "film"
    # 80 letters, whole ones within the bytes a folder name may have (a letter is 1-4)
    stem = stem[:80].encode("utf-8")[:_ID_MAX_BYTES].decode("utf-8", "ignore")
    return f"{stem}-film" if stem.lower() in _RESERVED_IDS else stem


def path_tag(path: Path) -> str:
    return hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:8]


def assign_ids(entries: list[FilmEntry], out_dir: Path | None = None) -> list[FilmEntry]:
    """Give every film a unique id: its file name, or, where two names clash (case
    ignored: macOS and Windows file systems would merge them), the name plus a hash of
    its full path. An explicit ``id`` is kept. The same file listed twice needs an ``id``
    on one of the rows (two settings of one film: two output folders).

    With ``out_dir`` (the batch's --out), a film keeps the folder an earlier batch made for
    it there: adding a film of the same name (or removing it again) moves no finished
    film to another folder, where its work would be done again (``_earlier_ids``)."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.film_id.lower()] = counts.get(entry.film_id.lower(), 0) + 1
    earlier = _earlier_ids(entries, out_dir) if out_dir is not None else {}
    seen: dict[str, int] = {}
    out = []
    for n, entry in enumerate(entries):
        film_id = entry.film_id
        problems = list(entry.problems)
        if n in earlier:
            film_id = earlier[n]
        elif counts[film_id.lower()] > 1 and not entry.named:
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


def _earlier_ids(entries: list[FilmEntry], out_dir: Path) -> dict[int, str]:
    """Entry index -> the id whose folder in ``out_dir`` holds that film's outputs, of its
    two possible ids (the file name, the name plus the path's hash), for rows that give no
    id. The plain name is kept by at most one film (and not when a row names it)."""
    named = {e.film_id.lower() for e in entries if e.named}
    claims: dict[str, list[int]] = {}  # plain id -> the films its folder was made for
    tagged: dict[int, str] = {}
    for n, entry in enumerate(entries):
        if entry.named or entry.path == _MISSING:
            continue
        if made_for(out_dir / entry.film_id, entry.path):
            claims.setdefault(entry.film_id.lower(), []).append(n)
        elif made_for(out_dir / f"{entry.film_id}-{path_tag(entry.path)}", entry.path):
            tagged[n] = f"{entry.film_id}-{path_tag(entry.path)}"
    plain = {
        films[0]: entries[films[0]].film_id
        for key, films in claims.items()
        if len(films) == 1 and key not in named
    }
    return {**tagged, **plain}


# -- settings ---------------------------------------------------------------------------


def _entry(
    source: Path, base: Path, row: Row, shared: Mapping[str, Any], defaults: Defaults
) -> FilmEntry:
    problems = list(row.problems)
    merged = {**shared, **row.values}
    misshapen = set()
    for key in list(merged):
        shape = _shape_problem(key, merged[key]) if key in KEYS else None
        if shape is not None:  # dropped: nothing below turns a YAML bomb into a string
            problems.append((row.key_lines.get(key, row.line), f"{key}: {shape}"))
            misshapen.add(key)
            del merged[key]
        if key not in KEYS:
            problems.append(
                (
                    row.key_lines.get(key, row.line),
                    f"unknown key {key!r}; valid keys: {', '.join(KEYS)}",
                )
            )
    raw_path = merged.get("path")
    if isinstance(raw_path, (list, dict)):
        where = row.key_lines.get("path", row.line)
        problems.append((where, f"path: one file, not a {type(raw_path).__name__}"))
        film = _MISSING
    elif not raw_path:
        if (row.line, NOT_A_FILM) not in problems and "path" not in misshapen:
            problems.append((row.line, "no 'path'"))
        film = _MISSING
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
    if film == _MISSING and not given:  # no file to name it: its line does (no clashes)
        film_id = f"line-{row.line}"
    if given and not film_id:
        problems.append((row.key_lines.get("id", row.line), "id is empty; give a name or no id"))
        film_id, given = film_id_for(film), False
    elif given and len(film_id.encode("utf-8", "surrogateescape")) > _ID_MAX_BYTES:
        size = len(film_id.encode("utf-8", "surrogateescape"))
        problems.append(
            (
                row.key_lines.get("id", row.line),
                f"id is {size} bytes long; a folder name takes at most {_ID_MAX_BYTES} (UTF-8)",
            )
        )
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


def _model_path(value: str, base: Path, names: tuple[str, ...]) -> str:
    """A model folder named relative to ``base`` (the manifest's folder), made absolute
    (as films and glossaries are; workers elsewhere do not share our working folder); a
    model's name (``base``, ``nllb-200-distilled-600M``), a hub repository id or an
    ``openai:`` model as given."""
    if value in names or is_llm(value):
        return value
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    if value.startswith(".") or (base / path).exists():
        return str((base / path).absolute())
    return value


def absolute_models(settings: RunSettings, base: Path) -> RunSettings:
    """``settings`` with its Whisper and translation model folders (``--model``,
    ``--mt-model``, ``--mt LANG=FOLDER``) absolute, relative to ``base``."""
    asr, mt = settings.asr, settings.mt
    nllb = tuple(NLLB_MODELS)
    return replace(
        settings,
        asr=replace(asr, model=_model_path(asr.model, base, (EMBEDDED_NAME,)))
        if asr.model else asr,
        mt=replace(
            mt,
            model=_model_path(mt.model, base, nllb) if mt.model else mt.model,
            routes=tuple((lang, _model_path(spec, base, nllb)) for lang, spec in mt.routes),
        ),
    )


def _apply(
    key: str, value: Any, s: RunSettings, dub: DubSettings, dub_on: bool, base: Path
) -> tuple[RunSettings, DubSettings, bool]:
    asr, mt = s.asr, s.mt
    if key == "lang":
        s = replace(s, asr=replace(asr, language=spoken_language(str(value))))
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
        s = replace(s, asr=replace(asr, model=_model_path(str(value), base, (EMBEDDED_NAME,))))
    elif key == "device":
        s = replace(s, asr=replace(asr, device=str(value)).validate())
    elif key == "compute_type":
        s = replace(s, asr=replace(asr, compute_type=str(value)))
    elif key == "beam_size":
        s = replace(s, asr=replace(asr, beam_size=_int(value, 1, MAX_BEAM_SIZE)))
    elif key == "batch_size":
        s = replace(s, asr=replace(asr, batch_size=_int(value, 1, MAX_BATCH_SIZE)))
    elif key == "mt_model":
        s = replace(s, mt=replace(mt, model=_model_path(str(value), base, tuple(NLLB_MODELS))))
    elif key == "mt_device":
        s = replace(s, mt=replace(mt, device=str(value)))
    elif key == "mt_beam_size":
        s = replace(s, mt=replace(mt, beam_size=_int(value, 1, MAX_BEAM_SIZE)))
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


#: Keys that take several values: a list, or one ``,``/``;``-separated value; ``voices``
#: a mapping too. Every other key takes one plain value (``path`` says so itself).
_LIST_KEYS = frozenset({"langs", "glossaries", "dub_langs", "voices"})
_COLLECTIONS = (list, dict, set)


def _shape_problem(key: str, value: Any) -> str | None:
    """Why ``value`` is not of the shape ``key`` takes, else None. Checked before any
    value is turned into text: anchors build a list of 10^8 items from a few lines. A NUL
    character is in no file, model or language name (and ``os.stat`` raises on it)."""
    if key == "path" and isinstance(value, _COLLECTIONS):
        return None  # its own line: "path: one file, not a list"
    plain: list[Any] = [value]
    if key not in _LIST_KEYS:
        if isinstance(value, _COLLECTIONS):
            return f"one value, not a {type(value).__name__}"
    elif isinstance(value, dict) and key == "voices":
        for lang, voice in value.items():
            if isinstance(voice, _COLLECTIONS):
                return f"{lang}: one value, not a {type(voice).__name__}"
        plain = [*value.keys(), *value.values()]
    elif isinstance(value, (dict, set)):
        return f"a list of plain values, not a {type(value).__name__}"
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, _COLLECTIONS):
                return f"a list of plain values, not of {type(item).__name__}s"
        plain = value
    if any(isinstance(item, str) and "\0" in item for item in plain):
        return "holds a NUL character (\\0), which no name may have"
    return None


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


def _int(value: Any, minimum: int, maximum: int | None = None) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.lstrip("-").isdigit() or len(text) > 12:
        raise ValueError(f"{value!r} is not a whole number")
    number = int(text)
    if number < minimum:
        raise ValueError(f"{number} is below {minimum}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{number} is above {maximum}")
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
