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
from scodub.cache import StageCache, stage_key
from scodub.data import Track, Transcript
from scodub.errors import MediaError
from scodub.fsutil import write_json_atomic
from scodub.langs import get_language
from scodub.media import (
    MediaInfo,
    check_complete,
    choose_audio_stream,
    decode_audio,
    probe,
    rms_dbfs,
)
from scodub.qc import check_track
from scodub.segment import segment_words
from scodub.subtitles import write_srt

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
    audio_stream: int | None = None,
    progress: Progress | None = None,
) -> TranscribeResult:
    """Film -> transcript JSON with word timings, reusing a cached result when possible."""
    started = time.perf_counter()
    film = Path(film)
    info = probe(film)
    stream = choose_audio_stream(info, audio_stream, settings.language)
    settings, model = prepare(settings)
    cache = StageCache(out_dir)
    key = stage_key(
        {
            "stage": "transcribe",
            "film": cache.content_hash(film),
            "stream": stream.position,
            "asr": settings.key(model),
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
            settings.language or "und", 0.0, int(len(audio) / 16), (), settings.task
        )
    else:
        total = len(audio) / 16000

        def _tick(done: float) -> None:
            if progress:
                progress("transcribe", min(done, total), total)

        transcript = transcribe_audio(audio, settings, model, _tick)
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
    transcript: Transcript, out_dir: Path, stem: str, fps: float | None
) -> SubtitleResult:
    """Transcript -> ``<stem>.<lang>.srt`` under the language's rules, with its QC report."""
    lang = get_language(transcript.language)
    cues = segment_words(transcript.words, lang, fps)
    track = Track(lang.code, cues, fps)
    path = out_dir / f"{stem}.{lang.code}.srt"
    write_srt(track, path)
    return SubtitleResult(track, path, check_track(track, fps).to_json())


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


def run_transcription(
    film: Path,
    out_dir: Path,
    settings: AsrSettings,
    *,
    audio_stream: int | None = None,
    progress: Progress | None = None,
) -> tuple[RunReport, TranscribeResult, SubtitleResult]:
    """Transcribe and subtitle one film; the report lists outputs, QC and timings."""
    film = Path(film)
    if not film.exists():
        raise MediaError(film, "file does not exist")
    result = stage_transcribe(film, out_dir, settings, audio_stream=audio_stream, progress=progress)
    fps = result.media.get("fps")
    transcript = result.transcript
    if transcript.language == "und":
        transcript = replace(transcript, language=settings.language or "en")
    subs = stage_subtitles(transcript, out_dir, film_stem(film), fps)
    report = RunReport(
        film,
        out_dir,
        outputs={"transcript": str(result.path), f"srt.{subs.track.language}": str(subs.path)},
        stages={
            "transcribe": {
                "cached": result.cached,
                "seconds": round(result.seconds, 3),
                "language": transcript.language,
                "language_probability": round(transcript.language_probability, 4),
                "task": transcript.task,
                "segments": len(transcript.segments),
                "words": len(transcript.words),
                "dropped_segments": transcript.dropped_segments,
                "corrections": [c for c in transcript.to_json()["corrections"]],
                "notes": list(result.notes),
                "media": result.media,
            },
            "subtitles": {subs.track.language: {"cues": len(subs.track.cues), "qc": subs.qc}},
        },
    )
    return report, result, subs


def write_report(report: RunReport) -> Path:
    path = report.out_dir / f"{film_stem(report.film)}.report.json"
    write_json_atomic(path, report.to_json())
    return path
