"""Check every film of a batch before any work starts: the file exists and is media with
the chosen audio stream, its languages are known, its glossaries are valid, its models
and voices are present, its output folder is writable. Every problem of every row is
collected (with the row's line) so that one run of ``scodub batch`` lists them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scodub.asr.whisper import AsrSettings, prepare
from scodub.batch.manifest import FilmEntry
from scodub.batch.plan import plan_entry
from scodub.dub.voices import resolve_voice
from scodub.errors import ScodubError
from scodub.fsutil import ensure_writable_dir
from scodub.media.mux import check_video_copyable
from scodub.media.probe import choose_audio_stream, probe
from scodub.mt.localize import MtSettings, mt_identity, mt_targets
from scodub.names.io import load_glossaries
from scodub.stages.outputs import stem_owner
from scodub.stages.plan import FilmPlan


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # "manifest.yaml:12" or the film's path
    film_id: str
    problem: str

    def line(self) -> str:
        return f"{self.where}: {self.film_id}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Validation:
    valid: tuple[FilmEntry, ...]
    invalid: tuple[FilmEntry, ...]
    problems: tuple[Problem, ...]
    plans: dict[str, FilmPlan]  # by film id, for every valid film


def validate(entries: Sequence[FilmEntry], out_dir: Path) -> Validation:
    """Every check of every film, then its plan (``stages.plan.plan_film``, which checks
    the rest: delivery targets, the spoken language where it must be detected). No stage
    runs; the valid films' plans are kept for the batch."""
    problems: list[Problem] = []
    plans: dict[str, FilmPlan] = {}
    valid: list[FilmEntry] = []
    invalid: list[FilmEntry] = []
    try:
        ensure_writable_dir(out_dir)
        out_ok = True
    except ScodubError as exc:
        problems.append(Problem(str(out_dir), "-", str(exc)))
        out_ok = False
    for entry in entries:
        found = [
            Problem(f"{entry.source}:{line}" if line else str(entry.path), entry.film_id, text)
            for line, text in sorted(entry.problems, key=lambda item: item[0] or 0)
        ]  # in line order, as the manifest reads
        if not entry.problems:
            found += [
                Problem(entry.where, entry.film_id, text) for text in _check(entry, out_dir, out_ok)
            ]
        if not found and out_ok:
            try:
                plan = plan_entry(entry, out_dir / entry.film_id)
            except ScodubError as exc:
                found.append(Problem(entry.where, entry.film_id, " ".join(str(exc).split())))
            else:
                taken = _folder_taken(entry, plan, out_dir)
                found += [Problem(entry.where, entry.film_id, text) for text in taken]
                if not taken:
                    plans[entry.film_id] = plan
        problems += found
        (invalid if found else valid).append(entry)
    return Validation(tuple(valid), tuple(invalid), tuple(problems), plans)


def _check(entry: FilmEntry, out_dir: Path, out_ok: bool) -> list[str]:
    s = entry.settings
    checks: list[Callable[[], object]] = [lambda: _media(entry)]
    if s.glossary_files:
        checks.append(lambda: load_glossaries(s.glossary_files))
    checks.append(lambda: _whisper(s.asr))
    if mt_targets(s.asr.language, s.targets, s.english_from_whisper):
        checks.append(lambda: _mt(s.mt))
    if s.dub is not None:
        checks.append(lambda: check_video_copyable(entry.path))
        dub = s.dub
        langs = s.dub_langs or tuple(t for t in s.targets if t != s.asr.language)
        if not langs:
            checks.append(
                _raise("dub is on but there is no language to dub (set langs or dub_langs)")
            )
        missing = [lang for lang in langs if lang not in s.targets and lang != s.asr.language]
        if missing and s.dub_langs:
            checks.append(
                _raise(f"dub_langs {', '.join(missing)} not among langs; add them to langs")
            )
        for lang in langs:
            checks.append(functools.partial(_voice, lang, dub.voices.get(lang)))
    if out_ok and (out_dir / entry.film_id).exists():  # a new one is made in a writable DIR
        checks.append(lambda: ensure_writable_dir(out_dir / entry.film_id))
    problems = []
    for check in checks:
        try:
            check()
        except ScodubError as exc:
            problems.append(" ".join(str(exc).split()))
    return list(dict.fromkeys(problems))  # a missing file fails each check that reads it


def _folder_taken(entry: FilmEntry, plan: FilmPlan, out_dir: Path) -> list[str]:
    """The film's folder holds the outputs of another film of the same name (the row's
    file replaced in the manifest by another film): found here, as the row's problem,
    rather than stopping every film of the batch once it has started."""
    other = stem_owner(out_dir / entry.film_id, plan.film)
    if other is None:
        return []
    return [
        f"{out_dir / entry.film_id} holds the outputs of {other}, another film of this "
        "name; give this row its own 'id' (its own folder)"
    ]


def _raise(text: str) -> Callable[[], object]:
    def fail() -> object:
        raise ScodubError(text)

    return fail


def _media(entry: FilmEntry) -> None:
    info = probe(entry.path)  # MediaError when it is missing, not a file, or not media
    choose_audio_stream(info, entry.settings.audio_stream, entry.settings.asr.language)


# A model is provisioned (and its checksum verified) once per batch, not once per film.
@functools.lru_cache(maxsize=16)
def _whisper(settings: AsrSettings) -> None:
    prepare(settings)


@functools.lru_cache(maxsize=16)
def _mt(settings: MtSettings) -> None:
    mt_identity(settings)


@functools.lru_cache(maxsize=64)
def _voice(lang: str, spec: str | None) -> None:
    resolve_voice(lang, spec)
