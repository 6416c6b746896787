"""Run one film."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub import __version__
from scodub.asr.whisper import AsrSettings, prepare
from scodub.data import Transcript
from scodub.dub.voices import resolve_voice
from scodub.errors import ConfigError, MediaError
from scodub.fsutil import write_json_atomic
from scodub.media.ffmpeg import check_ffmpeg
from scodub.media.mux import check_video_copyable
from scodub.mt.localize import MtSettings, mt_identity
from scodub.names.glossary import Glossary
from scodub.names.io import load_glossaries
from scodub.stages.deliver import dub_film, write_dub_report
from scodub.stages.dub import DubSettings
from scodub.stages.localize import stage_localize
from scodub.stages.subtitles import stage_subtitles
from scodub.stages.transcribe import Progress, TranscribeResult, film_stem, stage_transcribe
from scodub.text.qc import check_track


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
    check_ffmpeg()  # one line naming the ffmpeg, the version needed and the fix
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
