"""Speech Whisper skipped, decoded again on its own (scodub.asr.recover), with the real
model on real recordings: a skipped line comes back with its words and times, speech in
another language does not, nor does anything where Whisper wrote every line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import DATA
from scodub.asr.edges import speech_map
from scodub.asr.recover import MIN_MS, recover_skipped, skipped_stretches
from scodub.asr.whisper import (
    AsrSettings,
    _to_segment,
    load_model,
    prepare,
    resolve_device,
    transcribe_audio,
)
from scodub.data import Segment, Transcript, Word
from scodub.media.decode import ASR_SAMPLE_RATE, decode_audio
from scodub.media.probe import probe
from scodub.provision.whisper import ResolvedModel

JFK = DATA / "jfk.wav"
RUSSIAN = DATA / "festvox-ru" / "three.wav"
LINE = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0890.wav"


def _audio(path: Any) -> np.ndarray:
    return decode_audio(path, probe(path).audio[0])


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * ASR_SAMPLE_RATE), dtype=np.float32)


def _whisper(model: ResolvedModel) -> Any:
    settings, _ = prepare(AsrSettings(language="en"))
    device, compute = resolve_device(settings.device, settings.compute_type)
    return load_model(str(model.path), device, compute, settings.cpu_threads)


_OPTIONS = {"task": "transcribe", "beam_size": 5, "word_timestamps": True,
            "condition_on_previous_text": False}


def _words(segments: list[Segment]) -> list[str]:
    return [w.text.strip(".,!?").lower() for s in segments for w in s.words]


def test_a_skipped_line_is_decoded_again_with_its_words_and_times(
        whisper_model: ResolvedModel) -> None:
    # a LibriVox line, 1 s of silence, then JFK: the transcript as if Whisper had
    # written only JFK's words (the first line skipped, as it skips a window's first line)
    audio = np.concatenate([_silence(0.5), _audio(LINE), _silence(1.0), _audio(JFK)])
    settings, _ = prepare(AsrSettings(language="en"))
    full = transcribe_audio(audio, settings, whisper_model)
    assert full.recovered_segments == 0  # Whisper wrote every line: nothing to recover
    line_end = (0.5 + len(_audio(LINE)) / ASR_SAMPLE_RATE) * 1000
    skipped = [s for s in full.segments if s.start_ms < line_end]
    rest = [s for s in full.segments if s.start_ms >= line_end]
    assert skipped and rest
    speech = speech_map(audio)
    stretches = skipped_stretches(speech.regions, rest)
    assert stretches and stretches[0][0] < skipped[0].words[0].end_ms
    merged, count = recover_skipped(_whisper(whisper_model), audio, rest, speech,
                                    _OPTIONS, "en", True, _to_segment)
    assert count >= 1
    back = [s for s in merged if s.start_ms < line_end]
    said = _words(skipped)
    heard = _words(back)
    assert len(set(said) & set(heard)) >= 0.8 * len(set(said)), (said, heard)
    # in time order, inside the line's speech, and JFK's words untouched
    starts = [s.start_ms for s in merged]
    assert starts == sorted(starts)
    assert all(w.start_ms >= 0 and w.end_ms <= line_end + 300 for s in back for w in s.words)
    assert merged[len(back):] == rest


def test_speech_in_another_language_is_not_decoded_again(
        whisper_model: ResolvedModel) -> None:
    # JFK, then Russian that Whisper (asked for English) left without words: its words
    # would be a translation or nonsense, so it stays unheard (the hearing note names it)
    english = _audio(JFK)
    audio = np.concatenate([english, _silence(1.0), _audio(RUSSIAN)])
    settings, _ = prepare(AsrSettings(language="en"))
    heard = transcribe_audio(english, settings, whisper_model).segments
    speech = speech_map(audio)
    stretches = skipped_stretches(speech.regions, heard)
    assert stretches and sum(b - a for a, b in stretches) >= MIN_MS
    merged, count = recover_skipped(_whisper(whisper_model), audio, heard, speech,
                                    _OPTIONS, "en", True, _to_segment)
    assert (merged, count) == (list(heard), 0)


@pytest.mark.parametrize("gap_ms", [0, 600])
def test_no_stretch_where_every_line_was_written_or_too_short(gap_ms: int) -> None:
    words = (Word("one", 0, 400), Word("two", 500 + gap_ms, 900 + gap_ms))
    seg = Segment(0, words[-1].end_ms, "one two", words)
    assert skipped_stretches([(0, 900 + gap_ms)], [seg]) == []
    assert skipped_stretches([(0, 900), (5000, 5000 + MIN_MS - 1)], [seg]) == []
    assert skipped_stretches([(5000, 5000 + MIN_MS)], [seg]) == [(5000, 5000 + MIN_MS)]


def test_the_count_is_kept_in_the_transcript() -> None:
    t = Transcript("en", 1.0, 1000, (), recovered_segments=2)
    assert Transcript.from_json(t.to_json()).recovered_segments == 2
    old = {k: v for k, v in t.to_json().items() if k != "recovered_segments"}
    assert Transcript.from_json(old).recovered_segments == 0  # written by an older scodub
