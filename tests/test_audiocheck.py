"""Festival names checked against the audio (issue 8): real Whisper, real speech.

- Ordinary speech (JFK, LibriVox) comes out word for word the same with the festival
  glossary as without it: no name is written that nobody said.
- A correction the text alone would make ("John Dashwood" -> a look-alike glossary name)
  is refused when the audio says otherwise.
- A festival name Whisper mishears on its own is written right, with its evidence: the
  written text's score for the audio is at least the heard text's.
- A long film, transcribed window by window, gets the same names and corrections as the
  short path gives each window's audio.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from conftest import DATA
from glossary_cases import festival_glossary
from scodub.asr.long import cut_point, transcribe_stream
from scodub.asr.whisper import AsrSettings, load_model, resolve_device, transcribe_audio
from scodub.data import Transcript
from scodub.media.decode import ASR_SAMPLE_RATE, decode_audio
from scodub.media.probe import choose_audio_stream, probe
from scodub.names.audiocheck import WhisperJudge, evidence_line, transcribe_with_glossary
from scodub.names.correct import JUDGE_MARGIN, correct
from scodub.names.glossary import Glossary, Term
from scodub.provision.whisper import ResolvedModel
from scodub.stages.transcribe import glossary_window

pytestmark = pytest.mark.slow
GLOSSARY = festival_glossary()
EN = AsrSettings(language="en")
DASHWOOD = "sense_and_sensibility_01_austen_64kb-0870"  # "and mister john dashwood had ..."


@cache
def _real(name: str) -> np.ndarray:
    path = DATA / name
    return decode_audio(path, choose_audio_stream(probe(path)))


@cache
def _spoken(text: str) -> np.ndarray:
    from scodub.dub.piper_voice import load_piper_voice
    from scodub.provision.piper import embedded_english_model

    voice = load_piper_voice(embedded_english_model())
    wave = voice.synthesize(text)
    n = int(len(wave) * ASR_SAMPLE_RATE / voice.sample_rate)
    grid = np.linspace(0, len(wave) - 1, n)
    pause = np.zeros(ASR_SAMPLE_RATE // 2, dtype=np.float32)
    speech = np.interp(grid, np.arange(len(wave)), wave).astype(np.float32)
    return np.concatenate([pause, speech, pause])


def _words(t: Transcript) -> list[str]:
    return [w.text for s in t.segments for w in s.words]


@pytest.mark.skipif(GLOSSARY is None, reason="festival glossary not in tree")
@pytest.mark.parametrize("clip", ["jfk.wav", f"librivox/{DASHWOOD}.wav", "spoken:distractor",
                                  "festvox-ru/three.wav"])
def test_the_glossary_changes_nothing_in_ordinary_speech(
        clip: str, whisper_model: ResolvedModel) -> None:
    assert GLOSSARY is not None
    audio = (_spoken("He spent the morning mapping the river, and a white ant ran off.")
             if clip.startswith("spoken:") else _real(clip))
    settings = AsrSettings(language="ru") if clip.startswith("festvox-ru/") else EN
    plain = transcribe_audio(audio, settings, whisper_model)
    named = transcribe_with_glossary(audio, settings, whisper_model, GLOSSARY)
    assert _words(named) == _words(plain)
    assert named.corrections == ()


def test_a_correction_the_audio_contradicts_is_refused(whisper_model: ResolvedModel) -> None:
    """A glossary that takes "John Dashwood" for a mishearing of "Zhang Dashwood": the text
    alone rewrites it, the audio keeps what was said."""
    glossary = Glossary((Term("zhang-dashwood", "person", {"en": "Zhang Dashwood"},
                              aliases=("John Dashwood",)),))
    audio = _real(f"librivox/{DASHWOOD}.wav")
    plain = transcribe_audio(audio, EN, whisper_model)
    assert "John Dashwood" in plain.text
    assert "Zhang Dashwood" in correct(plain, glossary).text  # text alone: wrong
    device, compute = resolve_device("auto", "auto")
    judge = WhisperJudge(load_model(str(whisper_model.path), device, compute, 0), audio, "en")
    checked = correct(plain, glossary, judge=judge)
    assert checked.text == plain.text and checked.corrections == ()
    seg = next(s for s in plain.segments if "John" in s.text)
    texts = [seg.text, seg.text.replace("John", "Zhang")]
    heard, written = judge(seg, texts, ["Zhang Dashwood"])
    assert written < heard + JUDGE_MARGIN  # no better than a tie: refused
    heard, written = judge(seg, texts, ["Zhang Yimou"])  # what whole-film hotwords primed
    assert heard > written


@pytest.mark.skipif(GLOSSARY is None, reason="festival glossary not in tree")
def test_a_misheard_festival_name_is_written_with_its_evidence(
        whisper_model: ResolvedModel) -> None:
    assert GLOSSARY is not None
    audio = _spoken("Everyone in the hall was waiting for Dai Mo.")
    named = transcribe_with_glossary(audio, EN, whisper_model, GLOSSARY)
    assert "Dai Mo" in named.text
    assert [w for w in _words(named) if w.lower().startswith("everyone")]
    for c in named.corrections:  # each change carries the audio evidence
        assert c.heard_logprob is not None and c.written_logprob is not None
        # lower only where the words, not the audio, decided (a change of letter case)
        assert c.written_logprob >= c.heard_logprob or c.basis
        assert "->" in evidence_line(c)


@pytest.mark.skipif(GLOSSARY is None, reason="festival glossary not in tree")
def test_a_long_film_gets_the_names_window_by_window(whisper_model: ResolvedModel) -> None:
    """The long path forced on a short recording (windows of seconds): ordinary speech and
    a festival name, one window each, come out as the short path makes each window."""
    assert GLOSSARY is not None
    name = _spoken("Everyone in the hall was waiting for Dai Mo.")
    ordinary = _real(f"librivox/{DASHWOOD}.wav")
    gap = np.zeros(2 * ASR_SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([ordinary, gap, name])
    window, search = ordinary.size + gap.size // 2, ASR_SAMPLE_RATE
    assert audio.size - window < window + search  # two windows, no more
    cut = cut_point(audio, window, search)
    assert ordinary.size <= cut <= ordinary.size + gap.size  # in the pause

    decode = glossary_window(GLOSSARY, whisper_model)
    blocks = (audio[i : i + ASR_SAMPLE_RATE] for i in range(0, audio.size, ASR_SAMPLE_RATE))
    long = transcribe_stream(
        blocks,
        EN,
        whisper_model,
        window_s=window / ASR_SAMPLE_RATE,
        search_s=search / ASR_SAMPLE_RATE,
        decode=decode,
    ).transcript
    shift = round(cut * 1000 / ASR_SAMPLE_RATE)
    short = [
        transcribe_with_glossary(part, EN, whisper_model, GLOSSARY)
        for part in (audio[:cut], audio[cut:])
    ]
    expected_words = [(w.text, w.start_ms) for w in short[0].words]
    expected_words += [(w.text, w.start_ms + shift) for w in short[1].words]
    assert [(w.text, w.start_ms) for w in long.words] == expected_words
    expected = [
        *short[0].corrections,
        *(
            dataclasses.replace(c, start_ms=c.start_ms + shift, end_ms=c.end_ms + shift)
            for c in short[1].corrections
        ),
    ]
    assert list(long.corrections) == expected
    assert "Dai Mo" in long.text and "John Dashwood" in long.text
    assert all(c.start_ms >= shift for c in long.corrections)  # none in ordinary speech
