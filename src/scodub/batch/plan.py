"""One film's stages as batch jobs, over the stage functions ``scodub run`` uses.

The jobs, in stage-major rank order: ``transcribe`` (Whisper), ``transcribe:en``
(Whisper's speech translation, when English comes from Whisper), ``subtitles`` (every
SRT track: the spoken language's, then the translations with the translation model),
``dub:<lang>`` (voices, fitting and the mix, on a CPU), ``backcheck:<lang>`` (Whisper
again, over the cached mix) and ``deliver``: ``run_film`` itself, which finds every stage
above in the film's cache, muxes the delivery and writes the report, so that
``DIR/<film-id>/`` holds exactly what ``scodub run`` writes.

Each job runs in a worker from JSON (``run_job``); ``reused`` is the stage cache's answer.
"""

from __future__ import annotations

import dataclasses
import time
import types
import typing
from pathlib import Path
from typing import Any

from scodub import __version__
from scodub.asr.whisper import AsrSettings, prepare
from scodub.batch.manifest import FilmEntry
from scodub.batch.schedule import Job, Resources
from scodub.errors import ConfigError
from scodub.fsutil import write_json_atomic
from scodub.langs import get_language
from scodub.mt.localize import mt_identity
from scodub.stages.cache import StageCache, stage_key
from scodub.stages.run import RunSettings, load_run_glossary, run_film, write_report

RUNNER = "scodub.batch.plan:run_job"
RANKS = {
    "transcribe": 0,
    "transcribe:en": 1,
    "subtitles": 2,
    "dub": 3,
    "backcheck": 4,
    "deliver": 5,
}
_DELIVER = "batch-deliver"


# -- settings to JSON and back (the jobs travel as JSON to other processes and machines) --


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict | types.MappingProxyType):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(cls: Any, data: Any) -> Any:
    """Rebuild ``cls`` (a dataclass, or a type hint) from ``to_json``'s output."""
    if data is None:
        return None
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(cls) if a is not type(None)]
        return from_json(inner[0], data)
    if origin is tuple:
        (item, *_rest) = typing.get_args(cls)
        return tuple(from_json(item, v) for v in data)
    if origin in (dict, typing.Mapping) or str(origin) == "<class 'collections.abc.Mapping'>":
        _key, item = typing.get_args(cls)
        return {k: from_json(item, v) for k, v in data.items()}
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        make: Any = cls
        built: Any = make(**{name: from_json(hints[name], v) for name, v in data.items()})
        return built
    if cls is Path:
        return Path(data)
    return data


# -- planning ---------------------------------------------------------------------------


def whisper_identity(asr: AsrSettings) -> str:
    settings, model = prepare(asr)
    return f"whisper:{model.identity}:{settings.device}:{settings.compute_type}"


def film_jobs(entry: FilmEntry, out_dir: Path, order: int) -> list[Job]:
    s = entry.settings
    whisper = whisper_identity(s.asr)
    gpu = 1.0 if s.asr.device != "cpu" else 0.0
    base = {"film": str(entry.path), "out_dir": str(out_dir), "settings": to_json(s)}
    jobs: list[Job] = []

    def add(label: str, model: str | None, deps: tuple[str, ...], gpus: float = 0.0,
            **extra: Any) -> str:  # fmt: skip
        kind = label if label in RANKS else label.split(":")[0]
        lang = label.split(":")[1] if ":" in label else None
        payload = {"runner": RUNNER, "args": {**base, "job": kind, "language": lang, **extra}}
        job_id = f"{entry.film_id}/{label}"
        jobs.append(Job(job_id, entry.film_id, label, kind, lang, RANKS[kind], order,
                        deps, model, Resources(1.0, gpus), payload))  # fmt: skip
        return job_id

    transcribe = add("transcribe", whisper, (), gpu)
    needs = [transcribe]
    english = "en" in s.targets and s.english_route == "whisper"
    if english:
        needs.append(add("transcribe:en", whisper, (transcribe,), gpu))
    mt = mt_identity(s.mt) if s.needs_mt() else None
    subtitles = add("subtitles", mt, tuple(needs), gpu if mt else 0.0)
    finals = [subtitles]
    if s.dub is not None:
        for lang in s.dub_langs or tuple(t for t in s.targets if t != s.asr.language):
            code = get_language(lang).code
            dub = add(f"dub:{code}", None, (subtitles,))
            finals.append(dub)
            if s.dub.backcheck and get_language(code).whisper_asr:
                finals.append(add(f"backcheck:{code}", whisper, (dub,), gpu))
    add("deliver", None, tuple(finals))
    return jobs


# -- running (in a worker) --------------------------------------------------------------


def run_job(args: dict[str, Any]) -> dict[str, Any]:
    """Run one job from its JSON; ``{"reused", "seconds"}``."""
    started = time.perf_counter()
    film, out_dir = Path(args["film"]), Path(args["out_dir"])
    settings: RunSettings = from_json(RunSettings, args["settings"])
    out_dir.mkdir(parents=True, exist_ok=True)
    kind = args["job"]
    if kind == "deliver":
        reused = _deliver(film, out_dir, settings)
    elif kind in ("transcribe", "transcribe:en"):
        reused = _transcribe(film, out_dir, settings, kind == "transcribe:en")
    elif kind == "subtitles":
        reused = _subtitles(film, out_dir, settings)
    elif kind in ("dub", "backcheck"):
        reused = _dub(film, out_dir, settings, args["language"], kind == "backcheck")
    else:
        raise ConfigError(f"unknown batch job {kind!r}")
    return {"reused": reused, "seconds": time.perf_counter() - started}


def _transcribe(film: Path, out_dir: Path, s: RunSettings, english: bool) -> bool:
    from scodub.stages.transcribe import stage_transcribe

    if english:
        asr = dataclasses.replace(s.asr, task="translate")
        return stage_transcribe(film, out_dir, asr, audio_stream=s.audio_stream).cached
    glossary = load_run_glossary(s.glossary_files)
    return stage_transcribe(
        film, out_dir, s.asr, glossary=glossary, audio_stream=s.audio_stream
    ).cached


def _subtitles(film: Path, out_dir: Path, s: RunSettings) -> bool:
    """Subtitles, then every translated track: what ``run_film`` does before dubbing.
    Reused: the spoken language's track came out as it was, and the translations came
    from the cache."""
    from scodub.stages.localize import stage_localize
    from scodub.stages.subtitles import stage_subtitles
    from scodub.stages.transcribe import film_stem, stage_transcribe

    glossary = load_run_glossary(s.glossary_files)
    result = stage_transcribe(film, out_dir, s.asr, glossary=glossary, audio_stream=s.audio_stream)
    transcript = result.transcript
    if transcript.language == "und":
        transcript = dataclasses.replace(transcript, language=s.asr.language or "en")
    stem = film_stem(film)
    source = out_dir / f"{stem}.{transcript.language}.srt"
    before = source.read_bytes() if source.exists() else None
    subs = stage_subtitles(transcript, out_dir, stem, result.media.get("fps"), glossary)
    same = result.cached and before == subs.path.read_bytes()
    targets = tuple(t for t in s.targets if t != transcript.language)
    if not targets:
        return same
    english = None
    if "en" in targets and s.english_route == "whisper":
        asr = dataclasses.replace(s.asr, task="translate")
        english = stage_transcribe(film, out_dir, asr, audio_stream=s.audio_stream).transcript
    local = stage_localize(
        subs.track, out_dir, stem, targets, glossary, s.mt, whisper_english=english
    )
    return same and local.cached


def _dub(film: Path, out_dir: Path, s: RunSettings, lang: str, backcheck: bool) -> bool:
    """One language's voice and mix (``dub``), or its back-check over the cached mix."""
    from scodub.stages.dub import stage_dub_language
    from scodub.stages.transcribe import film_stem

    assert s.dub is not None
    srt = out_dir / f"{film_stem(film)}.{lang}.srt"
    settings = dataclasses.replace(s.dub, backcheck=backcheck)
    result = stage_dub_language(film, srt, out_dir, settings, language=lang)
    if backcheck:
        return result.backcheck is not None and result.backcheck.cached
    return result.cached


def _deliver(film: Path, out_dir: Path, s: RunSettings) -> bool:
    """``run_film`` and its report, as ``scodub run`` writes them; reused when this batch
    already delivered these settings and every output is still there."""
    cache = StageCache(out_dir)
    key = stage_key(
        {"film": cache.content_hash(film), "settings": to_json(s), "version": __version__}
    )
    stored = cache.load(_DELIVER, key)
    if stored and stored.get("done") and all(Path(p).exists() for p in stored["outputs"]):
        return True
    if stored and s.dub is not None:
        # An attempt of this very delivery was interrupted: the file in the way is ours.
        s = dataclasses.replace(s, dub=dataclasses.replace(s.dub, force=True))
    write_json_atomic(cache.path(_DELIVER, key), {"done": False, "outputs": []})
    report = run_film(film, out_dir, s)
    report.outputs["report"] = str(write_report(report))
    cache.store(_DELIVER, key, {"done": True, "outputs": sorted(report.outputs.values())})
    return False
