"""Real Russian speech for ``bench_names.py``: the glossary must change nothing in it.

festvox-ru (Debian, BSD-like) holds 620 recorded utterances of one reader (a novel: no
festival name in it) with their text. They are joined in reading order, 0.7 s apart,
into clips of at most 25 s, as the English festival clips are. The package is found
where Debian installs it, else fetched once into the bench cache with ``apt-get download``
and ``dpkg-deb -x`` (no root needed).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_VOICE = Path("usr/share/festival/voices/russian/msu_ru_nsh_clunits")
_LINE = re.compile(r'\( (\S+) "(.*)" \)')


def festvox_ru(cache: Path) -> Path | None:
    """The voice folder (``wav/``, ``etc/txt.done.data``), fetched into ``cache`` if the
    system has none; ``None`` (with the reason printed) when it cannot be had."""
    for root in (Path("/"), cache / "festvox-ru"):
        if (root / _VOICE / "etc" / "txt.done.data").is_file():
            return root / _VOICE
    target = cache / "festvox-ru"
    target.mkdir(parents=True, exist_ok=True)
    try:
        got = subprocess.run(["apt-get", "download", "festvox-ru"], cwd=target,
                             capture_output=True, text=True, check=False)
        why = (got.stderr.strip().splitlines() or [f"apt-get exit {got.returncode}"])[-1]
    except OSError as exc:  # no apt-get: not Debian
        why = str(exc)
    debs = sorted(target.glob("festvox-ru_*.deb"))
    if not debs:
        print(f"   festvox-ru not available ({why}): real Russian speech skipped")
        return None
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(target)], check=True)
    return target / _VOICE


def utterances(voice: Path) -> list[tuple[str, str]]:
    """(id, text) in reading order; the text without the reader's stress marks."""
    out = []
    for line in (voice / "etc" / "txt.done.data").read_text(encoding="utf-8").splitlines():
        m = _LINE.match(line.strip())
        if m:
            out.append((m.group(1), m.group(2).replace("+", "")))
    return sorted(out)


def clips(voice: Path, count: int, rate: int, pause_s: float = 0.7,
          clip_s: float = 25.0) -> Iterator[tuple[str, np.ndarray]]:
    """The first ``count`` utterances joined into clips: (first id, audio at ``rate``)."""
    from faster_whisper.audio import decode_audio

    pause = np.zeros(int(pause_s * rate), dtype=np.float32)
    parts: list[np.ndarray] = []
    first = ""
    for uid, _ in utterances(voice)[:count]:
        audio = decode_audio(str(voice / "wav" / f"{uid}.wav"), rate)
        if parts and (sum(len(p) for p in parts) + len(audio)) / rate > clip_s:
            yield first, np.concatenate(parts)
            parts = []
        if not parts:
            first = uid
        parts += [audio, pause]
    if parts:
        yield first, np.concatenate(parts)


__all__ = ["clips", "festvox_ru", "utterances"]
