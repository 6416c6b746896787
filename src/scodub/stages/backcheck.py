"""Back-check stage: a language's mix transcribed back by Whisper, scored against its
script (``dub.backcheck``); cached by the mix's key and the ASR settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from scodub.asr.whisper import AsrSettings, prepare
from scodub.dub.backcheck import Backcheck, backcheck, backcheck_settings
from scodub.langs import get_language
from scodub.serial import from_plain, to_plain
from scodub.stages.base import Resources, Stage, StageContext, register
from scodub.stages.dub import DubStage


@register
@dataclass(frozen=True, slots=True)
class BackcheckStage(Stage[Backcheck]):
    dub: DubStage
    asr: AsrSettings
    model_id: str = ""  # Whisper's identity ("" when Whisper has no such language)

    name = "backcheck"
    version = 2  # 1: the score lived in the dub stage's own cache entry

    @classmethod
    def build(cls, dub: DubStage, asr: AsrSettings) -> BackcheckStage:
        """The stage; Whisper is resolved (and checked) here when it knows the language."""
        if not get_language(dub.language).whisper_asr:
            return cls(dub, asr)
        settings, model = prepare(backcheck_settings(asr, dub.language))
        return cls(dub, settings, model.identity)

    def label(self) -> str:
        return f"backcheck {self.dub.language}"

    def model(self) -> str | None:
        return f"whisper:{self.model_id}" if self.model_id else None

    def resources(self) -> Resources:
        return Resources(cpus=1.0, gpus=1.0 if self.asr.device == "cuda" else 0.0)

    def deps(self) -> tuple[Stage[Any], ...]:
        return (self.dub,)

    def identity(self) -> dict[str, Any]:
        fields = to_plain(replace(self.asr, cpu_threads=0))
        return {"asr": fields, "model": self.model_id}

    def run(self, ctx: StageContext) -> Backcheck:
        done = ctx.result(self.dub)
        spans = [(line.start_ms, line.end_ms) for line in done.lines]
        cues = done.spoken or done.track.cues
        return backcheck(done.mix.path, self.dub.language, cues, spans, self.asr)

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> Backcheck:
        return from_plain(Backcheck, data)

