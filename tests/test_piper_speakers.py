"""Multi-speaker Piper voices: ``VOICE#SPEAKER`` specs, synthesis by speaker through the
real ``piper`` package, and casting a film's speakers onto a model's speakers.

The model is tests/data/tiny-piper (built by tools/build_tiny_piper.py): Piper's VITS
input/output signature, four speakers whose pitch and formants differ (``high_ann`` 0,
``low_bob`` 1, ``high_cleo`` 2, ``low_dan`` 3). It speaks no words, so the tests check
speakers, lengths and voice types, never what is said.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from scodub.asr.voicetype import estimate_voice_type
from scodub.dub.casting import parse_speaker_voices
from scodub.dub.piper_voice import PiperVoice, model_speakers, split_speaker
from scodub.dub.voices import describe_voice, parse_voice_options, resolve_voice
from scodub.errors import ModelError

DATA = Path(__file__).parent / "data" / "tiny-piper"
MODEL = DATA / "en_US-tinyms-medium.onnx"
LINE = "Welcome to the film festival. The screening starts at eight."


def test_the_model_lists_its_speakers() -> None:
    assert model_speakers(MODEL) == ("high_ann", "low_bob", "high_cleo", "low_dan")


def test_speaker_specs_parse() -> None:
    assert split_speaker(f"{MODEL}#3") == (str(MODEL), "3")
    assert split_speaker("en_US-libritts-high#p3922") == ("en_US-libritts-high", "p3922")
    assert split_speaker("en_US-joe-medium") == ("en_US-joe-medium", None)
    values = [f"en={MODEL}#3", f"en:S2={DATA}#low_bob"]
    assert parse_voice_options(values) == {"en": f"{MODEL}#3"}
    assert parse_speaker_voices(values) == {"en": {"S2": f"{DATA}#low_bob"}}


@pytest.mark.parametrize(
    ("spec", "speaker_id", "name"),
    [
        (f"{MODEL}#3", 3, "en_US-tinyms-medium#low_dan"),
        (f"{MODEL}#low_bob", 1, "en_US-tinyms-medium#low_bob"),
        (f"{DATA}#high_cleo", 2, "en_US-tinyms-medium#high_cleo"),
        (str(MODEL), 0, "en_US-tinyms-medium#high_ann"),  # the model's default speaker
    ],
)
def test_a_speaker_is_chosen_by_number_or_name(spec: str, speaker_id: int, name: str) -> None:
    voice = resolve_voice("en", spec)
    assert isinstance(voice, PiperVoice)
    assert (voice.speaker_id, voice.name) == (speaker_id, name)
    info = describe_voice(voice)  # what the dub report shows
    assert info.voice == name
    assert f"speaker {name.split('#')[1]} (id {speaker_id} of 4)" in info.route


@pytest.mark.parametrize("speaker", ["4", "zed", "-1", ""])
def test_a_bad_speaker_is_one_clear_error(speaker: str) -> None:
    with pytest.raises(ModelError) as caught:
        resolve_voice("en", f"{MODEL}#{speaker}")
    message = str(caught.value)
    assert "\n" not in message and str(MODEL) in message
    assert "speakers 0-3" in message and "high_ann, low_bob, high_cleo, low_dan" in message


def test_a_single_speaker_voice_refuses_a_speaker() -> None:
    with pytest.raises(ModelError, match="has one speaker"):
        resolve_voice("en", "piper#1")


def test_a_pulled_multi_speaker_voice_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "models" / "piper" / "en_US-tinyms-medium"
    shutil.copytree(DATA, folder)
    voice = resolve_voice("en", "en_US-tinyms-medium#low_dan")
    assert voice.name == "en_US-tinyms-medium#low_dan"
    with pytest.raises(ModelError, match="no speaker 'nine'"):
        resolve_voice("en", "en_US-tinyms-medium#nine")


def test_piper_speaks_each_speaker_in_their_own_voice() -> None:
    ann = resolve_voice("en", f"{MODEL}#high_ann")
    bob = resolve_voice("en", f"{MODEL}#low_bob")
    a, b = ann.synthesize(LINE), bob.synthesize(LINE)
    assert a.size == b.size > ann.sample_rate  # same text, same phoneme ids, same length
    assert not np.allclose(a, b, atol=1e-3)
    higher, lower = estimate_voice_type(a), estimate_voice_type(b)
    assert higher.voice_type == "higher" and lower.voice_type == "lower"
    assert higher.pitch_hz == pytest.approx(215, rel=0.03)
    assert lower.pitch_hz == pytest.approx(105, rel=0.03)
    # Piper's own length_scale still sets the rate for a chosen speaker.
    assert bob.synthesize(LINE, rate=2.0).size == pytest.approx(b.size / 2, rel=0.02)
