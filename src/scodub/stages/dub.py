"""The dubbing stages: one language's track -> a dubbed, mixed audio track.

``SoundtrackStage`` measures the film's original soundtrack once (its loudness sets the
dub's level). ``DubStage``, per language: the cues are checked (order, overlap, text,
speakable by the voice), every line is spoken inside its slot (``dub.fitting``), the
lines are laid on a stem and mixed over the ducked original or over silence at EBU R128
(``dub.mix``). The mix and the subtitles that go with it are the stage's artefacts in
``OUT/.scodub/dub/``, verified on every read. The back-check and the delivery are
their own stages (``stages.backcheck``, ``stages.deliver``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np

from scodub import __version__
from scodub.data import Cue, Track
from scodub.dub.casting import (
    SpeakerTimeline,
    cast_speakers,
    cue_speakers,
    pulled_voices,
    resolve_cast,
    spoken_cues,
    spoken_numbers,
)
from scodub.dub.checks import check_dub_track, check_speakable
from scodub.dub.duck import DUCK_ATTACK_MS, DUCK_DB, DUCK_RELEASE_MS
from scodub.dub.fitting import (
    FitPolicy,
    FittedLine,
    iter_fit_lines,
    write_stem,
)
from scodub.dub.linecache import LineStore
from scodub.dub.mix import MIX_SAMPLE_RATE, MixResult, mix_dub
from scodub.dub.piper_voice import PiperVoice, config_path_for
from scodub.dub.voices import Voice, VoiceInfo, describe_voice, resolve_voice
from scodub.errors import ConfigError
from scodub.langs import get_language
from scodub.media.loudness import Loudness, measure_loudness
from scodub.scratch import temporary_folder
from scodub.serial import from_plain, to_plain
from scodub.stages.base import Stage, StageContext, register
from scodub.stages.cache import StageCache
from scodub.stages.film import Film
from scodub.stages.localize import LocalizeStage
from scodub.stages.shots import SnapStage
from scodub.stages.subtitles import SubtitlesStage
from scodub.stages.transcribe import TranscribeStage
from scodub.text.srt import write_srt

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

    def first_cast(self) -> str | None:
        """The first ``--voice LANG:SPEAKER=...`` as written (None: no speaker cast by hand)."""
        for code, cast in sorted(self.speaker_voices.items()):
            for speaker in sorted(cast):
                return f"--voice {code}:{speaker}=..."
        return None

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
class LoudnessResult:
    loudness: Loudness

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_plain(self.loudness)
        return data

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class SoundtrackStage(Stage[LoudnessResult]):
    """The original soundtrack's loudness: measured once per film, for every language."""

    film: Film

    name = "soundtrack"

    def identity(self) -> dict[str, Any]:
        return {"film": self.film.content_hash, "stream": self.film.audio_position}

    def run(self, ctx: StageContext) -> LoudnessResult:
        return LoudnessResult(measure_loudness(self.film.path, self.film.stream.position))

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> LoudnessResult:
        return LoudnessResult(from_plain(Loudness, data))


@dataclass(frozen=True, slots=True)
class DubResult:
    """One language's dub: the track it speaks, the voice, the fitted lines, the mix."""

    track: Track
    voice: VoiceInfo
    lines: tuple[FittedLine, ...]  # without their audio: the mix holds it
    mix: MixResult
    subtitles: Path  # the UTF-8 SRT that goes into the delivery file
    spoken: tuple[Cue, ...] = ()  # the lines spoken: a dual-speaker cue gives two
    cast: dict[str, VoiceInfo] = field(default_factory=dict)  # speaker -> voice

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "track": to_plain(self.track),
            "voice": self.voice.to_json(),
            "lines": [line.to_json() for line in self.lines],
            "mix": {
                "path": str(self.mix.path),
                "integrated_lufs": self.mix.integrated_lufs,
                "true_peak_dbtp": self.mix.true_peak_dbtp,
                "lra": self.mix.lra,
                "normalization": self.mix.normalization,
                "dub_gain_db": self.mix.dub_gain_db,
                "duck_db": self.mix.duck_db,
                "duration_ms": self.mix.duration_ms,
                "background": self.mix.background,
            },
            "subtitles": str(self.subtitles),
            "spoken": [to_plain(cue) for cue in self.spoken],
            "cast": {speaker: info.to_json() for speaker, info in self.cast.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DubResult:
        voice = from_plain(VoiceInfo, data["voice"])
        lines, mix = _from_stored(data, Path(data["mix"]["path"]), voice.sample_rate)
        spoken = tuple(from_plain(Cue, cue) for cue in data["spoken"])
        cast = {str(s): from_plain(VoiceInfo, v) for s, v in data["cast"].items()}
        return cls(
            from_plain(Track, data["track"]), voice, tuple(lines), mix, Path(data["subtitles"]),
            spoken, cast,
        )  # fmt: skip

    def files(self) -> tuple[Path, ...]:
        return (self.mix.path, self.subtitles)


TrackSource = SnapStage | LocalizeStage | SubtitlesStage


@register
@dataclass(frozen=True, slots=True)
class DubStage(Stage[DubResult]):
    film: Film
    language: str
    settings: DubSettings
    voice_id: dict[str, Any]  # what makes the voice sound as it does (see ``voice_identity``)
    source: TrackSource | None = None  # the stage whose track in ``language`` is dubbed
    track: Track | None = None  # instead of ``source``: a given track (an SRT file)
    source_name: str = ""  # where the track came from, for the report
    soundtrack: SoundtrackStage | None = None  # the original's loudness (with background)
    transcribe: TranscribeStage | None = None  # who speaks when (speaker turns)
    # the content of the Piper voices speakers may be cast to (see ``build``)
    cast_ids: dict[str, Any] = field(default_factory=dict)

    name = "dub"
    version = 2  # 2: each line carries the number of its cue in the file (a dual-speaker
    # cue's two lines were numbered as lines, every later cue named one too high)

    @classmethod
    def build(
        cls,
        film: Film,
        language: str,
        settings: DubSettings,
        ctx: StageContext,
        *,
        source: TrackSource | None = None,
        track: Track | None = None,
        source_name: str = "",
        transcribe: TranscribeStage | None = None,
    ) -> DubStage:
        """The stage; the voices are resolved (and so checked) here, before any work
        (``transcribe``: the stage whose speaker turns cast a voice per speaker)."""
        voice = resolve_voice(language, settings.voices.get(language))
        # What the voices speakers may be cast to sound like: a voice file changed at the
        # same path (a voice pulled again) dubs those speakers again.
        cast_ids: dict[str, Any] = {}
        for speaker, spec in sorted(settings.speaker_voices.get(language, {}).items()):
            cast_ids[speaker] = _file_identity(resolve_voice(language, spec), ctx.cache)
        if transcribe is not None or settings.timeline is not None:  # speakers to cast
            for name, pulled in pulled_voices(language).items():
                cast_ids[f"pulled:{name}"] = _file_identity(pulled, ctx.cache)
        ctx.models[f"voice:{language}:{settings.voices.get(language)}"] = voice
        soundtrack = SoundtrackStage(film) if settings.background else None
        name = source_name or f"{language} track"
        return cls(
            film,
            language,
            settings,
            voice_identity(voice, ctx.cache),
            source,
            track,
            name,
            soundtrack,
            transcribe,
            {key: value for key, value in cast_ids.items() if value},
        )

    def label(self) -> str:
        return f"dub {self.language}"

    def model(self) -> str:
        return f"voice:{self.voice_id.get('voice')}"

    def deps(self) -> tuple[Stage[Any], ...]:
        return tuple(s for s in (self.source, self.soundtrack, self.transcribe) if s is not None)

    def identity(self) -> dict[str, Any]:
        given = self.track
        offset = self.film.stream.read_offset_ms if self.film.audio_position is not None else 0
        # the original under the dub on the film's timeline in an MPEG-TS (earlier: at 0)
        where = {"read_offset_ms": offset} if offset else {}
        return {
            **where,
            "film": self.film.content_hash,
            "stream": self.film.audio_position,
            "duration_ms": self.film.duration_ms,
            "fps": self.film.fps,
            "language": self.language,
            # each line as written: a moved line break changes the subtitles the delivery
            # carries, and a dual-speaker cue's two lines are two voices
            "cues": [[c.start_ms, c.end_ms, list(c.lines), list(c.speakers)] for c in given.cues]
            if given
            else None,
            "voice": self.voice_id,
            "settings": self.settings.key(),
            "speaker_voices": dict(self.settings.speaker_voices.get(self.language, {})),
            "timeline": to_plain(self.settings.timeline) if self.settings.timeline else None,
            **({"cast_voices": self.cast_ids} if self.cast_ids else {}),
        }

    def the_track(self, ctx: StageContext) -> Track:
        if self.track is not None:
            return self.track
        if isinstance(self.source, SnapStage):
            return ctx.result(self.source).tracks[self.language]
        if isinstance(self.source, LocalizeStage):
            return ctx.result(self.source).tracks[self.language]
        if isinstance(self.source, SubtitlesStage):
            return ctx.result(self.source).track
        raise ValueError(f"the {self.language} dub has no track")

    def voice(self, ctx: StageContext) -> Voice:
        name = f"voice:{self.language}:{self.settings.voices.get(self.language)}"
        if name not in ctx.models:
            ctx.models[name] = resolve_voice(self.language, self.settings.voices.get(self.language))
        voice: Voice = ctx.models[name]
        return voice

    def timeline(self, ctx: StageContext) -> SpeakerTimeline | None:
        """Who speaks when: given with the settings, else the transcript's speaker turns."""
        if self.settings.timeline is not None or self.transcribe is None:
            return self.settings.timeline
        return SpeakerTimeline.of(ctx.result(self.transcribe).transcript)

    def run(self, ctx: StageContext) -> DubResult:
        voice, film, code = self.voice(ctx), self.film, self.language
        timeline = self.timeline(ctx)
        track = _within(cue_speakers(self.the_track(ctx), timeline), film.duration_ms)
        # A film in which no speech was heard has tracks with no cues: its dub is its own
        # soundtrack, with nothing voiced (a track given as a file must have cues).
        if track.cues or self.track is not None:
            check_dub_track(track, film.duration_ms, self.source_name)
        check_speakable(track, voice, self.source_name)
        cast: dict[str, Voice] = {}
        manual = self.settings.speaker_voices.get(code)
        speakers = timeline.speakers if timeline is not None else ()
        if speakers or manual:  # a speaker cast by hand must be in the transcript
            specs = cast_speakers(code, speakers, self.settings.voices.get(code), manual)
            cast = resolve_cast(code, specs)
            for cast_voice in {v.name: v for v in cast.values()}.values():
                check_speakable(track, cast_voice, self.source_name)
        spoken = spoken_cues(track)
        voices = [cast.get(c.speakers[0], voice) if c.speakers else voice for c in spoken]
        original = ctx.result(self.soundtrack).loudness if self.soundtrack else None
        key = self.key()
        mix_path = ctx.cache.path(self.name, key, ".flac")
        subtitles = write_srt(track, ctx.cache.path(self.name, key, ".srt"))
        # Lines unchanged since an earlier dub of this film (an editor changed others) are
        # reused from each voice's line store, not voiced again.
        stores = {
            v.name: LineStore(
                ctx.cache.root / "dub-lines", voice_identity(v, ctx.cache), self.settings.policy
            )
            for v in (voice, *cast.values())
        }
        fitted = iter_fit_lines(
            spoken, voice, film.duration_ms, fps=film.fps, policy=self.settings.policy,
            voices=voices, stores=stores, numbers=spoken_numbers(track),
        )  # fmt: skip
        with temporary_folder("dub-", outside_run=ctx.cache.root / "tmp") as scratch:
            stem = scratch / "stem.wav"
            # Streamed line by line (kept without their audio): a feature film's dub is
            # never whole in memory.
            lines = write_stem(stem, fitted, film.duration_ms, voice.sample_rate)
            mix = mix_dub(
                film.path,
                film.stream.position,
                stem,
                _duck_spans(spoken, lines),
                mix_path,
                background=self.settings.background,
                original_info=film.info,
                original_loudness=original,
            )
        infos = {speaker: describe_voice(v) for speaker, v in cast.items()}
        return DubResult(track, describe_voice(voice), tuple(lines), mix, subtitles, spoken, infos)

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> DubResult:
        return DubResult.from_json(data)


def _package_version(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def voice_identity(voice: Voice, cache: StageCache) -> dict[str, Any]:
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


def _file_identity(voice: Voice, cache: StageCache) -> dict[str, str]:
    """The content of a Piper voice's files (empty for espeak-ng: its version is the
    engine's, in every dub's key through the language's voice)."""
    if not isinstance(voice, PiperVoice):
        return {}
    return {
        "model": cache.content_hash(voice.model_path),
        "config": cache.content_hash(config_path_for(voice.model_path)),
    }


def _duck_spans(cues: tuple[Cue, ...], lines: list[FittedLine]) -> list[tuple[int, int]]:
    """Where the original is ducked: from a cue's in-time until both the original line
    (the cue) and the dubbed line have ended."""
    return [
        (cue.start_ms, max(cue.end_ms, line.end_ms, cue.start_ms + 1))
        for cue, line in zip(cues, lines, strict=True)
    ]


_LINE_FIELDS = frozenset(f.name for f in fields(FittedLine)) - {"sample_rate", "audio"}


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


def _within(track: Track, end_ms: int) -> Track:
    """``track`` with no cue running past the film's end (a cue that starts after it is
    refused by ``check_dub_track``): the delivery is never longer than the film."""
    if end_ms <= 0 or all(cue.end_ms <= end_ms for cue in track.cues):
        return track
    cues = tuple(
        replace(cue, end_ms=max(cue.start_ms, min(cue.end_ms, end_ms))) for cue in track.cues
    )
    return replace(track, cues=cues)
