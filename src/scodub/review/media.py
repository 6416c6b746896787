"""The picture and sound of the review page: the film (or a browser proxy of it), each
dub's mix, and the waveform strip of the dialogue.

Browsers play H.264/VP8/VP9/AV1 video with AAC/MP3/Opus/Vorbis/FLAC audio in MP4 or
WebM; anything else (Matroska, HEVC, AC-3, DTS, ...) gets a proxy: H.264/AAC MP4 at
360 lines, made once per film content and kept in the stage cache
(``OUT/.scodub/review/``). The page links the media from ``review/media/`` (symbolic
links, a copy where links cannot be made), so it reads only files in its own folder.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from scodub.errors import MediaError
from scodub.fsutil import atomic_path
from scodub.media.decode import decode_audio
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.media.probe import (
    MediaInfo,
    choose_audio_stream,
    offset_options,
    probe,
    read_offset_ms,
)
from scodub.review.load import FilmRun
from scodub.stages.cache import StageCache, stage_key

PLAYABLE_CONTAINERS = ("mp4", "mov", "webm")
PLAYABLE_VIDEO = frozenset({"h264", "vp8", "vp9", "av1"})
PLAYABLE_AUDIO = frozenset({"aac", "mp3", "opus", "vorbis", "flac"})
PROXY_HEIGHT = 360
STAGE = "review"
#: Waveform resolution: one peak per 50 ms (a 2-hour film: 144,000 bytes).
WAVE_RATE_HZ = 20
_WAVE_DECODE_HZ = 2000  # speech energy is below 1 kHz; enough for an envelope


def browser_playable(info: MediaInfo) -> bool:
    """True when Chromium plays the file as it is (container, video and audio codecs)."""
    formats = set(info.format_name.split(","))
    if "matroska" in formats or not formats & set(PLAYABLE_CONTAINERS):
        return False
    if any(stream.codec not in PLAYABLE_VIDEO for stream in info.video[:1]):
        return False
    return all(stream.codec in PLAYABLE_AUDIO for stream in info.audio[:1])


def proxy_command(film: Path, target: Path, audio: int = 0, offset_ms: int = 0) -> list[str]:
    """ffmpeg arguments for the browser proxy: the first video stream (not a cover
    picture) and audio stream ``audio`` (n-th, the one the run transcribed), 360 lines
    H.264 (fast start, so the page can seek before the whole file is read), stereo AAC,
    on the film's timeline (``offset_ms``: ``proxy_offset_ms``)."""
    offset = [arg for pair in offset_options(offset_ms).items() for arg in (f"-{pair[0]}", pair[1])]
    return [
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *offset,
        "-i",
        str(film.absolute()),
        "-map",
        "0:V:0?",
        "-map",
        f"0:a:{audio}?",
        "-vf",
        f"scale=-2:'min({PROXY_HEIGHT},ih)'",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "28",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "2",
        "-af",
        "aresample=async=1:first_pts=0",
        "-movflags",
        "+faststart",
        str(target),
    ]


def proxy_offset_ms(info: MediaInfo, audio: int = 0) -> int:
    """The ``-itsoffset`` that keeps the proxy's picture and ``audio``-th audio stream on
    the film's timeline (``probe.read_offset_ms``: an MPEG-TS's clock would start at the
    earlier of the two, not where the file's does)."""
    picture = [s for s in info.streams if s.type == "video" and not s.cover][:1]
    chosen = {a.index for a in info.audio if a.position == audio}
    return read_offset_ms(picture + [s for s in info.streams if s.index in chosen])


def make_proxy(
    film: Path, cache: StageCache, audio: int = 0, info: MediaInfo | None = None
) -> Path:
    """The cached proxy of ``film`` with its ``audio``-th audio stream (made once;
    ``info``: the film's probe, when the caller has it)."""
    offset = proxy_offset_ms(info or probe(film), audio)
    parts = {"stage": STAGE, "proxy": cache.content_hash(film), "h": PROXY_HEIGHT}
    key = stage_key({
        **parts,
        **({"audio": audio} if audio else {}),
        **({"offset": offset} if offset else {}),
    })  # fmt: skip
    target = cache.path(STAGE, key, ".mp4")
    if target.is_file():
        return target
    with atomic_path(target) as tmp:
        command = proxy_command(film, tmp, audio, offset)
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise MediaError(film, f"cannot make a browser proxy ({lines[-1] if lines else ''})")
    return target


def link_into(target: Path, link: Path) -> Path:
    """``link`` pointing at ``target`` (a copy where the file system has no links)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    try:
        os.symlink(target.resolve(), link)
    except OSError:
        shutil.copyfile(target, link)
    return link


def find_film(run: FilmRun) -> Path | None:
    return next((path for path in run.film_candidates() if path.is_file()), None)


def waveform(
    film: Path, info: MediaInfo, cache: StageCache, position: int | None = None
) -> dict[str, Any]:
    """Peak envelope of the dialogue (audio stream ``position``, the one the run
    transcribed; the default one when None), one byte per 50 ms, base64; cached by the
    film's content."""
    stream = choose_audio_stream(info, position if position is not None and
                                 position < len(info.audio) else None)  # fmt: skip
    parts = {"stage": STAGE, "wave": cache.content_hash(film), "rate": WAVE_RATE_HZ}
    key = stage_key({
        **parts,
        **({"audio": stream.position} if stream.position else {}),
        **({"offset": stream.read_offset_ms} if stream.read_offset_ms else {}),
    })  # fmt: skip
    stored = cache.load(STAGE, key)
    if stored is not None and isinstance(stored.get("peaks"), str):
        return stored
    audio = decode_audio(film, stream, sample_rate=_WAVE_DECODE_HZ)
    step = _WAVE_DECODE_HZ // WAVE_RATE_HZ
    count = -(-audio.size // step)
    padded = np.pad(np.abs(audio), (0, count * step - audio.size))
    peaks = padded.reshape(count, step).max(axis=1) if count else np.zeros(0, np.float32)
    # Scale to the loud end of the film (99.5th percentile), not one click's peak.
    top = float(np.quantile(peaks, 0.995)) if peaks.size else 0.0
    scaled = np.clip(peaks / top, 0.0, 1.0) if top > 0 else peaks
    data = (scaled * 255).round().astype(np.uint8).tobytes()
    result = {"rate": WAVE_RATE_HZ, "peaks": base64.b64encode(data).decode("ascii")}
    cache.store(STAGE, key, result)
    return result


def _dub_mix(run: FilmRun, lang: str) -> Path | None:
    mix = run.dub_language(lang).get("mix")
    if not isinstance(mix, str):
        return None
    for path in (Path(mix), run.folder / ".scodub" / "dub" / Path(mix).name):
        if path.is_file():
            return path
    return None


def film_media(run: FilmRun, page_dir: Path, film: Path | None = None) -> dict[str, Any]:
    """Link the film (or its proxy) and the dub mixes under ``page_dir/media``; the
    page's media facts (paths relative to ``page_dir``)."""
    cache = StageCache(run.folder)
    media_dir = page_dir / "media"
    out: dict[str, Any] = {"video": None, "proxy": False, "waveform": None, "dubs": {}}
    film = film or find_film(run)
    if film is not None:
        info = probe(film)
        position = run.audio_stream if run.audio_stream is not None else (
            choose_audio_stream(info).position if info.audio else 0
        )  # the stream the run transcribed (a player would start another)
        # A browser plays a file's first audio stream: another needs a proxy.
        playable = browser_playable(info) and position == 0
        source = film if playable else make_proxy(film, cache, position, info)
        link = link_into(source, media_dir / f"{run.stem}{source.suffix.lower()}")
        out.update(
            video=f"media/{quote(link.name)}",  # a film named "#1" or "50%"
            proxy=not playable,
            film_file=str(film),
            waveform=waveform(film, info, cache, position) if info.audio else None,
        )
    for lang in run.languages:
        mix = _dub_mix(run, lang)
        if mix is not None:
            link = link_into(mix, media_dir / f"{run.stem}.{lang}.dub{mix.suffix.lower()}")
            out["dubs"][lang] = f"media/{quote(link.name)}"
    return out
