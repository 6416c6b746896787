"""The real English clips and what they say, without test-framework imports (benchmarks
that run where pytest or ffmpeg is missing read them from here)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def librivox_references() -> dict[str, str]:
    """Reference transcripts of the LibriVox clips, by file stem."""
    refs: dict[str, str] = {}
    for line in (DATA / "librivox" / "transcription").read_text().splitlines():
        text, _, ident = line.rpartition("(")
        words = text.replace("<s>", "").replace("</s>", "").split()
        refs[ident.strip(" )")] = " ".join(words)
    return refs


JFK_REFERENCE = (
    "and so my fellow americans ask not what your country can do for you "
    "ask what you can do for your country"
)
