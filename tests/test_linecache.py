"""Per-line reuse of dubbed lines (dub.linecache) with a real espeak-ng voice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scodub.data import Cue
from scodub.dub.fitting import FitPolicy, fit_lines
from scodub.dub.linecache import LineStore
from scodub.dub.voices import Voice, resolve_voice

CUES = (
    Cue(0, 1500, ("Добрый вечер.",)),
    Cue(2000, 3200, ("Это очень длинная фраза, которая едва помещается.",)),
    Cue(4000, 5500, ("До свидания.",)),
)


class CountingVoice:
    """A real voice that records what it was asked to say."""

    def __init__(self, voice: Voice) -> None:
        self._voice = voice
        self.name, self.language = voice.name, voice.language
        self.sample_rate, self.scripts, self.route = voice.sample_rate, voice.scripts, voice.route
        self.texts: list[str] = []

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        self.texts.append(text)
        return self._voice.synthesize(text, rate=rate)


@pytest.fixture(scope="module")
def russian() -> Voice:
    return resolve_voice("ru")


def test_only_changed_lines_are_voiced_again(russian: Voice, tmp_path: Path) -> None:
    store = LineStore(tmp_path, {"voice": russian.name}, FitPolicy())
    voice = CountingVoice(russian)
    first = fit_lines(CUES, voice, 7000, stores={voice.name: store})
    assert set(voice.texts) == {cue.flat_text for cue in CUES}
    assert first[1].speedup > 1.0  # the long line was sped up: its rate is kept too
    edited = (CUES[0], Cue(2000, 3200, ("Короткая фраза.",)), CUES[2])
    voice.texts.clear()
    again = fit_lines(edited, voice, 7000, stores={voice.name: store})
    assert set(voice.texts) == {"Короткая фраза."}
    for old, new in ((first[0], again[0]), (first[2], again[2])):
        assert (new.index, new.start_ms, new.duration_ms, new.speedup) == (
            old.index,
            old.start_ms,
            old.duration_ms,
            old.speedup,
        )
        # 16-bit PCM in the store: what the stem's WAV holds anyway
        assert np.max(np.abs(new.audio - old.audio)) <= 1 / 32767 + 1e-6


def test_a_line_in_another_room_or_voice_is_voiced_again(russian: Voice, tmp_path: Path) -> None:
    voice = CountingVoice(russian)
    store = LineStore(tmp_path, {"voice": russian.name}, FitPolicy())
    fit_lines(CUES[:1], voice, 7000, stores={voice.name: store})
    moved = (Cue(500, 2000, CUES[0].lines),)  # same length of slot and cue: reused
    voice.texts.clear()
    line = fit_lines(moved, voice, 7500, stores={voice.name: store})[0]
    assert voice.texts == [] and line.start_ms == 500
    shorter = (Cue(0, 900, CUES[0].lines),)  # less room: fitted again
    fit_lines(shorter, voice, 7000, stores={voice.name: store})
    assert voice.texts
    voice.texts.clear()
    other = LineStore(tmp_path, {"voice": "another"}, FitPolicy())
    fit_lines(CUES[:1], voice, 7000, stores={voice.name: other})
    assert voice.texts
    for wav in tmp_path.glob("*.wav"):
        wav.write_bytes(b"damaged")
    voice.texts.clear()
    # a damaged entry: made again
    line = fit_lines(CUES[:1], voice, 7000, stores={voice.name: store})[0]
    assert set(voice.texts) == {CUES[0].flat_text} and line.audio.size > 0


def test_a_stored_line_cut_short_is_voiced_again(russian: Voice, tmp_path: Path) -> None:
    """A stored line's WAV cut short (a full disk, an interrupted copy) was reused: the
    wave module reads a short data chunk without an error, and the dub line stopped
    early in the delivery, its report still saying it fitted."""
    voice = CountingVoice(russian)
    store = LineStore(tmp_path, {"voice": russian.name}, FitPolicy())
    first = fit_lines(CUES[:1], voice, 7000, stores={voice.name: store})[0]
    (wav,) = tmp_path.glob("*.wav")
    data = wav.read_bytes()
    wav.write_bytes(data[: len(data) // 3])
    voice.texts.clear()
    again = fit_lines(CUES[:1], voice, 7000, stores={voice.name: store})[0]
    assert voice.texts == [CUES[0].flat_text]
    assert abs(again.audio.size - first.audio.size) < first.audio.size // 10


def test_a_reused_line_still_says_what_it_left_unvoiced(russian: Voice, tmp_path: Path) -> None:
    """A cue too long for its slot is voiced only in part, and the dub report warns of
    the rest. Reused from the store (a re-dub after an editor changed another cue), the
    line said it had voiced everything: the warning was gone, the cut still there."""
    long = Cue(0, 1000, ("Это очень длинная фраза, " * 8,))
    voice = CountingVoice(russian)
    store = LineStore(tmp_path, {"voice": russian.name}, FitPolicy())
    first = fit_lines((long,), voice, 1000, stores={voice.name: store})[0]
    assert first.truncated and first.unvoiced
    voice.texts.clear()
    again = fit_lines((long,), voice, 1000, stores={voice.name: store})[0]
    assert voice.texts == []
    assert (again.unvoiced_chars, again.unvoiced) == (first.unvoiced_chars, first.unvoiced)
