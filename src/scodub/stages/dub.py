"""The dubbing stage: one language's SRT track -> a dubbed, mixed and checked audio track.

Per language (``stage_dub_language``, cached and resumable): the cues are checked
(order, overlap, text, speakable by the voice), every line is spoken inside its slot
(``dub.fitting``), the lines are laid on a stem and mixed over the ducked original or
over silence at EBU R128 (``dub.mix``), and the mix (what the audience hears) is
transcribed back with Whisper and compared with the script (WER; CER for Chinese,
``dub.backcheck``). ``scodub.stages.deliver.dub_film`` runs every language and muxes the film.

The cache lives in ``OUT/.scodub/dub/``: ``<key>.json`` (fitting, loudness) beside
``<key>.flac`` (the finished mix); a language's key holds the film's content hash, the
cues, the voice's identity and every setting that changes the mix, so a finished
language survives a later language's failure and a re-run does not synthesize it again.

Speakers (``dub.casting``): with the transcript's speaker timeline, every speaker gets a
voice of their kind in each language, each line is spoken by its speaker's voice (a
dual-speaker cue as two lines), and the report maps speaker -> voice per language.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np

from scodub import __version__
from scodub.asr.whisper import AsrSettings
from scodub.data import Cue, Track
from scodub.dub.backcheck import Backcheck, backcheck
from scodub.dub.casting import (
    SpeakerTimeline,
    cast_speakers,
    cue_speakers,
    resolve_cast,
    spoken_cues,
)
from scodub.dub.checks import check_dub_track, check_speakable
from scodub.dub.fitting import (
    FitPolicy,
    FitSummary,
    FittedLine,
    fit_lines,
    render_stem,
    summarize,
    write_wav,
)
from scodub.dub.mix import (
    DUCK_ATTACK_MS,
    DUCK_DB,
    DUCK_RELEASE_MS,
    MIX_SAMPLE_RATE,
    MixResult,
    mix_dub,
)
from scodub.dub.piper_voice import PiperVoice, config_path_for
from scodub.dub.voices import Voice, VoiceInfo, describe_voice, resolve_voice
from scodub.errors import ConfigError
from scodub.fsutil import ensure_writable_dir
from scodub.langs import get_language
from scodub.media.loudness import Loudness
from scodub.media.probe import AudioStream, MediaInfo, choose_audio_stream, probe
from scodub.stages.cache import StageCache, stage_key
from scodub.text.srt import read_srt, write_srt

#: Bump when fitting or mixing changes what a cached mix would hold.
DUB_CACHE_VERSION = 1
STAGE = "dub"
StemFormat = Literal["wav", "m4a"]
STEM_FORMATS: tuple[StemFormat, ...] = ("wav", "m4a")
#: Python distributions behind each TTS engine (their versions go into the cache key).
_ENGINE_PACKAGES = {"piper": "piper-tts", "espeak-ng": "espeakng-loader"}


@dataclass(frozen=True, slots=True)
class DubSettings:
    """How the film is dubbed (what goes into the cache key is marked in ``key``)."""

    voices: Mapping[str, str] = field(default_factory=dict)  # language -> voice spec
    background: bool = True  # False: the dub over silence (--no-background)
    stems: StemFormat | None = None  # also write <film>.<lang>.dub.wav / .m4a
    force: bool = False  # overwrite an existing delivery file or stem
    backcheck: bool = True  # transcribe each mix back and score it against the script
    # Whisper for the back-check (its language is set per track)
    asr: AsrSettings = field(default_factory=AsrSettings)
    audio_stream: int | None = None  # the film's n-th audio stream; default: the first
    encoding: str = "utf-8"  # of the SRT files
    policy: FitPolicy = field(default_factory=FitPolicy)
    # --voice LANG:SPEAKER=VOICE: language -> speaker -> voice spec (dub.casting)
    speaker_voices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Who speaks when, from the transcript (None: one voice per language)
    timeline: SpeakerTimeline | None = None

    def validate(self) -> DubSettings:
        if self.stems is not None and self.stems not in STEM_FORMATS:
            raise ConfigError(
                f"stem format {self.stems!r} is unknown; expected one of: {', '.join(STEM_FORMATS)}"
            )
        voices = {get_language(code).code: spec for code, spec in self.voices.items()}
        cast = {get_language(code).code: dict(m) for code, m in self.speaker_voices.items()}
        return replace(self, voices=voices, speaker_voices=cast)

    def key(self) -> dict[str, Any]:
        """The settings that change a language's mix."""
        return {
            "background": self.background,
            "policy": asdict(self.policy),
            "mix": {
                "duck_db": DUCK_DB,
                "attack_ms": DUCK_ATTACK_MS,
                "release_ms": DUCK_RELEASE_MS,
                "sample_rate": MIX_SAMPLE_RATE,
            },
        }


@dataclass(frozen=True, slots=True)
class LanguageDub:
    """One language's finished dub: its voice, fitted lines, mix and back-check."""

    language: str
    source: str  # the SRT file it came from (or "<lang> track" for an in-memory track)
    voice: VoiceInfo
    lines: tuple[FittedLine, ...]  # audio is empty when the result came from the cache
    mix: MixResult
    subtitles: Path  # the UTF-8 SRT that goes into the delivery file
    key: str
    cached: bool
    seconds: float
    backcheck: Backcheck | None = None
    cast: Mapping[str, VoiceInfo] = field(default_factory=dict)  # speaker -> voice

    @property
    def fit(self) -> FitSummary:
        return summarize(self.language, self.voice.voice, self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "source": self.source,
            "voice": self.voice.to_json(),
            "speakers": {speaker: info.to_json() for speaker, info in self.cast.items()},
            "fit": self.fit.to_json(),
            "loudness": {
                "integrated_lufs": round(self.mix.integrated_lufs, 2),
                "true_peak_dbtp": round(self.mix.true_peak_dbtp, 2),
                "lra": round(self.mix.lra, 2),
                "meets_target": self.mix.meets_target,
                "target": asdict(self.mix.target),
                "normalization": self.mix.normalization,
                "dub_gain_db": self.mix.dub_gain_db,
                "duck_db": self.mix.duck_db,
                "background": self.mix.background,
            },
            "backcheck": self.backcheck.to_json() if self.backcheck else None,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "mix": str(self.mix.path),
            "subtitles": str(self.subtitles),
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True, slots=True)
class FilmAudio:
    """The film and the audio stream that is dubbed over: what every language needs."""

    film: Path
    info: MediaInfo
    stream: AudioStream
    duration_ms: int  # the stream's length: the dub and the mix are this long


def film_audio(film: Path, audio_stream: int | None = None) -> FilmAudio:
    """Probe ``film`` and choose its ``audio_stream`` (n-th audio stream; the first)."""
    info = probe(film)
    stream = choose_audio_stream(info, audio_stream)
    return FilmAudio(Path(film), info, stream, stream.duration_ms or info.duration_ms)


@dataclass(frozen=True, slots=True)
class LanguageJob:
    """One language, checked and ready: its track, where it came from, and its voice."""

    track: Track
    source: str
    voice: Voice
    spoken: tuple[Cue, ...]  # the lines spoken: a dual-speaker cue gives two
    cast: Mapping[str, Voice] = field(default_factory=dict)  # speaker -> voice

    def line_voices(self) -> list[Voice]:
        """The voice of every spoken line: its speaker's, else the language's."""
        return [
            self.cast.get(cue.speakers[0], self.voice) if cue.speakers else self.voice
            for cue in self.spoken
        ]


def _load_track(code: str, value: Track | Path | str, fps: float | None, encoding: str) -> Track:
    if isinstance(value, Track):
        if get_language(value.language).code != code:
            raise ConfigError(
                f"the track given for {code} is in {value.language}; give each language its "
                "own track"
            )
        return value
    return read_srt(Path(value), code, encoding=encoding, fps=fps)


def prepare_language(
    media: FilmAudio, code: str, value: Track | Path | str, settings: DubSettings
) -> LanguageJob:
    """Read and check one language's track and voice before any synthesis: the cues
    (``dub.checks``), the voice (``--voice`` or the default), and that it can read them."""
    track = _load_track(code, value, media.info.fps, settings.encoding)
    source = str(value.meta.get("path", f"{code} track") if isinstance(value, Track) else value)
    check_dub_track(track, media.duration_ms, source)
    voice = resolve_voice(code, settings.voices.get(code))
    check_speakable(track, voice, source)
    track = cue_speakers(track, settings.timeline)
    cast: dict[str, Voice] = {}
    if settings.timeline is not None and settings.timeline.speakers:
        specs = cast_speakers(
            code,
            settings.timeline.speakers,
            settings.voices.get(code),
            settings.speaker_voices.get(code),
        )
        cast = resolve_cast(code, specs)
        for cast_voice in {v.name: v for v in cast.values()}.values():
            check_speakable(track, cast_voice, source)
    return LanguageJob(track, source, voice, spoken_cues(track), cast)


def _package_version(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _voice_identity(voice: Voice, cache: StageCache) -> dict[str, Any]:
    """What makes a voice sound the way it does: engine and version, model file content."""
    engine = str(getattr(voice, "engine_name", type(voice).__name__))
    identity: dict[str, Any] = {
        **describe_voice(voice).to_json(),
        "engine": engine,
        "engine_version": _package_version(_ENGINE_PACKAGES.get(engine)),
    }
    if isinstance(voice, PiperVoice):
        identity["model"] = cache.content_hash(voice.model_path)
        identity["config"] = cache.content_hash(config_path_for(voice.model_path))
    return identity


def _duck_spans(cues: tuple[Cue, ...], lines: list[FittedLine]) -> list[tuple[int, int]]:
    """Where the original is ducked: from a cue's in-time until both the original line
    (the cue) and the dubbed line have ended."""
    return [
        (cue.start_ms, max(cue.end_ms, line.end_ms, cue.start_ms + 1))
        for cue, line in zip(cues, lines, strict=True)
    ]


def _stored_result(voice: VoiceInfo, lines: list[FittedLine], mix: MixResult) -> dict[str, Any]:
    return {
        "scodub": __version__,
        "voice": voice.to_json(),
        "lines": [line.to_json() for line in lines],
        "mix": {
            "integrated_lufs": mix.integrated_lufs,
            "true_peak_dbtp": mix.true_peak_dbtp,
            "lra": mix.lra,
            "normalization": mix.normalization,
            "dub_gain_db": mix.dub_gain_db,
            "duck_db": mix.duck_db,
            "duration_ms": mix.duration_ms,
            "background": mix.background,
        },
    }


_LINE_FIELDS = frozenset(f.name for f in fields(FittedLine)) - {"sample_rate", "audio"}


def _load_stored(
    stored: dict[str, Any] | None, mix_path: Path, sample_rate: int
) -> tuple[list[FittedLine], MixResult] | None:
    """The cached lines (without their audio: the mix holds it) and mix measurements;
    None when nothing usable is cached (no entry, no mix file, a damaged entry)."""
    if stored is None or not mix_path.is_file():
        return None
    try:
        return _from_stored(stored, mix_path, sample_rate)
    except (KeyError, TypeError, ValueError):
        return None


def _from_stored(
    stored: dict[str, Any], mix_path: Path, sample_rate: int
) -> tuple[list[FittedLine], MixResult]:
    silent = np.zeros(0, dtype=np.float32)
    lines = [
        FittedLine(
            **{name: value for name, value in line.items() if name in _LINE_FIELDS},
            sample_rate=sample_rate,
            audio=silent,
        )
        for line in stored["lines"]
    ]
    saved = stored["mix"]
    mix = MixResult(
        path=mix_path,
        loudness=Loudness(saved["integrated_lufs"], saved["true_peak_dbtp"], saved["lra"]),
        normalization=saved["normalization"],
        dub_gain_db=saved["dub_gain_db"],
        duck_db=saved["duck_db"],
        duration_ms=saved["duration_ms"],
        background=saved["background"],
    )
    return lines, mix


def _synthesize_and_mix(
    media: FilmAudio, job: LanguageJob, mix_path: Path, scratch_root: Path, settings: DubSettings
) -> tuple[list[FittedLine], MixResult]:
    voice, duration_ms = job.voice, media.duration_ms
    lines = fit_lines(
        job.spoken, voice, duration_ms, fps=media.info.fps, policy=settings.policy,
        voices=job.line_voices(),
    )  # fmt: skip
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dub-", dir=scratch_root) as scratch:
        stem = Path(scratch) / "stem.wav"
        write_wav(stem, render_stem(lines, duration_ms, voice.sample_rate), voice.sample_rate)
        mix = mix_dub(
            media.film, media.stream.position, stem, _duck_spans(job.spoken, lines), mix_path,
            background=settings.background,
        )  # fmt: skip
    return lines, mix


def run_language(
    media: FilmAudio, job: LanguageJob, out_dir: Path, settings: DubSettings
) -> LanguageDub:
    """Dub one checked language into ``out_dir``, or reuse its cached mix; back-check it."""
    started = time.perf_counter()
    cache = StageCache(out_dir)
    track, voice = job.track, job.voice
    key = stage_key(
        {
            "stage": STAGE,
            "version": DUB_CACHE_VERSION,
            "film": cache.content_hash(media.film),
            "stream": media.stream.position,
            "duration_ms": media.duration_ms,
            "fps": media.info.fps,
            "language": track.language,
            "cues": [[cue.start_ms, cue.end_ms, cue.flat_text] for cue in track.cues],
            "voice": _voice_identity(voice, cache),
            **(
                {
                    "spoken": [
                        [c.start_ms, c.end_ms, c.flat_text, *c.speakers] for c in job.spoken
                    ],
                    "cast": {s: _voice_identity(v, cache) for s, v in job.cast.items()},
                }
                if job.cast
                else {}
            ),
            "settings": settings.key(),
        }
    )
    subtitles = write_srt(track, cache.path(STAGE, key, ".srt"))
    mix_path = cache.path(STAGE, key, ".flac")
    loaded = _load_stored(cache.load(STAGE, key), mix_path, voice.sample_rate)
    cached = loaded is not None
    if loaded is not None:
        lines, mix = loaded
    else:
        lines, mix = _synthesize_and_mix(media, job, mix_path, cache.root, settings)
        cache.store(STAGE, key, _stored_result(describe_voice(voice), lines, mix))
    checked = (
        backcheck(
            mix_path,
            track.language,
            job.spoken,
            [(line.start_ms, line.end_ms) for line in lines],
            settings.asr,
            cache=cache,
            mix_key=key,
        )
        if settings.backcheck
        else None
    )
    return LanguageDub(
        language=track.language,
        source=job.source,
        voice=describe_voice(voice),
        lines=tuple(lines),
        mix=mix,
        subtitles=subtitles,
        key=key,
        cached=cached,
        seconds=time.perf_counter() - started,
        backcheck=checked,
        cast={speaker: describe_voice(v) for speaker, v in job.cast.items()},
    )


def stage_dub_language(
    film: Path, track: Track | Path, out_dir: Path, settings: DubSettings,
    *, language: str | None = None,
) -> LanguageDub:  # fmt: skip
    """Dub one language of ``film`` into ``out_dir`` (its cache): check the track and the
    voice, fit, mix, back-check. Reads the film and the track, writes only in ``out_dir``.

    ``track`` is a Track or an SRT file; an SRT file needs ``language``.
    """
    film, out_dir = Path(film), Path(out_dir)
    settings = settings.validate()
    if isinstance(track, Track):
        code = get_language(language or track.language).code
    elif language is None:
        raise ConfigError(f"{track}: say which language this SRT file is in")
    else:
        code = get_language(language).code
    media = film_audio(film, settings.audio_stream)
    job = prepare_language(media, code, track, settings)
    ensure_writable_dir(out_dir)
    return run_language(media, job, out_dir, settings)
