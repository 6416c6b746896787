"""The film of a run, probed once: path, content hash, streams, the chosen audio stream.

Every stage takes a ``Film`` instead of a path, so the container is opened once per run
(``open_film``) and the original soundtrack's loudness is measured once (the
``soundtrack`` stage), whatever the number of stages and languages. A ``Film`` is plain
data (``to_json`` / ``Film.from_json``): a stage written as JSON carries it along.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scodub import naming
from scodub.errors import MediaError
from scodub.media.probe import AudioStream, MediaInfo, choose_audio_stream, probe
from scodub.serial import from_plain, to_plain
from scodub.stages.cache import StageCache


@dataclass(frozen=True, slots=True)
class Film:
    path: Path
    content_hash: str
    info: MediaInfo
    audio_position: int | None  # the chosen audio stream; None when the film has none

    @property
    def stem(self) -> str:
        """What the film's outputs are named after (shortened with a hash when too long)."""
        return naming.film_stem(self.path)

    @property
    def fps(self) -> float | None:
        return self.info.fps

    @property
    def stream(self) -> AudioStream:
        """The audio stream that is transcribed and dubbed over."""
        if self.audio_position is None:
            raise MediaError(self.path, "has no audio stream")
        return self.info.audio[self.audio_position]

    @property
    def duration_ms(self) -> int:
        """The length of the film's timeline under the chosen stream: the picture's,
        or the stream's own in a file of audio only (``MediaInfo.timeline_ms``)."""
        return self.info.timeline_ms(self.stream)

    def media_json(self) -> dict[str, Any]:
        """What reports say about the container."""
        return {
            "format": self.info.format_name,
            "duration_ms": self.info.duration_ms,
            "fps": self.info.fps,
            "audio_stream": self.audio_position,
            "audio_streams": [
                {"position": a.position, "codec": a.codec, "language": a.language, "title": a.title}
                for a in self.info.audio
            ],
        }

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_plain(self)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Film:
        return from_plain(cls, data)


def open_film(
    path: Path,
    out_dir: Path,
    audio_stream: int | None = None,
    language: str | None = None,
    *,
    need_audio: bool = True,
) -> Film:
    """Probe ``path`` (the one probe of a run), choose its audio stream (``audio_stream``,
    else the first tagged ``language``, else the first) and hash its content (remembered
    in the output folder's cache by path, size and modification time)."""
    path = Path(path)
    info = probe(path)
    position: int | None = None
    if info.audio or need_audio or audio_stream is not None:
        position = choose_audio_stream(info, audio_stream, language).position
    return Film(path, StageCache(out_dir).content_hash(path), info, position)
