"""Shot stages: a film's cuts, detected once and cached (``ShotsStage``), and every
subtitle track of the run snapped to them at once, one shared timing (``SnapStage``,
``scodub.text.shots``). Films without a picture have neither."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scodub.data import Track
from scodub.media.shots import Shots, ShotSettings, detect_shots
from scodub.serial import from_plain, to_plain
from scodub.stages.base import Stage, StageContext, register
from scodub.stages.film import Film
from scodub.stages.localize import LocalizeStage
from scodub.stages.subtitles import SubtitlesStage
from scodub.text.shots import snap_tracks


@dataclass(frozen=True, slots=True)
class ShotsResult:
    shots: Shots

    def to_json(self) -> dict[str, Any]:
        return self.shots.to_json()

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class ShotsStage(Stage[ShotsResult]):
    film: Film
    settings: ShotSettings = field(default_factory=ShotSettings)

    name = "shots"

    def identity(self) -> dict[str, Any]:
        key: dict[str, Any] = {"film": self.film.content_hash, "settings": self.settings.key()}
        if self._offset_ms():  # cuts on the film's timeline (earlier: the picture's own)
            key["read_offset_ms"] = self._offset_ms()
        return key

    def _offset_ms(self) -> int:
        video = self.film.info.video
        return video[0].read_offset_ms if video else 0

    def run(self, ctx: StageContext) -> ShotsResult:
        return ShotsResult(
            detect_shots(self.film.path, self.film.fps, self.settings, offset_ms=self._offset_ms())
        )

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> ShotsResult:
        return ShotsResult(Shots.from_json(data))



@dataclass(frozen=True, slots=True)
class SnapStageResult:
    tracks: dict[str, Track]
    cuts: int
    moves: dict[str, Any]  # cues moved to cuts (``SnapResult.to_json``)

    def to_json(self) -> dict[str, Any]:
        tracks = {lang: to_plain(track) for lang, track in self.tracks.items()}
        return {"tracks": tracks, "cuts": self.cuts, "moves": self.moves}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SnapStageResult:
        tracks = {str(k): from_plain(Track, v) for k, v in data["tracks"].items()}
        return cls(tracks, int(data["cuts"]), dict(data["moves"]))

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class SnapStage(Stage[SnapStageResult]):
    subtitles: SubtitlesStage  # the speech ends of the cues
    shots: ShotsStage
    localize: LocalizeStage | None = None  # the aligned tracks, when there are several

    name = "snap"
    version = 2  # 2: out-times not moved more than 0.5 s past their speech

    def deps(self) -> tuple[Stage[Any], ...]:
        return tuple(s for s in (self.subtitles, self.shots, self.localize) if s is not None)

    def identity(self) -> dict[str, Any]:
        return {}

    def run(self, ctx: StageContext) -> SnapStageResult:
        subs = ctx.result(self.subtitles)
        tracks = {subs.track.language: subs.track}
        if self.localize is not None:
            tracks = dict(ctx.result(self.localize).tracks)
        shots = ctx.result(self.shots).shots
        fps = self.shots.film.fps or shots.fps
        snapped = snap_tracks(tracks, shots.cuts_ms, fps, subs.speech_ends)
        return SnapStageResult(dict(snapped.tracks), len(shots.cuts_ms), snapped.to_json())

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> SnapStageResult:
        return SnapStageResult.from_json(data)

