"""Reuse of dubbed lines across runs: after an editor changes a few cues, a re-dub voices
only those again.

The dubbing stage's cache is per language (a changed cue gives the language a new key
and a new mix); this store sits under it, per line: a fitted line is kept under a key of
its text, the voice's identity (engine, version, model content), the fitting policy and
the room it had (the slot, and the cue's own length, which sets what it borrowed), so
the same line in the same room with the same voice is never synthesized twice. Where
the line sits on the timeline is not in the key: it is set again on reuse.

Layout: ``OUT/.scodub/dub-lines/<key>.wav`` (the fitted audio, 16-bit PCM: what the stem
holds anyway) and ``<key>.json`` (the fitting facts).
"""

from __future__ import annotations

import json
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scodub.dub.fitting import FitPolicy, FittedLine, write_wav
from scodub.fsutil import write_json_atomic
from scodub.stages.cache import stage_key

_FACTS = (
    "duration_ms",
    "natural_ms",
    "engine_rate",
    "stretch",
    "fitted",
    "overflow_ms",
    "borrowed_ms",
    # what the slot could not hold, for the report's warning (an entry without them, of
    # an earlier version, is voiced again: it cannot say)
    "unvoiced_chars",
    "unvoiced",
)


@dataclass(frozen=True, slots=True)
class LineStore:
    """Fitted lines of one voice under one policy, in ``root``."""

    root: Path
    voice: dict[str, Any]  # the voice's identity, as in the stage key
    policy: FitPolicy

    def key(self, text: str, slot_ms: int, cue_ms: int) -> str:
        return stage_key(
            {
                "text": text,
                "voice": self.voice,
                "policy": asdict(self.policy),
                "slot_ms": slot_ms,
                "cue_ms": cue_ms,
            }
        )

    def fetch(
        self, text: str, *, index: int, start_ms: int, slot_end_ms: int, cue_end_ms: int
    ) -> FittedLine | None:
        """The stored line for this text and room, placed at ``start_ms``; None if none."""
        key = self.key(text, slot_end_ms - start_ms, cue_end_ms - start_ms)
        facts_path, audio_path = self.root / f"{key}.json", self.root / f"{key}.wav"
        try:
            facts = json.loads(facts_path.read_text(encoding="utf-8"))
            with wave.open(str(audio_path), "rb") as wav:
                rate = wav.getframerate()
                pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
            values = {name: facts[name] for name in _FACTS}
            if pcm.size != facts["samples"]:  # cut short (a full disk, a copy): the
                return None  # wave module reads a short data chunk without a word
        except (OSError, ValueError, KeyError, TypeError, EOFError, wave.Error):
            return None  # missing, damaged or of the wrong shape: synthesized again
        return FittedLine(
            index=index,
            text=text,
            start_ms=start_ms,
            slot_ms=slot_end_ms - start_ms,
            sample_rate=rate,
            audio=pcm.astype(np.float32) / 32767.0,
            **values,
        )

    def keep(self, line: FittedLine, cue_end_ms: int) -> None:
        key = self.key(line.text, line.slot_ms, cue_end_ms - line.start_ms)
        write_wav(self.root / f"{key}.wav", line.audio, line.sample_rate)
        facts = {n: getattr(line, n) for n in _FACTS} | {"samples": int(line.audio.size)}
        write_json_atomic(self.root / f"{key}.json", facts)
