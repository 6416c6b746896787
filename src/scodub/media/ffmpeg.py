"""The ffmpeg binary scodub runs."""

from __future__ import annotations

import functools
import os
import shutil


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary: $SCODUB_FFMPEG, else the system's, else imageio-ffmpeg's."""
    explicit = os.environ.get("SCODUB_FFMPEG")
    if explicit:
        return explicit
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
