"""Localize stage: the source track -> aligned tracks for every target language.

Translation (only for the targets ``mt_targets`` names), glossary enforcement, and one
shared timing for every track, the source re-timed with them (``mt.localize``). The
source is the subtitles stage's track, or a track given as data (an editor's SRT).
The translation model is loaded only when the stage runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scodub.data import Track
from scodub.mt.backends import load_backends
from scodub.mt.localize import MtSettings, localize, mt_identity, mt_targets
from scodub.serial import from_plain, to_plain
from scodub.stages.base import Stage, StageContext, register
from scodub.stages.glossary import GlossaryRef
from scodub.stages.subtitles import SubtitlesStage
from scodub.stages.transcribe import TranscribeStage


@dataclass(frozen=True, slots=True)
class LocalizeStageResult:
    source: Track
    tracks: dict[str, Track]
    reports: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.language,
            "tracks": {lang: to_plain(track) for lang, track in self.tracks.items()},
            "reports": self.reports,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LocalizeStageResult:
        tracks = {str(k): from_plain(Track, v) for k, v in data["tracks"].items()}
        return cls(tracks[data["source"]], tracks, dict(data["reports"]))

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class LocalizeStage(Stage[LocalizeStageResult]):
    targets: tuple[str, ...]
    glossary: GlossaryRef
    mt: MtSettings
    mt_model: str = ""  # identity of the translation model ("" when none is needed)
    subtitles: SubtitlesStage | None = None
    source_track: Track | None = None  # instead of ``subtitles``: a given track
    english: TranscribeStage | None = None  # Whisper's speech translation into English
    # with ``source_track``: where the film ends, when known (no out-time moves past it)
    film_end_ms: int | None = None

    name = "localize"
    version = 4  # 2: markup carried around the translation; no cue past the film's end;
    # 3: a speaker's line keeps its own markup, a name in markup is wrapped again;
    # 4: a name written as the ordinary words it is made of is none ("a white ant");
    # the line breaks of subtitles' version 7

    @classmethod
    def build(
        cls,
        source_language: str | None,
        targets: tuple[str, ...],
        glossary: GlossaryRef,
        mt: MtSettings,
        *,
        subtitles: SubtitlesStage | None = None,
        source_track: Track | None = None,
        english: TranscribeStage | None = None,
        film_end_ms: int | None = None,
    ) -> LocalizeStage:
        """The stage; the translation model is identified (and so checked) here, and only
        when some target needs it."""
        needed = mt_targets(source_language, targets, english is not None)
        model = mt_identity(mt, needed) if needed else ""
        return cls(targets, glossary, mt, model, subtitles, source_track, english, film_end_ms)

    def label(self) -> str:
        return f"localize {','.join(self.targets)}"

    def model(self) -> str | None:
        return f"mt:{self.mt_model}" if self.mt_model else None

    def deps(self) -> tuple[Stage[Any], ...]:
        return tuple(s for s in (self.subtitles, self.english) if s is not None)

    def identity(self) -> dict[str, Any]:
        given = self.source_track
        return {
            "source": to_plain(given) if given is not None else None,
            "targets": list(self.targets),
            "mt": self.mt_model,
            "n_best": self.mt.n_best if self.mt_model else None,
            "glossary": self.glossary.terms_key(),
            **({"film_end_ms": self.film_end_ms} if self.film_end_ms else {}),
        }

    def run(self, ctx: StageContext) -> LocalizeStageResult:
        if self.subtitles is not None:
            source = ctx.result(self.subtitles).track
        elif self.source_track is not None:
            source = self.source_track
        else:
            raise ValueError("a localize stage needs a source track")
        english = ctx.result(self.english).transcript if self.english is not None else None
        languages = tuple(dict.fromkeys((source.language, *self.targets)))
        translator = None
        needed = mt_targets(source.language, languages, english is not None)
        if needed:
            key = f"mt:{self.mt_model}"
            if key not in ctx.models:
                # An LLM backend keeps each answer under OUT/.scodub/mt-llm/: a re-run
                # after a failure re-sends nothing already answered.
                ctx.models[key] = load_backends(self.mt, list(needed), ctx.cache)
            translator = ctx.models[key]
        result = localize(
            source,
            languages,
            self.glossary.load(ctx),
            translator=translator,
            whisper_english=english,
            n_best=self.mt.n_best,
            end_ms=self.subtitles.transcribe.film.duration_ms
            if self.subtitles
            else self.film_end_ms,
        )
        reports = {lang: r.to_json() for lang, r in result.reports.items()}
        return LocalizeStageResult(result.tracks[source.language], dict(result.tracks), reports)

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> LocalizeStageResult:
        return LocalizeStageResult.from_json(data)

