"""Word edges refined against the audio (scodub.asr.edges): properties over any words and
speech map, the known failure shapes, energy sharpening, and real speech (issue 14)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, run_ffmpeg
from scodub.asr.edges import (
    MAX_SHIFT_MS,
    SpeechMap,
    energy_db,
    refine_words,
    sharpen,
    speech_map,
)
from scodub.asr.whisper import AsrSettings, transcribe_audio
from scodub.data import Word
from scodub.langs import TIMING, get_language
from scodub.media.decode import decode_audio
from scodub.provision.whisper import ResolvedModel
from scodub.text.segment import plan_cues


@st.composite
def speech_maps(draw: st.DrawFn) -> SpeechMap:
    cuts = draw(st.lists(st.integers(0, 20_000), min_size=0, max_size=16, unique=True))
    cuts.sort()
    pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    return SpeechMap(tuple(pairs))


@st.composite
def word_lists(draw: st.DrawFn) -> list[Word]:
    words = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, 20_000))
        words.append(Word("w", start, start + draw(st.integers(1, 2500))))
    return words


def _on_speech_start(speech: SpeechMap, t: int) -> bool:
    return speech.is_speech(t)


def _on_speech_end(speech: SpeechMap, t: int) -> bool:
    return any(a < t <= b for a, b in speech.regions)


@settings(max_examples=400, deadline=None)
@given(speech_maps(), word_lists())
def test_refinement_only_moves_edges_onto_speech(speech: SpeechMap, words: list[Word]) -> None:
    refined = refine_words(words, speech)
    assert len(refined) == len(words)
    for old, new in zip(words, refined, strict=True):
        assert new.text == old.text and new.probability == old.probability
        assert new.start_ms < new.end_ms
        if new.start_ms != old.start_ms:
            assert _on_speech_start(speech, new.start_ms), (old, new, speech)
        if new.end_ms != old.end_ms:
            assert _on_speech_end(speech, new.end_ms), (old, new, speech)
        overlaps = any(a < old.end_ms and old.start_ms < b for a, b in speech.regions)
        if overlaps:  # a word on speech only shrinks onto it
            assert old.start_ms <= new.start_ms < new.end_ms <= old.end_ms
        else:  # a word in a pause moves at most MAX_SHIFT_MS away, or stays
            moved = new.start_ms - old.start_ms
            assert new == old or abs(moved) <= MAX_SHIFT_MS + (old.end_ms - old.start_ms)


@settings(max_examples=300, deadline=None)
@given(speech_maps(), word_lists())
def test_refinement_is_idempotent_and_keeps_words_inside_one_region(
    speech: SpeechMap, words: list[Word]
) -> None:
    refined = refine_words(words, speech)
    assert refine_words(refined, speech) == refined
    for old, new in zip(words, refined, strict=True):
        if any(a <= old.start_ms and old.end_ms <= b for a, b in speech.regions):
            assert new == old  # nothing doubtful: untouched


@settings(max_examples=300, deadline=None)
@given(speech_maps(), word_lists())
def test_refinement_keeps_the_words_in_order(speech: SpeechMap, words: list[Word]) -> None:
    """Words in order (as Whisper gives them) stay in order: two words moved onto one
    stretch of speech made a later word start before the one before it."""
    ordered, at = [], 0
    for word in sorted(words, key=lambda w: w.start_ms):
        start = max(word.start_ms, at)
        ordered.append(replace(word, start_ms=start, end_ms=start + word.end_ms - word.start_ms))
        at = ordered[-1].end_ms
    refined = refine_words(ordered, speech)
    for before, after in pairwise(refined):
        assert before.end_ms <= after.start_ms, (ordered, refined, speech)


def test_two_words_moved_onto_one_stretch_keep_their_times() -> None:
    # Silero heard "ask not" as one short stretch at 24.0 s (its lagging state after a
    # silence); Whisper's times for both words were right.
    speech = SpeechMap(((20320, 22144), (24000, 24320), (25410, 27616)))
    words = [Word("ask", 23290, 23750), Word("not", 23750, 24250)]
    assert refine_words(words, speech) == words


def test_known_failure_shapes() -> None:
    speech = SpeechMap(((300, 2100), (3300, 3700), (5400, 7500)))
    words = [
        Word("And", 0, 500),  # starts in the opening silence: onto the onset
        Word("ask", 2600, 2900),  # wholly in a pause, nearer the next stretch
        Word("not", 2200, 2400),  # wholly in a pause, nearer the previous stretch
        Word("what", 1900, 6000),  # spans long pauses: the stretch with most speech
        Word("you", 10000, 10300),  # far from any speech: VAD missed it, left alone
        Word("can", 3400, 3600),  # on speech: untouched
    ]
    refined = [(w.start_ms, w.end_ms) for w in refine_words(words, speech)]
    assert refined == [
        (300, 500),
        (3300, 3600),
        (1900, 2100),
        (5400, 6000),
        (10000, 10300),
        (3400, 3600),
    ]


def _tone_with_floor(onset_ms: int, offset_ms: int, total_ms: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(7)
    audio = rng.normal(0, 0.002, total_ms * 16).astype(np.float32)  # -54 dBFS floor
    t = np.arange((offset_ms - onset_ms) * 16) / 16000
    audio[onset_ms * 16 : offset_ms * 16] += (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return audio


def test_sharpen_moves_late_vad_edges_to_the_energy_edges() -> None:
    audio = _tone_with_floor(500, 1400)
    late = sharpen([(560, 1340)], energy_db(audio), 2000)
    ((start, end),) = late.regions
    assert 480 <= start <= 510 and 1390 <= end <= 1420
    # Never further than the sharpening window, never into a neighbour.
    far = sharpen([(700, 1000), (1050, 1340)], energy_db(audio), 2000)
    assert far.regions[0][0] >= 700 - 96 and far.regions[0][1] <= 1050
    # A flat signal (no edge in it) keeps VAD's edges.
    flat = np.full(32000, 0.1, dtype=np.float32)
    assert sharpen([(560, 1340)], energy_db(flat), 2000).regions == ((560, 1340),)


def _shifted(src: Path, folder: Path, name: str, *filters: str) -> np.ndarray:
    target = folder / f"{name}.wav"
    run_ffmpeg("-i", str(src), "-af", ",".join(filters), "-c:a", "pcm_f32le", str(target))
    return decode_audio(target)


# JFK's stretches of speech after a pause of 250 ms or more (the clean clip, a plain
# energy detector at 5 ms, independent of Silero: bench/timing_clips.py).
JFK_ONSETS = (320, 3280, 4005, 5405, 8180)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "filters", "shift"),
    [
        ("pad-1s-quiet", ("adelay=1000:all=1", "volume=-6dB"), 1000),
        ("pad-20ms-loud", ("adelay=20:all=1", "volume=6dB", "apad=pad_dur=0.02"), 20),
    ],
)
def test_jfk_cue_in_times_on_speech_under_input_changes(
    whisper_model: ResolvedModel, tmp_path: Path, name: str, filters: tuple[str, ...], shift: int
) -> None:
    audio = _shifted(DATA / "jfk.wav", tmp_path, name, *filters)
    speech = speech_map(audio)
    assert abs(speech.regions[0][0] - (JFK_ONSETS[0] + shift)) <= 40
    words = list(transcribe_audio(audio, AsrSettings(language="en"), whisper_model).words)
    plan = plan_cues(words, get_language("en"), None)
    tolerance = TIMING.frames_ms(TIMING.in_time_tolerance_frames, None)
    onsets = [t + shift for t in JFK_ONSETS]
    for p in plan:  # every cue opens on speech: never in the pause before it
        nearest = min(onsets, key=lambda o: abs(o - p.cue.start_ms))
        inside = any(a <= p.cue.start_ms < b for a, b in speech.regions)
        assert inside or abs(p.cue.start_ms - nearest) <= tolerance, (p.cue, onsets)
        last_end = max(w.end_ms for w in words[p.first_word : p.end_word])
        assert p.cue.end_ms >= last_end - TIMING.frames_ms(TIMING.min_gap_frames, None)
    first = plan[0].cue.start_ms
    assert abs(first - onsets[0]) <= tolerance, (first, onsets[0])


@pytest.mark.slow
def test_speech_map_finds_piper_sentence_onsets(tmp_path: Path) -> None:
    """Exact references: each sentence spoken alone by Piper, joined with known pauses."""
    import wave

    from scodub.dub.piper_voice import load_piper_voice
    from scodub.provision.piper import embedded_english_model

    voice = load_piper_voice(embedded_english_model())
    rate = voice.sample_rate
    parts, onsets, at = [np.zeros(rate // 2, dtype=np.float32)], [], rate // 2
    for sentence in ("And so we waited.", "I never said that.", "Oh, it is you again."):
        audio = voice.synthesize(sentence)
        first = int(np.flatnonzero(np.abs(audio) > 10 ** (-45 / 20))[0])
        onsets.append((at + first) * 1000 // rate)
        parts += [audio, np.zeros(rate * 7 // 10, dtype=np.float32)]
        at += len(audio) + rate * 7 // 10
    path = tmp_path / "sentences.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.concatenate(parts) * 32767).astype("<i2").tobytes())
    speech = speech_map(decode_audio(path))  # resampled to 16 kHz by ffmpeg
    starts = [a for a, _ in speech.regions]
    for onset in onsets:
        nearest = min(starts, key=lambda s: abs(s - onset))
        assert abs(nearest - onset) <= 40, (onset, speech.regions)
