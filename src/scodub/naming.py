"""Names of the files scodub writes, derived in one place, and the two checks every
command makes on them before the long work (issue 7 items 4 and 14).

**Length.** A film's stem becomes ``<stem>.<lang>.srt``, ``<stem>.transcript.json``,
``<stem>.report.json``, ``<stem>.dub.mkv``, ``<stem>.<lang>.dub.m4a`` and
``<stem>.translate-report.json``. Linux file systems allow 255 *bytes* per name (a
Cyrillic letter takes 2 bytes in UTF-8, a Chinese character 3), so a film named with 245
characters cannot have a report. ``safe_stem`` keeps a stem that leaves room for the
longest suffix, and otherwise cuts it on a character boundary and appends ``~`` and 10
hex digits of the full stem's sha256: still readable, still unique per film, the same on
every run. ``check_names`` compares every planned name with the limit of the folder it
goes into (``pathconf``; some file systems allow less) before anything is computed.

**Inputs are never written.** ``refuse_inputs`` fails when a planned output is one of the
command's inputs: the same path, or the same file through a symlink, a hard link or a
relative path.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from scodub.errors import OutputError

#: POSIX NAME_MAX on every common Linux, macOS and Windows file system, in bytes.
NAME_MAX_BYTES = 255
#: Room kept after a stem for the longest suffix derived from it
#: (".translate-report.json" is 22 bytes) and a little more for later suffixes.
SUFFIX_RESERVE_BYTES = 32
_HASH_CHARS = 10


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def _cut(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` within ``max_bytes`` of UTF-8, whole characters."""
    data = text.encode("utf-8", "surrogateescape")[:max_bytes]
    return data.decode("utf-8", "ignore")


def safe_stem(stem: str, *, limit: int = NAME_MAX_BYTES) -> str:
    """``stem`` unchanged when ``stem`` plus any derived suffix fits in ``limit`` bytes;
    else a readable prefix, ``~`` and a short hash of the whole stem."""
    room = limit - SUFFIX_RESERVE_BYTES
    if _utf8_len(stem) <= room:
        return stem
    digest = hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:_HASH_CHARS]
    prefix = _cut(stem, room - 1 - _HASH_CHARS).rstrip(" .")
    return f"{prefix}~{digest}"


def film_stem(film: Path | str) -> str:
    """The stem every output of ``film`` is named after."""
    return safe_stem(Path(film).stem)


#: An editor's version of ``<film>.<lang>.srt`` (``scodub review``): same film, same stem.
EDITED_SUFFIX = ".edited.srt"
#: ``translate``'s re-timed source, where the usual name is its input's or an editor's.
RETIMED_SUFFIX = ".retimed.srt"


def is_edited_srt(srt: Path | str, language: str) -> bool:
    """True for ``<film>.<lang>.edited.srt``, the editor's version of a track (in any
    letter case, as ``srt_stem`` reads it: ``film.en.EDITED.SRT`` is one too)."""
    return Path(srt).name.lower().endswith(f".{language}{EDITED_SUFFIX}")


def is_retimed_srt(srt: Path | str, language: str) -> bool:
    """True for ``<film>.<lang>.retimed.srt``, ``translate``'s re-timed source (any case)."""
    return Path(srt).name.lower().endswith(f".{language}{RETIMED_SUFFIX}")


def srt_stem(srt: Path | str, language: str) -> str:
    """The stem of an SRT's outputs: ``film.en.srt`` in English -> ``film``; so are
    ``film.en.edited.srt`` and ``film.en.retimed.srt`` (their translations are the
    film's tracks, not another film's)."""
    name = Path(srt).name
    kept = next(
        (s for s in (EDITED_SUFFIX, RETIMED_SUFFIX) if name.lower().endswith(f".{language}{s}")),
        None,
    )
    if kept is not None:
        stem = name[: -len(kept)]
    else:
        stem = name[:-4] if name.lower().endswith(".srt") else name  # film.SRT too
    if stem.lower().endswith(f".{language}"):
        stem = stem[: -len(language) - 1]
    return safe_stem(stem) if stem.strip(" .") else "subtitles"  # '.srt': no hidden files


# --- every derived name --------------------------------------------------------------


def srt_path(out_dir: Path, stem: str, language: str) -> Path:
    return Path(out_dir) / f"{stem}.{language}.srt"


def transcript_path(out_dir: Path, film: Path | str) -> Path:
    return Path(out_dir) / f"{film_stem(film)}.transcript.json"


def report_path(out_dir: Path, film: Path | str) -> Path:
    return Path(out_dir) / f"{film_stem(film)}.report.json"


def dub_report_path(out_dir: Path, film: Path | str) -> Path:
    return Path(out_dir) / f"{film_stem(film)}.dub.json"


def delivery_path(out_dir: Path, film: Path | str) -> Path:
    return Path(out_dir) / f"{film_stem(film)}.dub.mkv"


def dub_stem_path(out_dir: Path, film: Path | str, language: str, fmt: str) -> Path:
    return Path(out_dir) / f"{film_stem(film)}.{language}.dub.{fmt}"


def translate_report_path(out_dir: Path, stem: str) -> Path:
    return Path(out_dir) / f"{stem}.translate-report.json"


def film_outputs(
    film: Path,
    out_dir: Path,
    languages: Iterable[str],
    *,
    dub: bool = False,
    stems: str | None = None,
) -> list[Path]:
    """Every file ``run``/``transcribe``/``dub`` may write for ``film`` (``languages``:
    each subtitle track that may be written; the spoken one is not known before ASR)."""
    stem = film_stem(film)
    paths = [transcript_path(out_dir, film), report_path(out_dir, film)]
    paths += [srt_path(out_dir, stem, lang) for lang in languages]
    if dub:
        paths += [delivery_path(out_dir, film), dub_report_path(out_dir, film)]
        if stems:
            paths += [dub_stem_path(out_dir, film, lang, stems) for lang in languages]
    return paths


def _name_max(folder: Path) -> int:
    """The folder's limit on a name in bytes (its nearest existing ancestor's)."""
    for candidate in (folder, *folder.parents):
        try:
            return min(NAME_MAX_BYTES, int(os.pathconf(candidate, "PC_NAME_MAX")))
        except (OSError, ValueError):
            continue
    return NAME_MAX_BYTES


def check_names(paths: Iterable[Path]) -> None:
    """Every name fits its folder's file system (before any work); else one OutputError."""
    limits: dict[Path, int] = {}
    for path in paths:
        folder = Path(os.path.abspath(path.parent))
        limit = limits.setdefault(folder, _name_max(folder))
        size = _utf8_len(path.name)
        if size > limit:
            raise OutputError(
                f"{path}: the name is {size} bytes, over the {limit} bytes a file name may "
                f"have in {folder}; give the input a shorter name"
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_inputs(outputs: Iterable[Path], inputs: Mapping[str, Path]) -> None:
    """Fail when an output would be written over an input (``inputs``: what each input
    is, for the message, -> its path)."""
    given = [(what, Path(path)) for what, path in inputs.items()]
    for output in outputs:
        for what, path in given:
            if _same_file(Path(output), path):
                raise OutputError(
                    f"{output}: this output would overwrite the {what} {path}; an input is "
                    "never written: choose another --out folder or rename the input"
                )


def input_conflicts(outputs: Iterable[Path], inputs: Iterable[Path]) -> set[Path]:
    """The outputs that are one of ``inputs`` (for a command that renames them)."""
    paths = [Path(p) for p in inputs]
    return {Path(o) for o in outputs if any(_same_file(Path(o), p) for p in paths)}
