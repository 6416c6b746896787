"""Speech Whisper wrote flat (no capital, no mark) gets its case and punctuation from a
primed decoding of its own audio; its words and times never change (scodub.asr.punctuate)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from conftest import DATA
from scodub.asr.punctuate import flat_stretches, fold, restore_case
from scodub.asr.whisper import AsrSettings, load_model, resolve_device, transcribe_audio
from scodub.data import Segment, Word
from scodub.media.decode import decode_audio
from scodub.media.probe import choose_audio_stream, probe
from scodub.provision.whisper import ResolvedModel


def _flattened(segment: Segment) -> Segment:
    words = tuple(replace(w, text=fold(w.text)) for w in segment.words)
    return replace(segment, words=words, text=" ".join(w.text for w in words))


def _audio(name: str) -> np.ndarray:
    path = DATA / name
    return decode_audio(path, choose_audio_stream(probe(path)))


class _NoDecoding:
    def transcribe(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing here needed decoding again")


@pytest.mark.parametrize(("clip", "lang"), [("jfk.wav", "en"), ("festvox-ru/three.wav", "ru")])
def test_flat_speech_is_written_with_case_and_punctuation(
    clip: str, lang: str, whisper_model: ResolvedModel
) -> None:
    audio = _audio(clip)
    heard = transcribe_audio(audio, AsrSettings(language=lang), whisper_model)
    assert any(c.isupper() for c in heard.text)  # Whisper wrote it with capitals here
    flat = [_flattened(s) for s in heard.segments]
    device, compute = resolve_device("auto", "auto")
    whisper = load_model(str(whisper_model.path), device, compute, 0)
    restored, changed = restore_case(whisper, audio, flat, lang, {"beam_size": 5})
    assert changed >= 1
    text = " ".join(s.text for s in restored)
    assert any(c.isupper() for c in text) and any(c in ".,?!" for c in text), text
    # the same words at the same times: only how they are written changed
    for before, after in zip(flat, restored, strict=True):
        assert [(fold(w.text), w.start_ms, w.end_ms) for w in after.words] == [
            (w.text, w.start_ms, w.end_ms) for w in before.words
        ]
    if lang == "en":
        assert text.startswith("And so") and "Americans" in text and text.endswith("."), text


def test_only_runs_written_flat_in_a_cased_language_are_decoded_again() -> None:
    def seg(text: str, start: int) -> Segment:
        words = tuple(Word(w, start + 300 * k, start + 300 * k + 250)
                      for k, w in enumerate(text.split()))
        return Segment(start, words[-1].end_ms, text, words)

    written = [seg("And so, my friends.", 0), seg("We met before?", 3000)]
    audio = np.zeros(16000 * 10, dtype=np.float32)
    assert restore_case(_NoDecoding(), audio, written, "en", {}) == (written, 0)
    short = [seg("i know", 0)]  # too short to tell
    assert flat_stretches(short) == []
    assert restore_case(_NoDecoding(), audio, short, "en", {}) == (short, 0)
    flat_zh = [seg("我们 以前 见过", 0)]  # no letter case: no prompt for it
    assert restore_case(_NoDecoding(), audio, flat_zh, "zh", {}) == (flat_zh, 0)
    # flat segments close together are one stretch, with the segment before as context
    # (a flat segment may go on with its sentence) and the first after it; a pause of 8 s
    # or 25 s of speech starts another
    parts = [seg("When I was young,", 0), seg("my father told me", 1500),
             seg("that the world was dangerous", 3000), seg("Then he left.", 5000),
             seg("and never came back", 14_000)]
    assert flat_stretches(parts) == [(0, 3), (4, 4)]


def test_a_flat_segment_in_the_middle_of_a_sentence_is_not_made_a_sentence() -> None:
    """Decoded with the segment before it, the flat middle of a sentence keeps its small
    letter: only flat segments change, the context stays as heard."""

    class _Decoding:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def transcribe(self, audio: np.ndarray, **options: Any) -> Any:
            self.calls.append(options)
            text = " When I was young, my father told me that the world was dangerous."
            return iter([type("Raw", (), {"text": text})()]), None

    def seg(text: str, start: int) -> Segment:
        words = tuple(Word(w, start + 300 * k, start + 300 * k + 250)
                      for k, w in enumerate(text.split()))
        return Segment(start, words[-1].end_ms, text, words)

    parts = [seg("When I was young,", 0), seg("my father told me", 1500),
             seg("that the world was dangerous", 3000)]
    decoder = _Decoding()
    audio = np.zeros(16000 * 6, dtype=np.float32)
    restored, changed = restore_case(decoder, audio, parts, "en", {"clip_timestamps": "0"})
    assert [s.text for s in restored] == ["When I was young,", "my father told me",
                                          "that the world was dangerous."]
    assert changed == 1 and restored[0] is parts[0]
    assert decoder.calls[0]["initial_prompt"] and "clip_timestamps" not in decoder.calls[0]
