"""Fitting dubbed lines into their slots, and the stem they make (real synthesis)."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scodub.data import Cue
from scodub.dub.fitting import (
    FitPolicy,
    fit_line,
    fit_lines,
    render_stem,
    slot_ends,
    summarize,
    trim_silence,
    write_stem,
    write_wav,
)
from scodub.dub.tempo import resample, time_stretch
from scodub.dub.voices import Voice, resolve_voice
from scodub.errors import LanguageError
from scodub.langs import TIMING

pytestmark = pytest.mark.slow

SR = 22050
GAP_MS = TIMING.frames_ms(TIMING.min_gap_frames, None)
LONG_LINE = "This sentence has far too many words to be spoken in the short time it is given."


@pytest.fixture(scope="session")
def english() -> Voice:
    return resolve_voice("en")


@pytest.fixture(scope="session")
def russian() -> Voice:
    return resolve_voice("ru")


class CountingVoice:
    """A real voice that counts its synthesis calls."""

    def __init__(self, voice: Voice) -> None:
        self._voice = voice
        self.name, self.language = voice.name, voice.language
        self.sample_rate, self.scripts, self.route = voice.sample_rate, voice.scripts, voice.route
        self.rates: list[float] = []

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        self.rates.append(rate)
        return self._voice.synthesize(text, rate=rate)


def natural_ms(voice: Voice, text: str) -> int:
    return round(trim_silence(voice.synthesize(text), voice.sample_rate).size * 1000 / SR)


def dominant_hz(audio: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1 / sample_rate)[int(np.argmax(spectrum))])


def test_trim_silence_keeps_only_a_margin() -> None:
    tone = 0.5 * np.sin(2 * np.pi * 300 * np.arange(SR) / SR).astype(np.float32)
    padded = np.concatenate([np.zeros(SR // 2), tone, np.zeros(SR)]).astype(np.float32)
    trimmed = trim_silence(padded, SR)
    margin = FitPolicy().keep_ms * SR // 1000
    assert tone.size <= trimmed.size <= tone.size + 2 * margin + SR // 100
    assert trim_silence(np.zeros(SR, dtype=np.float32), SR).size == 0


def test_time_stretch_keeps_pitch() -> None:
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(2 * SR) / SR).astype(np.float32)
    faster = time_stretch(tone, SR, 1.25)
    assert abs(faster.size - tone.size / 1.25) < SR * 0.02
    assert abs(dominant_hz(faster, SR) - 440) < 5
    with pytest.raises(ValueError):
        time_stretch(tone, SR, 3.0)


def test_resample_changes_rate_not_duration() -> None:
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    up = resample(tone, SR, 48000)
    assert abs(up.size - 48000) <= 48
    assert abs(dominant_hz(up, 48000) - 440) < 5


def test_short_line_is_placed_at_its_in_time(english: Voice) -> None:
    line = fit_line(english, "Yes.", index=3, start_ms=2000, slot_end_ms=6000, cue_end_ms=3000)
    assert (line.index, line.start_ms, line.engine_rate, line.stretch) == (3, 2000, 1.0, 1.0)
    assert line.fitted and line.overflow_ms == 0
    assert line.duration_ms == line.natural_ms < 1000  # not slowed down to fill the slot
    assert 0 <= line.duration_ms * SR / 1000 - line.audio.size < SR / 1000


def test_speed_up_order_rate_then_stretch_then_report(english: Voice) -> None:
    # Piper's VITS noise moves a line's length from one synthesis to the next (measured on
    # this line: sd 1.7%, 3.95-4.21 s over 30 tries), so the slots are set from 5 tries:
    # a slot 6% under the shortest is never met at the voice's own rate.
    naturals = sorted(natural_ms(english, LONG_LINE) for _ in range(5))

    # A little too long: the engine's own rate is enough.
    voice = CountingVoice(english)
    mild = fit_line(voice, LONG_LINE, index=1, start_ms=0, slot_end_ms=int(naturals[0] / 1.06),
                    cue_end_ms=1000)
    assert mild.fitted and 1.0 < mild.engine_rate <= 1.3 and mild.stretch == 1.0
    assert voice.rates[0] == 1.0 and len(voice.rates) >= 2
    assert mild.duration_ms <= mild.slot_ms

    # Much too long: fastest engine rate, then a pitch-kept stretch of at most 1.25.
    # (Rate 1.3 makes this line about 1.17x shorter once trimmed: a slot 1.3x under the
    # median needs a stretch of 1.07-1.17.)
    strong = fit_line(english, LONG_LINE, index=2, start_ms=0, slot_end_ms=int(naturals[2] / 1.3),
                      cue_end_ms=1000)
    assert strong.fitted and strong.engine_rate == 1.3 and 1.0 < strong.stretch <= 1.25
    assert strong.duration_ms <= strong.slot_ms

    # Impossible: cut at the end of the slot with a fade, and reported.
    hopeless = fit_line(english, LONG_LINE, index=3, start_ms=500, slot_end_ms=1500,
                        cue_end_ms=1200)
    assert not hopeless.fitted
    assert hopeless.engine_rate == 1.3 and hopeless.stretch == 1.25
    # Only what a 1 s slot can hold at the fastest rate is voiced (issue 7): the rest
    # is reported as unvoiced text, what was voiced and did not fit as overflow.
    assert hopeless.duration_ms == 1000 and hopeless.overflow_ms > 500
    assert hopeless.truncated and LONG_LINE.endswith(hopeless.unvoiced)
    assert abs(float(hopeless.audio[-1])) < 1e-3  # faded out, no click
    summary = summarize("en", english.name, [mild, strong, hopeless])
    assert [line.index for line in summary.not_fitted] == [3]
    assert summary.natural == 0
    assert summary.up_to_1_1 + summary.up_to_1_25 + summary.beyond_1_25 == 2
    assert "cue 3" in summary.describe() and summary.to_json()["speedup"]["not_fitted"] == 1


def test_slots_run_to_the_next_in_time_and_the_film_end() -> None:
    cues = [Cue(0, 1000, ("a",)), Cue(1500, 2000, ("b",)), Cue(1540, 3000, ("c",))]
    assert slot_ends(cues, 9000, gap_ms=83) == [1417, 1500, 9000]


def test_lines_borrow_following_silence_but_never_overlap(russian: Voice) -> None:
    cues = [
        Cue(0, 800, ("Мы должны уйти до рассвета, иначе нас найдут.",)),
        Cue(1200, 2000, ("Куда?",)),
        Cue(2100, 3000, ("Туда, где нас никто не будет искать, за горами и за рекой.",)),
    ]
    lines = fit_lines(cues, russian, 6000)
    assert [line.index for line in lines] == [1, 2, 3]
    assert lines[0].borrowed_ms > 0  # spoke into the silence after its out-time
    for line, following in itertools.pairwise(lines):
        assert line.end_ms <= following.start_ms - GAP_MS
    assert lines[-1].end_ms <= 6000
    render_stem(lines, 6000, russian.sample_rate)  # raises on overlap


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    starts=st.lists(st.integers(0, 20000), min_size=1, max_size=6, unique=True),
    words=st.lists(st.integers(1, 14), min_size=6, max_size=6),
)
def test_stem_never_overlaps_property(russian: Voice, starts: list[int], words: list[int]) -> None:
    starts.sort()
    film_ms = starts[-1] + 1500
    cues = [
        Cue(start, start + 500, (" ".join(["слово"] * words[i]),)) for i, start in enumerate(starts)
    ]
    lines = fit_lines(cues, russian, film_ms)
    for line, following in itertools.pairwise(lines):
        assert line.end_ms <= following.start_ms
    for line in lines:
        assert line.stretch <= 1.25 and line.engine_rate <= 1.3
        assert line.fitted == (line.overflow_ms == 0)
    stem = render_stem(lines, film_ms, russian.sample_rate)
    assert stem.size == round(film_ms * russian.sample_rate / 1000)


def test_wrong_script_cue_fails_before_any_synthesis(english: Voice) -> None:
    voice = CountingVoice(english)
    cues = [Cue(0, 1000, ("Hello.",)), Cue(1500, 2500, ("你好，", "世界"))]
    with pytest.raises(LanguageError, match="cue 2"):
        fit_lines(cues, voice, 4000)
    assert voice.rates == []


def test_stem_places_lines_and_resamples(english: Voice, tmp_path: Path) -> None:
    cues = [Cue(1000, 2500, ("Good morning.",)), Cue(4000, 5000, ("Thank you.",))]
    lines = fit_lines(cues, english, 7000)
    stem = render_stem(lines, 7000, 48000)
    assert stem.size == 7 * 48000
    audible = np.flatnonzero(np.abs(stem) > 0.01)
    assert 1000 <= audible[0] * 1000 / 48000 < 1100  # speech starts at the in-time
    assert audible[-1] * 1000 / 48000 <= lines[-1].end_ms + 5
    assert np.abs(stem[: 48000 * 95 // 100]).max() == 0.0  # silence before the first line
    target = tmp_path / "dub ру.wav"
    write_wav(target, stem, 48000)
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (48000, 1, stem.size)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_the_streamed_stem_is_the_rendered_stem_and_keeps_no_audio(
    english: Voice, tmp_path: Path
) -> None:
    cues = [Cue(1000, 2500, ("Good morning.",)), Cue(4000, 5000, ("Thank you.",))]
    lines = fit_lines(cues, english, 5200)  # the last line is cut at the film's end
    rendered, streamed = tmp_path / "rendered.wav", tmp_path / "streamed.wav"
    write_wav(rendered, render_stem(lines, 5200, english.sample_rate), english.sample_rate)
    kept = write_stem(streamed, iter(lines), 5200, english.sample_rate)
    assert streamed.read_bytes() == rendered.read_bytes()
    assert [line.audio.size for line in kept] == [0, 0]
    times = [(x.start_ms, x.duration_ms) for x in lines]
    assert [(k.start_ms, k.duration_ms) for k in kept] == times


def test_pictographs_and_music_signs_are_not_read_aloud(russian: Voice) -> None:
    """A voice reads an emoji by its name ("waving hand") and a music note as a word:
    what is read is the cue's words only."""
    from scodub.dub.fitting import iter_fit_lines
    from scodub.dub.scripts import speech_text

    assert speech_text("Привет 👋 мир 🌍") == "Привет мир"
    assert speech_text("<i>♪ La la la ♪</i>") == "La la la"
    assert speech_text("25° for $10, №5") == "25° for $10, №5"  # signs that are words
    cues = [Cue(1000, 3000, ("Привет 👋 мир 🌍",)), Cue(4000, 6000, ("Привет мир",)),
            Cue(7000, 9000, ("♪ ♪",))]  # fmt: skip
    lines = list(iter_fit_lines(cues, russian, 10_000, fps=25.0))
    assert abs(lines[0].natural_ms - lines[1].natural_ms) <= 5 and lines[0].text == "Привет мир"
    assert lines[2].audio.size == 0 or float(np.abs(lines[2].audio).max()) == 0.0
