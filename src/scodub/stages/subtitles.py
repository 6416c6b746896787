"""Subtitles stage: the transcript -> the spoken language's track under its rules, with QC.

Glossary names are never split over two lines or cues where avoidable. A transcript whose
language is unknown (silence) takes the run's language, else English.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scodub.data import Track
from scodub.langs import subtitle_rules
from scodub.mt.localize import glossary_names
from scodub.serial import from_plain, to_plain
from scodub.stages.base import Stage, StageContext, register
from scodub.stages.glossary import GlossaryRef
from scodub.stages.transcribe import TranscribeStage
from scodub.text.numbers import apply_number_style
from scodub.text.qc import check_track
from scodub.text.segment import plan_cues


@dataclass(frozen=True, slots=True)
class SubtitleResult:
    track: Track
    qc: dict[str, Any]
    speech_ends: tuple[int, ...] = ()  # per cue, the end of its last word (ms)

    def to_json(self) -> dict[str, Any]:
        return {"track": to_plain(self.track), "qc": self.qc, "speech_ends": list(self.speech_ends)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubtitleResult:
        ends = tuple(int(t) for t in data["speech_ends"])
        return cls(from_plain(Track, data["track"]), dict(data["qc"]), ends)

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class SubtitlesStage(Stage[SubtitleResult]):
    transcribe: TranscribeStage
    glossary: GlossaryRef = field(default_factory=GlossaryRef)
    fallback_language: str = "en"  # for a transcript in no language (silence)

    name = "subtitles"
    version = 7  # 2: speech ends per cue; 3: number style; 4: speech ends cached, film end;
    # 5: a cue in the film's last moments kept up 5/6 s, title dots, out-times within 0.5 s;
    # 6: line breaks after a pronoun before a conjunction, quotes, "I", tags (breakcheck);
    # 7: numbers kept whole, hard wraps between graphemes, zero-width words, emoji widths

    def deps(self) -> tuple[Stage[Any], ...]:
        return (self.transcribe,)

    def identity(self) -> dict[str, Any]:
        return {"glossary": self.glossary.terms_key(), "fallback": self.fallback_language}

    def run(self, ctx: StageContext) -> SubtitleResult:
        transcript = ctx.result(self.transcribe).transcript
        if transcript.language == "und":
            transcript = replace(transcript, language=self.fallback_language)
        fps = self.transcribe.film.fps
        lang = subtitle_rules(transcript.language)
        glossary = self.glossary.load(ctx)
        names = glossary_names(glossary, lang.code) if len(glossary) and lang.nllb else ()
        # The spoken-language track writes numbers in the language's style (issue 8).
        words = apply_number_style(transcript.words, lang)
        film_end = self.transcribe.film.duration_ms or None
        plan = plan_cues(words, lang, fps, protected=names, end_ms=film_end)
        track = Track(lang.code, tuple(p.cue for p in plan), fps)
        ends = tuple(max(w.end_ms for w in words[p.first_word : p.end_word]) for p in plan)
        return SubtitleResult(track, check_track(track, fps).to_json(), ends)

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> SubtitleResult:
        return SubtitleResult.from_json(data)

