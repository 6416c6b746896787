"""Read what a finished run left in its output folder, for the review page.

Every file of a run is read here and nowhere else in ``scodub.review`` (so that typed
loaders, when the run gets them, replace one module): ``<film>.<lang>.srt`` per language,
``<film>.<lang>.edited.srt`` (an editor's saved version), ``<film>.transcript.json``
(words with probabilities, glossary corrections), ``<film>.report.json`` (QC and glossary
counts per language, the film's path and media facts) and ``<film>.dub.json`` (fitted
lines per dubbed language, the mixes).

A batch folder holds one such folder per film (``find_runs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub.data import Track, Transcript
from scodub.errors import InputError, LanguageError
from scodub.inputfiles import TRANSCRIPT_MAX_BYTES, read_input_json
from scodub.langs import get_language
from scodub.naming import EDITED_SUFFIX
from scodub.text.srt import read_srt

#: ``<film>.<lang>.srt`` and ``<film>.<lang>.edited.srt``: a language code is 2-3 letters
#: (ISO 639-1, or a 639-2/3 code Whisper reports for a language outside the table).
_SRT_NAME = re.compile(r"(?P<stem>.+)\.(?P<lang>[a-z]{2,3})(?P<edited>\.edited)?\.srt", re.DOTALL)


@dataclass(frozen=True, slots=True)
class FilmRun:
    """One film's outputs, as the run wrote them (and the editors' versions beside)."""

    folder: Path
    stem: str
    report: dict[str, Any]
    tracks: dict[str, Track]  # machine output per language, source first
    edited: dict[str, Track]  # <film>.<lang>.edited.srt where an editor saved one
    source_language: str
    transcript: Transcript | None = None
    dub: dict[str, Any] = field(default_factory=dict)  # <film>.dub.json, {} without a dub
    # (name, mtime_ns, size) of each SRT and the dub report read: a re-translation, a
    # save or a re-dub changes it
    signature: tuple[tuple[str, int, int], ...] = ()

    def machine_newer(self, lang: str) -> bool:
        """True when ``lang``'s machine output was written after the editor's version
        (a re-translation of an edited source): the editor should compare the two."""
        mtimes = {name: mtime for name, mtime, _ in self.signature}
        machine = mtimes.get(f"{self.stem}.{lang}.srt")
        edited = mtimes.get(f"{self.stem}.{lang}{EDITED_SUFFIX}")
        return machine is not None and edited is not None and machine > edited

    def changed(self) -> bool:
        """True when the SRT files of the film (or its dub report) are not those this was
        read from (a ``scodub translate`` wrote new tracks, an editor saved, a re-dub)."""
        return srt_signature(self.folder, self.stem, self.source_language) != self.signature

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.tracks, *self.edited)))

    @property
    def media(self) -> dict[str, Any]:
        media = _dig(self.report, "stages", "transcribe", "media")
        return media if isinstance(media, dict) else {}

    @property
    def fps(self) -> float | None:
        fps = self.media.get("fps")
        return float(fps) if isinstance(fps, (int, float)) and fps > 0 else None

    @property
    def audio_stream(self) -> int | None:
        """The audio stream the run transcribed (n-th), when its report says."""
        position = self.media.get("audio_stream")
        return position if isinstance(position, int) and position >= 0 else None

    @property
    def duration_ms(self) -> int:
        """The film's length (the probe's; the transcript's when the report lacks it)."""
        probed = self.media.get("duration_ms")
        if isinstance(probed, int) and probed > 0:
            return probed
        return self.transcript.duration_ms if self.transcript is not None else 0

    @property
    def end_ms(self) -> int | None:
        """Where the film ends for the QC (no cue after it): the longer of the probed
        length and the transcript's timeline; None when neither is known."""
        spoken = self.transcript.duration_ms if self.transcript is not None else 0
        return max(self.duration_ms, spoken) or None

    @property
    def cuts(self) -> tuple[int, ...]:
        """The film's shot changes (ms) as the run found them; () when it did not look."""
        cuts = _dig(self.report, "stages", "shots", "cuts_ms")
        return tuple(int(c) for c in cuts) if isinstance(cuts, list) else ()

    def subtitles_report(self, lang: str) -> dict[str, Any]:
        """The run report's entry for one language (QC, glossary counts, fit); {} if none."""
        entry = _dig(self.report, "stages", "subtitles", lang)
        return entry if isinstance(entry, dict) else {}

    def dub_language(self, lang: str) -> dict[str, Any]:
        entry = _dig(self.dub, "languages", lang)
        return entry if isinstance(entry, dict) else {}

    def film_candidates(self) -> list[Path]:
        """Where the film may be: its path as the run recorded it (absolute, or relative to
        the folder the run ran in, which may be this folder's parent), then the delivery."""
        found: list[Path] = []
        recorded = self.report.get("film")
        if isinstance(recorded, str) and recorded:
            path = Path(recorded)
            if path.is_absolute():
                found.append(path)
            else:
                found += [Path.cwd() / path, self.folder / path, self.folder.parent / path]
        delivery = _dig(self.report, "outputs", "delivery") or self.dub.get("delivery")
        if isinstance(delivery, str):
            found.append(Path(delivery))
        found.append(self.folder / f"{self.stem}.dub.mkv")
        return found


def _dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where a level is missing or is not an object (a report
    damaged by hand, or from another version, is read as far as it makes sense)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _read_json(path: Path) -> dict[str, Any]:
    # A regular file of a sane size: /dev/zero or a FIFO in the run's folder is one line.
    loaded = read_input_json(path, what="a scodub JSON file", limit=TRANSCRIPT_MAX_BYTES)
    if not isinstance(loaded, dict):
        raise InputError(path, "expected a JSON object")
    return loaded


def find_runs(out_dir: Path) -> list[tuple[Path, str]]:
    """(folder, film stem) of every finished run in ``out_dir`` or its direct subfolders
    (a batch), sorted; a finished run is a ``<film>.report.json``."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise InputError(out_dir, "not a folder (give the --out folder of a finished run)")
    runs = [(out_dir, p.name.removesuffix(".report.json")) for p in out_dir.glob("*.report.json")]
    # Both, where a folder holds runs and a batch's subfolders: none is hidden.
    for sub in sorted(p for p in out_dir.iterdir() if p.is_dir() and p.name != "review"):
        runs += [(sub, p.name.removesuffix(".report.json")) for p in sub.glob("*.report.json")]
    if not runs:
        raise InputError(
            out_dir, "no <film>.report.json here or in its subfolders: run `scodub run` first"
        )
    return sorted(runs)


def srt_signature(folder: Path, stem: str, spoken: str = "") -> tuple[tuple[str, int, int], ...]:
    """(name, mtime_ns, size) of the film's SRT files and of its dub report: a page built
    before a re-translation, a save or a re-dub (a new mix, new line facts) is stale."""
    machine, edited = _srt_files(folder, stem, spoken)
    out = []
    dub = Path(folder) / f"{stem}.dub.json"
    for path in [*sorted([*machine.values(), *edited.values()]), dub]:
        try:
            stat = path.stat()
        except OSError:
            continue
        out.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def _is_language(code: str, spoken: str) -> bool:
    """A track's language: one of the table's, or the film's own (which Whisper may have
    heard in a language outside it: de, ja). ``old`` of a copy ``<film>.old.srt`` is not."""
    if code == spoken:
        return True
    try:
        get_language(code)
    except LanguageError:
        return False
    return True


def _srt_files(
    folder: Path, stem: str, spoken: str = ""
) -> tuple[dict[str, Path], dict[str, Path]]:
    machine: dict[str, Path] = {}
    edited: dict[str, Path] = {}
    for path in sorted(folder.glob("*.srt")):
        match = _SRT_NAME.fullmatch(path.name)
        if match is None or match["stem"] != stem or not _is_language(match["lang"], spoken):
            continue  # another film's, or a copy such as <film>.old.srt: not a track
        (edited if match["edited"] else machine)[match["lang"]] = path
    return machine, edited


def load_run(folder: Path, stem: str) -> FilmRun:
    """Read one film's outputs from ``folder`` (strictly: a malformed file is an error
    naming it)."""
    folder = Path(folder)
    report = _read_json(folder / f"{stem}.report.json")
    transcript_path = folder / f"{stem}.transcript.json"
    transcript = None
    if transcript_path.is_file():
        try:
            stored = _read_json(transcript_path)
            # the transcribe stage wraps the transcript with the model and settings
            transcript = Transcript.from_json(stored.get("transcript", stored))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            why = f"no {exc.args[0]!r} in it" if isinstance(exc, KeyError) and exc.args else exc
            raise InputError(transcript_path, f"not a scodub transcript ({why})") from exc
    spoken = _dig(report, "stages", "transcribe", "language")
    source = str(spoken or (transcript.language if transcript else ""))
    signature = srt_signature(folder, stem, source)  # before the files: none is missed
    dub_path = folder / f"{stem}.dub.json"
    dub = _read_json(dub_path) if dub_path.is_file() else {}
    machine_paths, edited_paths = _srt_files(folder, stem, source)
    if not machine_paths and not edited_paths:
        raise InputError(folder, f"no {stem}.<lang>.srt here: the run wrote no subtitles")
    fps = _dig(report, "stages", "transcribe", "media", "fps")
    rate = float(fps) if isinstance(fps, (int, float)) and fps > 0 else None
    order = sorted(machine_paths, key=lambda lang: (lang != source, lang))
    tracks = {lang: _read_track(machine_paths[lang], lang, rate) for lang in order}
    edited = {lang: _read_track(path, lang, rate) for lang, path in edited_paths.items()}
    if not source:
        source = next(iter(tracks or edited))
    return FilmRun(folder, stem, report, tracks, edited, source, transcript, dub, signature)


def _read_track(path: Path, lang: str, fps: float | None) -> Track:
    """The track in ``path``; the film's own language may be outside the table (a German
    film's ``film.de.srt``), which ``read_srt`` does not know: its code is kept as given."""
    if not _is_language(lang, ""):
        return replace(read_srt(path, "en", fps=fps), language=lang)
    return read_srt(path, lang, fps=fps)


def edited_path(folder: Path, stem: str, lang: str) -> Path:
    """Where an editor's version of one language goes: beside the machine output."""
    return Path(folder) / f"{stem}.{lang}{EDITED_SUFFIX}"
