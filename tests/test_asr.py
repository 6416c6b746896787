"""The ASR stage with the real Whisper base model on real speech."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from conftest import DATA, JFK_REFERENCE, librivox_references
from scodub.asr.guard import looks_hallucinated
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio
from scodub.data import Segment, Word
from scodub.errors import ConfigError, LanguageError
from scodub.media.decode import decode_audio
from scodub.media.probe import choose_audio_stream, probe
from scodub.provision.whisper import ResolvedModel
from scodub.text.metrics import corpus_wer, wer


def _audio(path: Path):  # type: ignore[no-untyped-def]
    info = probe(path)
    return decode_audio(path, choose_audio_stream(info))


def test_jfk_words_timed_and_ordered(whisper_model: ResolvedModel) -> None:
    transcript = transcribe_audio(_audio(DATA / "jfk.wav"), AsrSettings(), whisper_model)
    assert transcript.language == "en" and transcript.language_probability > 0.8
    assert wer(JFK_REFERENCE, transcript.text) <= 0.1
    words = transcript.words
    assert all(w.start_ms < w.end_ms for w in words)
    assert all(a.start_ms <= b.start_ms for a, b in itertools.pairwise(words))
    # JFK starts speaking at 0.32 s (Silero VAD); Whisper alone says 0.0 s.
    assert 200 <= words[0].start_ms <= 400 and words[-1].end_ms <= 11_100


def test_librivox_wer_sequential_and_batched(whisper_model: ResolvedModel) -> None:
    refs = librivox_references()
    for batch_size in (1, 4):
        pairs = []
        for ident, reference in refs.items():
            audio = _audio(DATA / "librivox" / f"{ident}.wav")
            settings = AsrSettings(language="en", batch_size=batch_size)
            pairs.append((reference, transcribe_audio(audio, settings, whisper_model).text))
        assert corpus_wer(pairs) <= 0.08, (batch_size, pairs)


def test_music_only_gives_no_text(whisper_model: ResolvedModel, media_dir: Path) -> None:
    transcript = transcribe_audio(_audio(media_dir / "music.m4a"), AsrSettings(), whisper_model)
    assert transcript.text == ""


def test_snap_to_speech_moves_edges_out_of_pauses() -> None:
    from scodub.asr.whisper import snap_to_speech

    words = (Word("And", 0, 500), Word("so", 520, 900), Word("ask", 2000, 3900))
    snapped = snap_to_speech([Segment(0, 3900, "And so ask", words)], [(300, 1000), (2400, 3500)])
    assert [(w.start_ms, w.end_ms) for w in snapped[0].words] == [
        (300, 500),
        (520, 900),
        (2400, 3500),
    ]
    assert (snapped[0].start_ms, snapped[0].end_ms) == (300, 3500)


def test_settings_validation() -> None:
    with pytest.raises(LanguageError, match="Whisper cannot transcribe Kyrgyz"):
        AsrSettings(language="ky").validate()
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        AsrSettings(language="xx").validate()
    with pytest.raises(ConfigError, match="expected one of: auto, cpu, cuda"):
        AsrSettings(device="tpu").validate()
    settings, _ = prepare(AsrSettings(language="rus"))
    assert settings.language == "ru"


def _seg(text: str, logprob: float = -0.2, no_speech: float = 0.1, ratio: float = 1.2) -> Segment:
    words = tuple(Word(w, i * 300, i * 300 + 250) for i, w in enumerate(text.split()))
    return Segment(0, 1000, text, words, logprob, no_speech, ratio)


def test_hallucination_guard() -> None:
    assert looks_hallucinated(_seg("[Music]"), [])
    assert looks_hallucinated(_seg("♪ ♪"), [])
    assert looks_hallucinated(_seg("Thank you.", logprob=-1.3, no_speech=0.8), [])
    assert looks_hallucinated(_seg("la la la la la la la", ratio=3.1), [])
    previous = [_seg("I love you.")]
    assert looks_hallucinated(_seg("I love you.", logprob=-0.8), previous)
    assert not looks_hallucinated(_seg("I love you.", logprob=-0.2), previous)
    assert not looks_hallucinated(_seg("Ask not what your country can do for you."), [])
    # A line Whisper invents over noise (babble, after the speech), decoded unsure: gone;
    # the same words said clearly stay.
    invented = "I'll see you in the next video, bye bye."
    assert looks_hallucinated(_seg(invented, logprob=-1.43, no_speech=0.46), [])
    assert looks_hallucinated(_seg("Продолжение следует...", logprob=-0.9), [])
    assert not looks_hallucinated(_seg(invented, logprob=-0.2), [])
    assert not looks_hallucinated(_seg("Thanks for watching over my children.", logprob=-0.9), [])
    assert looks_hallucinated(_seg("Thank you for watching. " * 2, logprob=-0.9), [])
    assert looks_hallucinated(_seg("♪ " * 400), [])  # at once: no regex backtracking
