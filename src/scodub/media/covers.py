"""Cover art into the delivery file: a picture attached to the film (MP4 or M4V cover
art, a Matroska ``cover.jpg``) is a video stream flagged ``attached_pic`` when ffmpeg reads
it. Copied as a video stream into Matroska it becomes a one-frame video track, which
players list as a second picture; Matroska keeps cover art as an *attachment* named
``cover.jpg`` (or ``.png``) instead. So each picture is copied out of the film once
(``extract_covers``) and attached by name (``attach_args``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from scodub.errors import ScodubError
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from scodub.media.probe import StreamInfo

log = logging.getLogger(__name__)
# codec -> (file extension, MIME type); another codec is written as PNG.
_KINDS = {"mjpeg": (".jpg", "image/jpeg"), "png": (".png", "image/png")}


def covers_of(streams: Sequence[StreamInfo]) -> list[StreamInfo]:
    return [s for s in streams if s.type == "video" and s.cover]


def extract_covers(film: Path, streams: Sequence[StreamInfo], folder: Path) -> list[Path]:
    """Each picture attached to ``film`` as a file in ``folder``: a Matroska attachment by
    its own name (``cover.jpg``, ``small_cover.png``), an MP4 cover as ``cover.jpg``, then
    ``cover_2.png``, ... (copied as they are; a picture in another codec as PNG). A
    picture ffmpeg cannot copy is left out with a warning: the delivery does not fail
    for its cover."""
    out: list[Path] = []
    for stream in covers_of(streams):
        ext, _ = _KINDS.get(stream.codec, (".png", "image/png"))
        path = folder / _name(stream, ext, {p.name for p in out})
        codec = "copy" if stream.codec in _KINDS else "png"
        command = [
            ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", str(Path(film).absolute()), "-map", f"0:{stream.index}",
            "-c:v", codec, "-frames:v", "1", "-f", "image2", str(path),
        ]  # fmt: skip
        try:
            run_ffmpeg(command, what="copy the cover art", source=film, writes=path)
        except ScodubError as exc:
            log.warning("%s: picture %d left out of the delivery: %s", film, stream.index, exc)
            continue
        if path.is_file() and path.stat().st_size:
            out.append(path)
    return out


def _name(stream: StreamInfo, ext: str, taken: set[str]) -> str:
    """The attachment's own name where it has a plain one with the right extension,
    else ``cover`` (``cover_N`` after the first); never one already taken."""
    own = Path(stream.filename or "").name
    if own and own == stream.filename and Path(own).suffix.lower() == ext and own not in taken:
        return own
    for number in range(1, len(taken) + 2):
        name = f"cover{ext}" if number == 1 else f"cover_{number}{ext}"
        if name not in taken:
            return name
    raise AssertionError("unreachable: more names tried than are taken")


def attach_args(covers: Sequence[Path], attachments_before: int) -> list[str]:
    """ffmpeg output options that attach ``covers``; ``attachments_before``: how many
    attachment streams the output already holds (the film's own, mapped first)."""
    args: list[str] = []
    for k, path in enumerate(covers):
        _, mime = _KINDS["mjpeg"] if path.suffix.lower() in (".jpg", ".jpeg") else _KINDS["png"]
        spec = f"-metadata:s:t:{attachments_before + k}"
        args += ["-attach", str(path.absolute()), spec, f"mimetype={mime}", spec,
                 f"filename={path.name}"]  # fmt: skip
    return args
