"""Mux the delivery file: the film's own picture and sound, plus dubs and subtitles.

One Matroska file per film: the original video stream(s) copied bit for bit (never
re-encoded), the original audio copied and marked default (and "original"), then one dub
audio track and one SRT subtitle track per language, each tagged with its ISO 639-2 code
(``Language.iso639_2``) and a title, none of them default.

Choices:

* Dub audio is encoded to AAC-LC, 192 kb/s stereo. Opus would be smaller at the same
  quality, but AAC plays on every player that plays the film's own (usually AAC) track,
  hardware players and TVs included, and the same encoding serves the separate ``.m4a``
  stems. The mix arrives at -23 LUFS with 1.5 dB of true-peak headroom, which covers the
  encoder's overshoot.
* Titles follow STANDARDS.md: ``"Russian (dub)"`` (``Language.dub_title``) for a dub and
  ``"Russian"`` (``Language.name``) for subtitles. Players already show the language tag
  in the viewer's own UI language; a native title such as "Русский (дубляж)" would need
  the word "dub" translated into every language, which the language table does not hold.
  A caller may pass its own title.
* Matroska stores almost any codec, but not all: a codec without a Matroska ID and
  without an AVI FourCC (RoQ, APNG, ...) cannot be copied. That is found by a dry-run
  mux of the video alone, before any audio is encoded, and reported as a MediaError.
  The film's own sound in such a codec (QuickTime's IMA ADPCM of old ``.mov`` files) is
  converted to FLAC instead (``uncopyable_audio``): every sample a player decodes from
  it is kept, with its tags and flags.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ffmpeg

from scodub import naming
from scodub.errors import ConfigError, MediaError, OutputError, SubtitleError
from scodub.fsutil import atomic_path, ensure_writable_dir
from scodub.inputfiles import SRT_MAX_BYTES, read_input_bytes
from scodub.langs import Language, get_language
from scodub.media.covers import attach_args, extract_covers
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from scodub.media.probe import (
    StreamInfo,
    offset_options,
    probe,
    probe_streams,
    read_offset_ms,
)
from scodub.scratch import temporary_folder

log = logging.getLogger(__name__)

DUB_AUDIO_CODEC = "aac"
DUB_AUDIO_BITRATE = "192k"
#: The film's own subtitle codecs that Matroska holds as they are.
_MKV_SUBTITLE_COPY = frozenset(
    {"subrip", "ass", "ssa", "webvtt", "hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle"}
)
#: The film's own subtitle codecs converted to SRT text on the way (MP4's timed text).
_MKV_SUBTITLE_TO_SRT = frozenset({"mov_text", "text"})
#: Stem formats: suffix -> ffmpeg arguments. A WAV stem past RIFF's 4 GiB (a 5.1 feature
#: at 24 bits over 83 min) is written as RF64, which ffmpeg's plain WAV would write broken.
_STEM_CODECS: dict[str, dict[str, str]] = {
    "wav": {"acodec": "pcm_s24le", "rf64": "auto"},
    "m4a": {"acodec": DUB_AUDIO_CODEC},
}


class TrackKind(str, enum.Enum):
    DUB = "dub"  # dubbed audio (a mix from scodub.dub.mix)
    SUBTITLE = "subtitle"  # an SRT file


@dataclass(frozen=True, slots=True)
class DeliveryTrack:
    """One added track: its language (any code ``get_language`` knows), kind and file.

    ``title`` defaults to ``Language.dub_title`` for a dub, ``Language.name`` for subtitles.
    """

    language: str
    kind: TrackKind
    path: Path
    title: str | None = None

    @property
    def lang(self) -> Language:
        return get_language(self.language)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return self.lang.dub_title if self.kind is TrackKind.DUB else self.lang.name


def _check_srt(path: Path) -> None:
    """An SRT must be UTF-8 (ffmpeg reads it as such) and start with a cue number."""
    try:
        data = read_input_bytes(path, what="an SRT file", limit=SRT_MAX_BYTES, error=SubtitleError)
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubtitleError(path, f"not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first.isdigit():
        raise SubtitleError(path, "not an SRT file (it must start with a cue number)", line=1)


def _check_tracks(tracks: Sequence[DeliveryTrack]) -> None:
    seen: set[tuple[str, TrackKind]] = set()
    for track in tracks:
        if not isinstance(track.kind, TrackKind):
            raise ConfigError(
                f"track kind {track.kind!r} is unknown; expected one of: "
                + ", ".join(kind.value for kind in TrackKind)
            )
        key = (track.lang.code, track.kind)
        if key in seen:
            raise ConfigError(
                f"two {track.kind.value} tracks for {track.lang.name} ({track.lang.code}); "
                "give one per language"
            )
        seen.add(key)
        path = Path(track.path)
        if not path.is_file():
            raise (MediaError if track.kind is TrackKind.DUB else SubtitleError)(
                path, "file does not exist"
            )
        if track.kind is TrackKind.SUBTITLE:
            _check_srt(path)
        elif not any(s.type == "audio" for s in probe_streams(path)):
            raise MediaError(path, "a dub track must be an audio file; this has no audio")


def check_video_copyable(film: Path, streams: Sequence[StreamInfo] | None = None) -> None:
    """Raise MediaError unless Matroska can hold the film's video streams as they are.

    A dry-run mux of the first video frame into Matroska (written nowhere): the real
    muxer decides, so no codec list can go stale.
    """
    film = Path(film)
    streams = probe_streams(film) if streams is None else streams
    videos = [s for s in streams if s.type == "video"]
    if not videos:
        raise MediaError(film, "has no video stream; a delivery file needs the picture")
    cmd = list(
        ffmpeg.input(str(film.absolute()))["V"]
        .output("pipe:", format="matroska", vcodec="copy", **{"frames:v": 1})
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_exe())
    )
    try:
        run_ffmpeg(cmd, what="make a trial copy of the video", source=film, keep_stdout=False)
    except MediaError as exc:  # the film's codec; a tool or disk problem is not caught here
        codecs = ", ".join(sorted({v.codec for v in videos}))
        raise MediaError(
            film,
            f"its video codec ({codecs}) cannot be copied into Matroska, and scodub never "
            "re-encodes the picture; convert the video first (for example to H.264)",
        ) from exc


def _copies(film: Path, spec: str) -> bool:
    """Whether a trial mux of the film's first frame of streams ``spec`` (``a``, ``a:1``)
    into Matroska, copied as they are, succeeds. Into a file, not a pipe: an MPEG-TS
    film's AAC (ADTS) gets the setup Matroska needs from its first packet, written back
    into the header at the end, which a pipe cannot take."""
    with temporary_folder("trial-") as folder:
        cmd = list(
            ffmpeg.input(str(film.absolute()))[spec]
            .output(str(folder / "trial.mkv"), format="matroska", acodec="copy", **{"frames:a": 1})
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error", "-y")
            .compile(cmd=ffmpeg_exe())
        )
        try:
            run_ffmpeg(cmd, what="make a trial copy of the audio", source=film)
        except MediaError:  # the codec (or a damaged stream, which the real mux reports)
            return False
    return True


def uncopyable_audio(film: Path, streams: Sequence[StreamInfo]) -> frozenset[int]:
    """The film's audio streams (n-th audio stream) that Matroska cannot hold as they are:
    one trial mux of all of them, and one per stream only when that fails."""
    film = Path(film)
    count = sum(s.type == "audio" for s in streams)
    if not count or _copies(film, "a"):
        return frozenset()
    return frozenset(n for n in range(count) if not _copies(film, f"a:{n}"))


def _film_subtitles(streams: Sequence[StreamInfo]) -> list[tuple[int, str]]:
    """(n-th subtitle stream, codec argument) for the film's own subtitles kept."""
    kept: list[tuple[int, str]] = []
    subtitles = [s for s in streams if s.type == "subtitle"]
    for position, stream in enumerate(subtitles):
        if stream.codec in _MKV_SUBTITLE_COPY:
            kept.append((position, "copy"))
        elif stream.codec in _MKV_SUBTITLE_TO_SRT:
            kept.append((position, "srt"))
        else:
            log.warning(
                "dropping subtitle stream %d (%s): Matroska cannot hold it",
                stream.index,
                stream.codec,
            )
    return kept


def dub_bitrate(channels: int) -> str:
    """The AAC bit rate of a dub: 192 kb/s in stereo, 64 kb/s a channel in surround."""
    return DUB_AUDIO_BITRATE if channels <= 2 else f"{64 * channels}k"


def _channels(mix: Path) -> int:
    audio = probe(mix).audio
    return audio[0].channels if audio and audio[0].channels else 2


def mux_command(
    film: Path,
    out: Path,
    tracks: Sequence[DeliveryTrack],
    streams: Sequence[StreamInfo],
    original: int | None = None,
    covers: Sequence[Path] = (),
    convert: Collection[int] = (),
) -> list[str]:
    """The ffmpeg argument list that writes the delivery file ``out``. The film's own
    streams keep their flags (default, forced, hearing impaired, ...); the audio stream
    the dubs were made from (``original``: n-th audio stream, the first when None) is
    flagged the original, and is the default when the film marks none. The film's audio
    streams in ``convert`` (n-th audio stream) are written as FLAC, the others copied."""
    kept = _film_subtitles(streams)
    subtitles = [s for s in streams if s.type == "subtitle"]
    read = [s for s in streams if (s.type == "video" and not s.cover) or s.type == "audio"]
    read += [subtitles[position] for position, _ in kept]
    # The film's streams where the dubs and subtitles were made for them: on its timeline
    # (ffmpeg would start an MPEG-TS's clock at the earliest stream read, and a teletext
    # or data stream that starts the file is not muxed).
    film_input = ffmpeg.input(str(Path(film).absolute()), **offset_options(read_offset_ms(read)))
    maps = [film_input["V"], film_input["a?"]]
    options: list[str] = ["-c:v", "copy", "-disposition:v:0", "+default"]
    audios = [s for s in streams if s.type == "audio"]
    chosen = original if original is not None and 0 <= original < len(audios) else 0
    audio_out = 0
    for position, stream in enumerate(audios):
        if position in convert:
            log.warning(
                "converting audio stream %d (%s) to FLAC: Matroska cannot hold it as it is",
                stream.index,
                stream.codec,
            )
        options += [f"-c:a:{audio_out}", "flac" if position in convert else "copy"]
        if position == chosen:
            flags = "+original" if any(a.default for a in audios) else "+default+original"
            options += [f"-disposition:a:{audio_out}", flags]
            if not stream.title:
                name = _language_name(stream.language)
                options += [
                    f"-metadata:s:a:{audio_out}",
                    f"title={name} (original)" if name else "title=Original",
                ]
        audio_out += 1
    # Audio first (the film's, then the dubs), then subtitles (the film's, then the new).
    for track in (t for t in tracks if t.kind is TrackKind.DUB):
        maps.append(ffmpeg.input(str(Path(track.path).absolute()))["a:0"])
        spec = f"a:{audio_out}"
        channels = _channels(track.path)  # stereo, or the 5.1/7.1 of a surround original
        options += [f"-c:{spec}", DUB_AUDIO_CODEC, f"-b:{spec}", dub_bitrate(channels)]
        options += [f"-ac:{spec}", str(channels), *_tags(spec, track)]
        audio_out += 1
    subtitle_out = 0
    for position, codec in kept:
        maps.append(film_input[f"s:{position}"])
        options += [f"-c:s:{subtitle_out}", codec]  # its own flags (forced, default) kept
        subtitle_out += 1
    for track in (t for t in tracks if t.kind is TrackKind.SUBTITLE):
        maps.append(ffmpeg.input(str(Path(track.path).absolute()), f="srt")["s:0"])
        spec = f"s:{subtitle_out}"
        options += [f"-c:{spec}", "srt", *_tags(spec, track)]
        subtitle_out += 1
    maps.append(film_input["t?"])  # attachments (fonts of ASS subtitles) ride along
    for stream in streams:  # a QuickTime timecode track, a GoPro's telemetry: not kept
        if stream.type == "data":
            log.warning(
                "dropping data stream %d (%s): the delivery file keeps picture, sound, "
                "subtitles and attachments",
                stream.index,
                stream.codec,
            )
    # the film's cover art as Matroska keeps it: attachments after the film's own
    options += attach_args(covers, sum(s.type == "attachment" for s in streams))
    target = str(Path(out).absolute())
    # passthrough: the flags set here are the flags written (no "first track is default").
    cmd = list(
        ffmpeg.output(*maps, target, format="matroska", default_mode="passthrough")
        .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y")
        .compile(cmd=ffmpeg_exe())
    )
    # ffmpeg-python cannot repeat an option (two -metadata:s:a:1), so the per-stream
    # options go in as a list, before the output file name they apply to.
    at = cmd.index(target)
    return cmd[:at] + options + cmd[at:]


def _tags(spec: str, track: DeliveryTrack) -> list[str]:
    """ISO 639-2 language tag, title, and not default, for output stream ``spec``."""
    return [
        f"-metadata:s:{spec}",
        f"language={track.lang.iso639_2}",
        f"-metadata:s:{spec}",
        f"title={track.display_title}",
        f"-disposition:{spec}",
        "0",
    ]


def _language_name(tag: str | None) -> str | None:
    if not tag:
        return None
    try:
        return get_language(tag).name
    except Exception:  # a tag outside the table (e.g. "fre"): no title rather than a wrong one
        return None


def mux_delivery(
    film: Path,
    out: Path,
    tracks: Sequence[DeliveryTrack],
    *,
    force: bool = False,
    streams: Sequence[StreamInfo] | None = None,
    original: int | None = None,
) -> Path:
    """Write the delivery Matroska file ``out`` (atomically) and return its path; the
    dubs were made from audio stream ``original`` (n-th; the first when None).

    Everything is checked before ffmpeg runs: the target (``.mkv``; an existing one needs
    ``force=True``), every track's language, file and format, and whether the film's video
    can be copied into Matroska. A caller that passes the film's ``streams`` has probed
    it and checked its video already (``check_video_copyable``).
    """
    film, out = Path(film), Path(out)
    if out.suffix.lower() != ".mkv":
        raise OutputError(f"{out}: the delivery file is Matroska; name it *.mkv")
    if out.exists() and out.resolve() == film.resolve():
        raise OutputError(f"{out}: is the film itself; choose another name")
    if out.exists() and not force:
        raise OutputError(f"{out}: already exists; pass --force to overwrite it")
    _check_tracks(tracks)
    if streams is None:
        streams = probe_streams(film)
        check_video_copyable(film, streams)
    ensure_writable_dir(out.parent)
    with atomic_path(out) as tmp, temporary_folder("covers-") as folder:
        covers = extract_covers(film, streams, folder)
        convert = uncopyable_audio(film, streams)
        command = mux_command(film, tmp, tracks, streams, original, covers, convert)
        run_ffmpeg(command, what="mux the delivery file", source=film, writes=out)
    return out


def delivery_path(film: Path, folder: Path | None = None) -> Path:
    """``<film stem>.dub.mkv`` beside the film, or in ``folder``."""
    film = Path(film)
    return naming.delivery_path(folder or film.parent, film)


def stem_path(
    film: Path, language: str, fmt: Literal["wav", "m4a"] = "wav", folder: Path | None = None
) -> Path:
    """``<film stem>.<lang>.dub.<fmt>`` beside the film, or in ``folder``."""
    film = Path(film)
    code = get_language(language).code
    return naming.dub_stem_path(folder or film.parent, film, code, fmt)


def export_dub_stem(
    mix: Path,
    film: Path,
    language: str,
    *,
    fmt: Literal["wav", "m4a"] = "wav",
    folder: Path | None = None,
    force: bool = False,
) -> Path:
    """Write a dub mix as a separate file, ``<film>.<lang>.dub.wav`` or ``.m4a``, tagged
    with its language and title; returns the path."""
    if fmt not in _STEM_CODECS:
        raise ConfigError(f"stem format {fmt!r} is unknown; expected one of: wav, m4a")
    mix = Path(mix)
    lang = get_language(language)
    target = stem_path(film, lang.code, fmt, folder)
    if target.exists() and not force:
        raise OutputError(f"{target}: already exists; pass --force to overwrite it")
    if not any(s.type == "audio" for s in probe_streams(mix)):
        raise MediaError(mix, "has no audio stream")
    ensure_writable_dir(target.parent)
    encoding = dict(_STEM_CODECS[fmt])
    if fmt == "m4a":  # as the delivery file's dub
        encoding["audio_bitrate"] = dub_bitrate(_channels(mix))
    with atomic_path(target) as tmp:
        cmd = list(
            ffmpeg.input(str(mix.absolute()))["a:0"]
            .output(
                str(tmp.absolute()),
                format="ipod" if fmt == "m4a" else "wav",
                **encoding,
                **{"metadata:s:a:0": f"language={lang.iso639_2}"},
            )
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error", "-y")
            .compile(cmd=ffmpeg_exe())
        )
        run_ffmpeg(cmd, what="write the stem", source=mix, writes=target)
    return target
