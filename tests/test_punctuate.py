"""Speech Whisper wrote flat (no capital, no mark) gets its case and punctuation from a
primed decoding of its own audio; its words and times never change (scodub.asr.punctuate)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from conftest import DATA
from scodub.asr.punctuate import flat_runs, fold, restore_case
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
    assert flat_runs(short) == []
    assert restore_case(_NoDecoding(), audio, short, "en", {}) == (short, 0)
    flat_zh = [seg("我们 以前 见过", 0)]  # no letter case: no prompt for it
    assert restore_case(_NoDecoding(), audio, flat_zh, "zh", {}) == (flat_zh, 0)
    # two flat segments 1 s apart are one run; one 3 s later is another
    flat = [seg("and so my", 0), seg("fellow americans", 1800), seg("ask not what", 6000)]
    assert flat_runs(flat) == [[0, 1], [2]]
