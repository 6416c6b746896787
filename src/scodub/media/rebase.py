"""How this ffmpeg places a stream of an MPEG-TS, MPEG-PS or Ogg file read alone.

In a container whose clock may jump (libavformat's AVFMT_TS_DISCONT), a command that
reads only some streams (the audio alone, to transcribe it) has its output start with
the first of those, not with the file: audio that starts 2.5 s after the picture comes
out at 0, every cue 2.5 s early, unless ``-itsoffset`` moves it back (``probe``'s
``read_offset_ms``, where the stream lies on the film's timeline). Releases differ in
what an ``-itsoffset`` does then. Recent ones (the bundled static build) still start the
output with the streams read and add the offset: it must be the stream's lead. Older
ones (Debian 12's 5.1) take any offset as a reason to keep the file's own start, where
the stream is already in place, and add the offset to that: the lead given again would
put it that much late, so a microsecond is given instead. Which kind this ffmpeg is, is
found once per process on a one-second file made for the purpose (two small runs).
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg

#: The test file: picture from 0 to 1 s, sound from 0.5 s to 1 s, read with an offset of
#: 0.1 s (and decoded at ``_RATE``): 0.6 s of output on the first kind, 1.1 s on the other.
_LEAD_S, _TONE_S, _OFFSET_S, _RATE = 0.5, 0.5, 0.1, 8000
#: The offset that makes an ffmpeg of the older kind keep the file's own start.
_KEEP_FILES_START = "0.000001"
_WHAT = "test how this ffmpeg reads an MPEG-TS stream alone"


@functools.cache
def offset_adds_to_streams_read() -> bool:
    """True when this ffmpeg, given ``-itsoffset``, starts a discontinuous container's
    output with the streams a command reads and adds the offset (recent releases);
    False when an offset makes it keep the file's own start (older ones)."""
    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="scodub-clock-") as folder:
        film = Path(folder) / "clock.ts"
        run_ffmpeg(
            [
                exe, "-nostdin", "-hide_banner", "-loglevel", "error",
                "-f", "lavfi", "-i", "color=size=32x32:rate=25:d=1",
                "-itsoffset", f"{_LEAD_S}",
                "-f", "lavfi", "-i", f"sine=f=1000:d={_TONE_S}:sample_rate=48000",
                "-map", "0:v", "-map", "1:a", "-c:v", "mpeg2video", "-c:a", "mp2", str(film),
            ],
            what=_WHAT, source=film, writes=film,
        )  # fmt: skip
        decoded = run_ffmpeg(
            [
                exe, "-nostdin", "-hide_banner", "-loglevel", "error",
                "-itsoffset", f"{_OFFSET_S}", "-i", str(film),
                "-map", "0:a:0", "-af", "aresample=async=1:first_pts=0",  # as decode does
                "-f", "s16le", "-ac", "1", "-ar", str(_RATE), "pipe:",
            ],
            what=_WHAT, source=film,
        )  # fmt: skip
    seconds = len(decoded.stdout) / 2 / _RATE
    return seconds < _TONE_S + _OFFSET_S + _LEAD_S / 2  # the lead-in was not kept


def itsoffset(offset_ms: int) -> str | None:
    """The ``-itsoffset`` value that puts a stream read alone ``offset_ms`` after the
    output's start where this ffmpeg starts it with the streams read (None for 0)."""
    if not offset_ms:
        return None
    if offset_adds_to_streams_read():
        return f"{offset_ms / 1000:.3f}"
    return _KEEP_FILES_START


__all__ = ["itsoffset", "offset_adds_to_streams_read"]
