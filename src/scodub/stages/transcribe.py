"""Transcribe stage."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scodub import __version__
from scodub.asr.speakers import SPEAKERS_AUTO, SpeakerSettings, label_speakers
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio
from scodub.data import Transcript, ms
from scodub.fsutil import sha256_file, write_json_atomic
from scodub.langs import LANGUAGES
from scodub.media.decode import check_complete, decode_audio, rms_dbfs
from scodub.media.probe import MediaInfo, choose_audio_stream, probe
from scodub.names.correct import correct
from scodub.names.glossary import Glossary
from scodub.names.prompt import hotwords
from scodub.stages.cache import StageCache, stage_key


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
    speakers: SpeakerSettings = SPEAKERS_AUTO,
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
            "speakers": speakers.key(),
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
        transcript, note = label_speakers(transcript, audio, speakers)
        notes.extend([note] if note else [])
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
