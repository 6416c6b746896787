"""The pipeline's stages: each is a function of its inputs and settings that reads and
writes files in the output folder, so any stage can run in another process or machine.

transcribe: film -> ``<film>.transcript.json`` (timed words; cached by content hash,
model and settings); subtitles: transcript -> ``<film>.<lang>.srt`` + QC. Later stages
(translate, dub) live in their own modules and are chained by ``run_film``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub import __version__
from scodub.asr import AsrSettings, prepare, transcribe_audio
from scodub.asrprompt import hotwords
from scodub.cache import StageCache, stage_key
from scodub.correct import correct
from scodub.data import Cue, Track, Transcript, ms
from scodub.delivery import dub_film, write_dub_report
from scodub.dub.voices import resolve_voice
from scodub.dubbing import DubSettings
from scodub.errors import ConfigError, MediaError
from scodub.fsutil import sha256_file, write_json_atomic
from scodub.glossary import Glossary
from scodub.glossary_io import load_glossaries
from scodub.langs import LANGUAGES, subtitle_rules
from scodub.localize import MtSettings, glossary_names, load_translator, localize, mt_identity
from scodub.media import (
    MediaInfo,
    check_complete,
    choose_audio_stream,
    decode_audio,
    probe,
    rms_dbfs,
)
from scodub.mux import check_video_copyable
from scodub.qc import check_track
from scodub.segment import segment_words
from scodub.subtitles import write_srt


def glossary_source(glossary: Glossary) -> str:
    """The language the glossary's names are spoken in by default (its first form)."""
    first = next((next(iter(t.forms), None) for t in glossary.terms), None)
    return first or "en"


def glossary_fingerprint(glossary: Glossary | None) -> str:
    """Content hash of the glossary files (goes into cache keys)."""
    if glossary is None:
        return ""
    return stage_key({"files": [sha256_file(Path(f)) for f in glossary.sources]})


# Below this level the stream is digital silence or near it: nothing to transcribe.
_SILENCE_DBFS = -70.0

Progress = Callable[[str, float, float], None]  # (stage, done, total)


def film_stem(film: Path) -> str:
    return Path(film).stem


@dataclass(frozen=True, slots=True)
class TranscribeResult:
    transcript: Transcript
    path: Path
    media: dict[str, Any]
    cached: bool
    seconds: float
    notes: tuple[str, ...] = ()


def stage_transcribe(
    film: Path,
    out_dir: Path,
    settings: AsrSettings,
    *,
    glossary: Glossary | None = None,
    audio_stream: int | None = None,
    progress: Progress | None = None,
) -> TranscribeResult:
    """Film -> transcript JSON with word timings, reusing a cached result when possible.

    With a glossary, its names in the spoken language prime Whisper (``hotwords``) and
    near-misses in the transcript are corrected (``correct``), each correction reported.
    """
    started = time.perf_counter()
    film = Path(film)
    info = probe(film)
    stream = choose_audio_stream(info, audio_stream, settings.language)
    if glossary is not None and len(glossary) and settings.hotwords is None:
        spoken = settings.language or stream.language or glossary_source(glossary)
        settings = replace(settings, hotwords=hotwords(glossary, spoken) or None)
    settings, model = prepare(settings)
    cache = StageCache(out_dir)
    key = stage_key(
        {
            "stage": "transcribe",
            "film": cache.content_hash(film),
            "stream": stream.position,
            "asr": settings.key(model),
            "glossary": glossary_fingerprint(glossary),
        }
    )
    media = _media_json(info, stream.position)
    target = out_dir / f"{film_stem(film)}.transcript.json"
    cached = cache.load("transcribe", key)
    if cached is not None:
        transcript = Transcript.from_json(cached["transcript"])
        write_json_atomic(target, cached)
        return TranscribeResult(
            transcript, target, media, True, time.perf_counter() - started, tuple(cached["notes"])
        )
    audio = decode_audio(film, stream)
    check_complete(info, stream, audio)
    notes: list[str] = []
    level = rms_dbfs(audio)
    if level < _SILENCE_DBFS:
        notes.append(f"audio stream {stream.position} is silent ({level:.0f} dBFS): no speech")
        transcript = Transcript(
            settings.language or "und", 0.0, ms(len(audio) / 16000), (), settings.task
        )
    else:
        total = len(audio) / 16000

        def _tick(done: float) -> None:
            if progress:
                progress("transcribe", min(done, total), total)

        transcript = transcribe_audio(audio, settings, model, _tick)
        if glossary is not None and len(glossary) and transcript.language in LANGUAGES:
            transcript = correct(transcript, glossary)
        if not transcript.segments:
            notes.append("no speech found (silence, music or noise only)")
        if transcript.dropped_segments:
            notes.append(f"dropped {transcript.dropped_segments} segment(s) as hallucinations")
    result = {
        "scodub": __version__,
        "film": str(film),
        "media": media,
        "model": model.to_json(),
        "settings": settings.key(model),
        "notes": notes,
        "transcript": transcript.to_json(),
    }
    cache.store("transcribe", key, result)
    write_json_atomic(target, result)
    return TranscribeResult(
        transcript, target, media, False, time.perf_counter() - started, tuple(notes)
    )


def _media_json(info: MediaInfo, position: int) -> dict[str, Any]:
    return {
        "format": info.format_name,
        "duration_ms": info.duration_ms,
        "fps": info.fps,
        "audio_stream": position,
        "audio_streams": [
            {"position": a.position, "codec": a.codec, "language": a.language, "title": a.title}
            for a in info.audio
        ],
    }


@dataclass(frozen=True, slots=True)
class SubtitleResult:
    track: Track
    path: Path
    qc: dict[str, Any]


def stage_subtitles(
    transcript: Transcript,
    out_dir: Path,
    stem: str,
    fps: float | None,
    glossary: Glossary | None = None,
) -> SubtitleResult:
    """Transcript -> ``<stem>.<lang>.srt`` under the language's rules, with its QC report.
    Glossary names are never split over two lines or cues where avoidable."""
    lang = subtitle_rules(transcript.language)
    names = glossary_names(glossary, lang.code) if glossary and lang.nllb else ()
    cues = segment_words(transcript.words, lang, fps, protected=names)
    track = Track(lang.code, cues, fps)
    path = out_dir / f"{stem}.{lang.code}.srt"
    write_srt(track, path)
    return SubtitleResult(track, path, check_track(track, fps).to_json())


@dataclass(frozen=True, slots=True)
class LocalizeStageResult:
    source: Track
    tracks: dict[str, Track]
    paths: dict[str, Path]
    reports: dict[str, Any]
    cached: bool


def stage_localize(
    source: Track,
    out_dir: Path,
    stem: str,
    targets: tuple[str, ...],
    glossary: Glossary,
    mt: MtSettings,
    *,
    whisper_english: Transcript | None = None,
) -> LocalizeStageResult:
    """Source track -> aligned ``<stem>.<lang>.srt`` for every target (and the source,
    re-timed with them), glossary-enforced; cached by source text, targets, model,
    glossary and settings. The translation model is loaded only on a cache miss."""
    needs_mt = any(t != source.language and not (t == "en" and whisper_english) for t in targets)
    cache = StageCache(out_dir)
    key = stage_key(
        {
            "stage": "localize",
            "source": [[c.start_ms, c.end_ms, c.text] for c in source.cues],
            "language": source.language,
            "fps": source.fps,
            "targets": list(targets),
            "mt": mt_identity(mt) if needs_mt else "",
            "n_best": mt.n_best,
            "glossary": glossary_fingerprint(glossary),
            "whisper_english": whisper_english.to_json() if whisper_english else None,
        }
    )
    languages = tuple(dict.fromkeys((source.language, *targets)))
    cached = cache.load("localize", key)
    if cached is None:
        translator = load_translator(mt) if needs_mt else None
        result = localize(
            source,
            languages,
            glossary,
            translator=translator,
            whisper_english=whisper_english,
            n_best=mt.n_best,
        )
        cached = {
            "tracks": {
                lang: [[c.start_ms, c.end_ms, list(c.lines)] for c in track.cues]
                for lang, track in result.tracks.items()
            },
            "reports": {lang: r.to_json() for lang, r in result.reports.items()},
        }
        cache.store("localize", key, cached)
        was_cached = False
    else:
        was_cached = True
    tracks = {
        lang: Track(lang, tuple(Cue(a, b, tuple(lines)) for a, b, lines in cues), source.fps)
        for lang, cues in cached["tracks"].items()
    }
    paths = {
        lang: write_srt(track, out_dir / f"{stem}.{lang}.srt") for lang, track in tracks.items()
    }
    return LocalizeStageResult(
        tracks[source.language], tracks, paths, cached["reports"], was_cached
    )


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Everything ``scodub run`` does to one film."""

    asr: AsrSettings = field(default_factory=AsrSettings)
    targets: tuple[str, ...] = ()  # subtitle languages besides the spoken one
    glossary_files: tuple[Path, ...] = ()
    mt: MtSettings = field(default_factory=MtSettings)
    english_route: str = "mt"  # "whisper": English from Whisper's speech translation
    audio_stream: int | None = None
    dub: DubSettings | None = None  # None: no dubbing stage
    dub_langs: tuple[str, ...] | None = None  # None: every target except the spoken one

    def needs_mt(self) -> tuple[str, ...]:
        """Targets only a translation model can make, as far as is known before ASR."""
        return tuple(
            t
            for t in self.targets
            if t != self.asr.language and not (t == "en" and self.english_route == "whisper")
        )


@dataclass(frozen=True, slots=True)
class RunReport:
    film: Path
    out_dir: Path
    outputs: dict[str, str] = field(default_factory=dict)
    stages: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "film": str(self.film),
            "out_dir": str(self.out_dir),
            "outputs": self.outputs,
            "stages": self.stages,
        }


def load_run_glossary(files: tuple[Path, ...]) -> Glossary:
    return load_glossaries(files) if files else Glossary()


def preflight(film: Path, settings: RunSettings) -> Glossary:
    """Every check that can fail before the heavy work: input, glossary, models."""
    if not Path(film).exists():
        raise MediaError(film, "file does not exist")
    glossary = load_run_glossary(settings.glossary_files)
    if settings.needs_mt():
        mt_identity(settings.mt)  # a missing translation model fails here, before ASR
    prepare(settings.asr)
    if settings.dub is not None:
        check_video_copyable(film)
        for code in settings.dub_langs or settings.targets:
            resolve_voice(code, settings.dub.voices.get(code))  # a bad voice fails before ASR
    return glossary


def run_film(
    film: Path, out_dir: Path, settings: RunSettings, *, progress: Progress | None = None
) -> RunReport:
    """Transcribe, subtitle and translate one film; the report lists outputs and QC."""
    film = Path(film)
    glossary = preflight(film, settings)
    result = stage_transcribe(
        film,
        out_dir,
        settings.asr,
        glossary=glossary,
        audio_stream=settings.audio_stream,
        progress=progress,
    )
    fps = result.media.get("fps")
    transcript = result.transcript
    if transcript.language == "und":
        transcript = replace(transcript, language=settings.asr.language or "en")
    stem = film_stem(film)
    subs = stage_subtitles(transcript, out_dir, stem, fps, glossary)
    report = RunReport(
        film,
        out_dir,
        outputs={"transcript": str(result.path), f"srt.{subs.track.language}": str(subs.path)},
        stages={"transcribe": _transcribe_json(result, transcript)},
    )
    subtitles: dict[str, Any] = {subs.track.language: {"cues": len(subs.track.cues), "qc": subs.qc}}
    targets = tuple(t for t in settings.targets if t != transcript.language)
    if targets:
        english = None
        if "en" in targets and settings.english_route == "whisper":
            english = stage_transcribe(
                film,
                out_dir,
                replace(settings.asr, task="translate"),
                audio_stream=settings.audio_stream,
                progress=progress,
            ).transcript
        local = stage_localize(
            subs.track, out_dir, stem, targets, glossary, settings.mt, whisper_english=english
        )
        for lang, track in local.tracks.items():
            report.outputs[f"srt.{lang}"] = str(local.paths[lang])
            subtitles[lang] = {
                "cues": len(track.cues),
                "qc": check_track(track, fps).to_json(),
                **local.reports.get(lang, {}),
            }
        report.stages["localize"] = {"cached": local.cached, "targets": list(targets)}
    report.stages["subtitles"] = subtitles
    if settings.dub is not None:
        srts = {
            lang: Path(path)
            for name, path in report.outputs.items()
            if name.startswith("srt.") and (lang := name.removeprefix("srt."))
        }
        wanted = settings.dub_langs or targets
        missing = [lang for lang in wanted if lang not in srts]
        if missing:
            raise ConfigError(
                f"cannot dub {', '.join(missing)}: no subtitle track in that language; "
                "add it to --langs"
            )
        if wanted:
            dubbed = dub_film(
                film,
                {lang: srts[lang] for lang in wanted},
                out_dir,
                settings.dub,
                progress=progress,
            )
            write_dub_report(dubbed)
            report.outputs["delivery"] = str(dubbed.delivery)
            report.outputs.update({f"stem.{k}": str(v) for k, v in dubbed.stems.items()})
            report.stages["dub"] = dubbed.to_json()
    return report


def _transcribe_json(result: TranscribeResult, transcript: Transcript) -> dict[str, Any]:
    return {
        "cached": result.cached,
        "seconds": round(result.seconds, 3),
        "language": transcript.language,
        "language_probability": round(transcript.language_probability, 4),
        "task": transcript.task,
        "segments": len(transcript.segments),
        "words": len(transcript.words),
        "dropped_segments": transcript.dropped_segments,
        "corrections": transcript.to_json()["corrections"],
        "notes": list(result.notes),
        "media": result.media,
    }


def write_report(report: RunReport) -> Path:
    path = report.out_dir / f"{film_stem(report.film)}.report.json"
    write_json_atomic(path, report.to_json())
    return path
