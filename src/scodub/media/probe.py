"""Probe a container (PyAV): duration, audio streams with their languages, frame rate."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from scodub.data import ms
from scodub.errors import MediaError
from scodub.inputfiles import file_kind
from scodub.langs import LANGUAGES, get_language
from scodub.media.rebase import itsoffset

#: PyAV decodes tags (titles, languages) as UTF-8: before version 19 strictly unless told
#: to ignore bad bytes; 19 (Python 3.12 and later) dropped that option and escapes them
#: (``_tags`` drops them).
_TAG_ERRORS_OPTION = int(av.__version__.split(".")[0]) < 19
#: libavformat's AVFMT_TS_DISCONT: a container whose clock may jump (MPEG-TS, MPEG-PS,
#: Ogg). ffmpeg starts such a file's clock at the first of the streams a command reads,
#: not at the file's start (``read_offset_ms``).
_TS_DISCONT = 0x200


def _open(path: Path) -> av.container.InputContainer:
    name = str(Path(path).absolute())  # a relative "a:b.mp4" would be read as protocol "a"
    if _TAG_ERRORS_OPTION:
        return av.open(name, metadata_errors="ignore")
    return av.open(name)


def _tags(stream: av.stream.Stream) -> dict[str, str]:
    """A stream's tags. PyAV 19 reads them as UTF-8 with ``surrogateescape``: a badly
    encoded byte comes as a lone surrogate, which no UTF-8 report can hold; it is dropped,
    as older PyAV's ``ignore`` drops it."""
    try:
        tags = dict(stream.metadata or {})
    except UnicodeDecodeError:  # a tag in another encoding: unknown, not a failure
        return {}
    return {_valid(key): _valid(value) for key, value in tags.items()}


def _valid(text: str) -> str:
    return "".join(char for char in str(text) if not 0xD800 <= ord(char) <= 0xDFFF)


@dataclass(frozen=True, slots=True)
class AudioStream:
    index: int  # absolute stream index in the container
    position: int  # n-th audio stream (ffmpeg's 0:a:N)
    codec: str
    channels: int
    sample_rate: int
    language: str | None  # ISO 639-1 when the tag maps to a known language, else raw tag
    title: str | None
    duration_ms: int | None = None
    #: Where its first sample lies on the film's timeline (ms after the container starts):
    #: audio that starts after the picture, as ffmpeg and players place it.
    start_ms: int = 0
    #: How far after the output's start a command that reads this stream alone must
    #: place it to see it at ``start_ms`` (``read_offset_ms``): ``start_ms`` in an MPEG-TS,
    #: MPEG-PS or Ogg file, 0 in the others; given to ffmpeg by ``offset_options``.
    read_offset_ms: int = 0


@dataclass(frozen=True, slots=True)
class VideoStream:
    index: int
    codec: str
    width: int
    height: int
    fps: float | None
    read_offset_ms: int = 0  # as ``AudioStream.read_offset_ms``


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One stream of a container, as players see it."""

    index: int
    type: str  # "video", "audio", "subtitle", "attachment", "data"
    codec: str
    language: str | None  # the raw tag (ISO 639-2 in Matroska), None when untagged
    title: str | None
    default: bool
    forced: bool = False
    original: bool = False
    cover: bool = False  # a picture attached to the file (MP4 cover art), not a video
    filename: str | None = None  # a Matroska attachment's file name (cover.jpg)
    #: As ``AudioStream.read_offset_ms``; None for a stream that does not say where it
    #: starts (ffmpeg leaves it out when it starts a file's clock).
    read_offset_ms: int | None = 0


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: Path
    format_name: str
    duration_ms: int
    audio: tuple[AudioStream, ...]
    video: tuple[VideoStream, ...]
    streams: tuple[StreamInfo, ...] = ()  # every stream, as players see it

    @property
    def fps(self) -> float | None:
        return next((v.fps for v in self.video if v.fps), None)

    def timeline_ms(self, stream: AudioStream) -> int:
        """The length of the film's timeline that a dub over ``stream`` covers: the
        picture's whole length (audio may end before it, or start after it), and at least
        to where the stream ends."""
        own = stream.start_ms + (stream.duration_ms or 0)
        return max(self.duration_ms if self.video or not stream.duration_ms else 0, own)


def _tag_language(tag: str | None) -> str | None:
    if not tag or tag.lower() in ("und", "unk", "mis", "zxx"):
        return None
    try:
        return get_language(tag).code
    except Exception:
        return tag


def _fps(stream: av.stream.Stream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return None
    value = float(Fraction(rate))
    return round(value, 3) if 1.0 <= value <= 240.0 else None


def probe(path: Path) -> MediaInfo:
    """Duration, audio streams (with languages) and frame rate of any container."""
    return _probe(path, media_only=True)


def require_file(path: Path) -> Path:
    """``path`` when it is a regular file; else a ``MediaError`` saying what it is. Cheap
    (one stat): checked before an output folder is made."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise MediaError(path, "file does not exist") from None
    except OSError as exc:  # a name too long, no permission on a folder, a dangling mount
        raise MediaError(path, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise MediaError(path, "is a folder, not a media file")
    if not stat.S_ISREG(mode):  # a pipe would block, a device never end; a film is read again
        raise MediaError(path, f"is {file_kind(mode)}, not a media file; give a file")
    return path


def _probe(path: Path, media_only: bool) -> MediaInfo:
    path = require_file(path)
    try:
        container = _open(path)
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"not a readable media file ({exc.strerror or exc})") from exc
    with container:
        audio: list[AudioStream] = []
        video: list[VideoStream] = []
        streams: list[StreamInfo] = []
        rebased = bool(container.format.flags & _TS_DISCONT)
        for stream in container.streams:
            meta = _tags(stream)
            start = _relative_start_ms(stream, container)
            offset = start if rebased else 0  # None: one ffmpeg leaves out there
            streams.append(_stream_info(stream, meta, offset))
            if stream.type == "audio":
                ctx = stream.codec_context
                audio.append(
                    AudioStream(
                        index=stream.index,
                        position=len(audio),
                        codec=ctx.name if ctx else "unknown",
                        channels=int(getattr(ctx, "channels", 0) or 0),
                        sample_rate=int(getattr(ctx, "sample_rate", 0) or 0),
                        language=_tag_language(meta.get("language")),
                        title=meta.get("title") or meta.get("handler_name"),
                        duration_ms=(
                            ms(float(stream.duration * stream.time_base))
                            if stream.duration and stream.time_base
                            else None
                        ),
                        start_ms=max(0, start or 0),
                        read_offset_ms=offset or 0,
                    )
                )
            elif stream.type == "video" and not _is_cover_art(stream):
                ctx = stream.codec_context
                video.append(
                    VideoStream(
                        index=stream.index,
                        codec=ctx.name if ctx else "unknown",
                        width=int(getattr(ctx, "width", 0) or 0),
                        height=int(getattr(ctx, "height", 0) or 0),
                        fps=_fps(stream),
                        read_offset_ms=offset or 0,
                    )
                )
        duration = _duration_ms(container)
        fmt = container.format.name
        if fmt in _DISCONTINUOUS:
            # A broadcast capture's clock may jump (two recordings joined): its header's
            # length is the span of the jump; ffmpeg plays across it, so do we.
            spans = _packet_spans_ms(container, joined=True)
            duration = max((e for _, e in spans.values()), default=0) - min(
                (b for b, _ in spans.values()), default=0
            )
            audio = [
                replace(a, duration_ms=spans[a.index][1] - spans[a.index][0])
                if a.index in spans else a
                for a in audio
            ]  # fmt: skip
        elif fmt in _NO_INDEX or duration <= 0:
            # The header's length is a guess from the first frames' bitrate (raw MP3/AAC),
            # or missing (Matroska written to a pipe): measure it from the packets.
            ends = _packet_ends_ms(container)
            duration = max(ends.values(), default=0)
            audio = [replace(a, duration_ms=ends.get(a.index)) for a in audio]
    if media_only and not audio and not video:
        raise MediaError(path, "not a media file (no audio or video streams)")
    return MediaInfo(path, fmt, duration, tuple(audio), tuple(video), tuple(streams))


def _stream_info(
    stream: av.stream.Stream, meta: dict[str, str], read_offset_ms: int | None
) -> StreamInfo:
    flags = av.stream.Disposition
    language = meta.get("language") or None
    return StreamInfo(
        index=stream.index,
        type=stream.type,
        codec=_codec_name(stream),
        language=None if language in (None, "und") else language,
        title=meta.get("title") or None,
        default=bool(stream.disposition & flags.default),
        forced=bool(stream.disposition & flags.forced),
        original=bool(stream.disposition & flags.original),
        cover=_is_cover_art(stream),
        filename=meta.get("filename") or None,
        read_offset_ms=read_offset_ms,
    )


def _relative_start_ms(
    stream: av.stream.Stream, container: av.container.InputContainer
) -> int | None:
    """Where ``stream`` starts after the container does (ffmpeg's timeline starts at the
    container's start; a subtitle stream may start before it); None when either does not
    say."""
    if stream.start_time is None or not stream.time_base or container.start_time is None:
        return None
    return ms(float(stream.start_time * stream.time_base) - container.start_time / 1_000_000)


def read_offset_ms(streams: Iterable[StreamInfo]) -> int:
    """The offset (ms, given to ffmpeg by ``offset_options``) that puts ``streams`` of one
    file, read together by one ffmpeg command, on the film's timeline (where the delivery
    mux and players put them).

    ffmpeg starts an MPEG-TS, MPEG-PS or Ogg file's clock at the earliest of the streams a
    command reads (``AVFMT_TS_DISCONT``), not at the file's start: audio read alone from a
    broadcast capture in which it starts 0.9 s after the picture came out 0.9 s early
    (every cue, and the dub's bed, early by as much). Other containers: 0."""
    known = [s.read_offset_ms for s in streams if s.read_offset_ms is not None]
    return min(known, default=0)


def offset_options(offset_ms: int) -> dict[str, str]:
    """ffmpeg input options that put an input's streams ``offset_ms`` later than this
    ffmpeg would start them, as the film's timeline has them (none for 0; the value
    depends on the ffmpeg release: ``rebase.itsoffset``)."""
    value = itsoffset(offset_ms)
    return {"itsoffset": value} if value else {}


def _is_cover_art(stream: av.stream.Stream) -> bool:
    return (
        bool(stream.disposition & av.stream.Disposition.attached_pic)
        if hasattr(av.stream, "Disposition")
        else False
    )


#: Containers of one raw stream with no index: their duration is an estimate.
_NO_INDEX = frozenset({"mp3", "aac", "ac3", "eac3", "dts", "truehd", "mlp", "amr", "loas"})


def _packet_ends_ms(container: av.container.InputContainer) -> dict[int, int]:
    """Where each stream's last packet ends (ms), read from the packets, not decoded."""
    return {index: end for index, (_, end) in _packet_spans_ms(container).items()}


#: Containers whose clock may jump (MPEG-TS): ffmpeg closes a jump of over 10 s.
_DISCONTINUOUS = frozenset({"mpegts", "mpegtsraw"})
_JUMP_MS = 10_000  # ffmpeg's dts_delta_threshold


def _packet_spans_ms(
    container: av.container.InputContainer, *, joined: bool = False
) -> dict[int, tuple[int, int]]:
    """Where each stream's packets start and end (ms, on the file's clock), read from the
    packets, not decoded: a whole pass over the file. ``joined``: a jump of the clock of
    over 10 s, forwards or back, is closed up, as ffmpeg plays such a file."""
    spans: dict[int, tuple[int, int]] = {}
    offset = 0
    expected: dict[int, int] = {}  # per stream, where its next packet should start
    try:
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            start = ms(float(packet.pts * packet.time_base)) + offset
            end = ms(float((packet.pts + (packet.duration or 0)) * packet.time_base)) + offset
            index = packet.stream.index
            if joined and index in expected and abs(start - expected[index]) > _JUMP_MS:
                jump = start - expected[index]
                offset -= jump
                start, end = start - jump, end - jump
            expected[index] = end
            first, last = spans.get(index, (start, end))
            spans[index] = (min(first, start), max(last, end))
    except av.error.FFmpegError:  # a damaged tail: what was read so far (decode judges)
        pass
    return spans


def packet_spans_ms(path: Path) -> dict[int, tuple[int, int]]:
    """``_packet_spans_ms`` of the file at ``path`` (stream index -> first ms, last ms)."""
    try:
        with _open(path) as container:
            return _packet_spans_ms(container)
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"not a readable media file ({exc.strerror or exc})") from exc


def _duration_ms(container: av.container.InputContainer) -> int:
    if container.duration is not None and container.duration > 0:
        return int(container.duration // 1000)  # av.time_base is microseconds
    best = 0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            best = max(best, ms(float(stream.duration * stream.time_base)))
    return best


def choose_audio_stream(
    info: MediaInfo, position: int | None = None, language: str | None = None
) -> AudioStream:
    """The audio stream to transcribe: ``--audio-stream N`` (n-th audio stream), else the
    first one tagged with ``language``, else the one marked default (what players play),
    else the first."""
    if not info.audio:
        raise MediaError(info.path, "has no audio stream")
    if position is not None:
        if not 0 <= position < len(info.audio):
            raise MediaError(
                info.path,
                f"has no audio stream {position}; audio streams: "
                + ", ".join(f"{a.position} ({a.language or 'und'})" for a in info.audio),
            )
        return info.audio[position]
    if language:
        code = get_language(language).code if language in LANGUAGES else language
        for stream in info.audio:
            if stream.language == code:
                return stream
    default = {s.index for s in info.streams if s.type == "audio" and s.default}
    if 0 < len(default) < len(info.audio):
        return next(a for a in info.audio if a.index in default)
    return info.audio[0]


def _codec_name(stream: av.stream.Stream) -> str:
    """The codec's own name as ffmpeg lists it ("subrip", "roq"), not its decoder's."""
    ctx = stream.codec_context
    if ctx is None:
        return "unknown"
    codec = getattr(ctx, "codec", None)
    return str(getattr(codec, "canonical_name", None) or ctx.name)


def probe_streams(path: Path) -> list[StreamInfo]:
    """Every stream of ``path`` with its codec, language tag, title and flags."""
    return list(_probe(path, media_only=False).streams)
