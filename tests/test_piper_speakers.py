"""Multi-speaker Piper voices: ``VOICE#SPEAKER`` specs, synthesis by speaker through the
real ``piper`` package, and casting a film's speakers onto a model's speakers.

The model is tests/data/tiny-piper (built by tools/build_tiny_piper.py): Piper's VITS
input/output signature, four speakers whose pitch and formants differ (``high_ann`` 0,
``low_bob`` 1, ``high_cleo`` 2, ``low_dan`` 3). It speaks no words, so the tests check
speakers, lengths and voice types, never what is said.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLE
from scodub.asr.voicetype import estimate_voice_type
from scodub.batch.manifest import Defaults, read_manifest
from scodub.batch.validate import validate
from scodub.data import Cue, Segment, Speaker, Track, Transcript, Word
from scodub.dub.casting import (
    SpeakerTimeline,
    cast_speakers,
    parse_speaker_voices,
    spread,
    voice_pool,
)
from scodub.dub.piper_voice import PiperVoice, model_speakers, split_speaker
from scodub.dub.voices import describe_voice, parse_voice_options, resolve_voice
from scodub.errors import ModelError
from scodub.stages.deliver import stage_dub_language
from scodub.stages.dub import DubSettings
from speaker_clips import load_audio

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


# A film's two speakers: S1 (speaks most) lower, S2 higher.
FILM = (Speaker("S1", 9000, "lower", 118.0), Speaker("S2", 6000, "higher", 205.0))


def test_a_multi_speaker_voice_brings_its_speakers_measured() -> None:
    pool = voice_pool("en", str(MODEL))
    piper = [(c.spec.removeprefix(str(MODEL)), c.voice_type) for c in pool[:4]]
    assert piper == [
        ("", "higher"),  # the language's voice itself: the model's default speaker, 0
        ("#low_bob", "lower"),
        ("#high_cleo", "higher"),
        ("#low_dan", "lower"),
    ]
    assert all(c.spec.startswith("espeak+") for c in pool[4:])


def test_film_speakers_get_model_speakers_of_their_kind() -> None:
    cast = cast_speakers("en", FILM, str(MODEL))
    # Speaker 0 (higher) comes first in the pool: S1 must skip it for a lower one.
    assert cast == {"S1": f"{MODEL}#low_bob", "S2": str(MODEL)}
    assert resolve_voice("en", cast["S2"]).name == "en_US-tinyms-medium#high_ann"
    # A speaker cast by hand (by id) is not given to anyone else under its name.
    hand = cast_speakers("en", (*FILM, Speaker("S3", 500, "lower", 110.0)), str(MODEL),
                         {"S1": f"{MODEL}#1"})  # fmt: skip
    assert hand == {"S1": f"{MODEL}#1", "S2": str(MODEL), "S3": f"{MODEL}#low_dan"}


def test_a_pulled_multi_speaker_voice_joins_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path))
    shutil.copytree(DATA, tmp_path / "models" / "piper" / "en_US-tinyms-medium")
    third = Speaker("S3", 3000, "higher", 230.0)
    cast = cast_speakers("en", (*FILM, third), None)  # the embedded (lower) joe voice first
    assert cast == {
        "S1": "piper",
        "S2": "en_US-tinyms-medium",  # the pulled voice as named: its default speaker, 0
        "S3": "en_US-tinyms-medium#high_cleo",
    }
    assert resolve_voice("en", cast["S2"]).name == "en_US-tinyms-medium#high_ann"


def test_a_large_model_lends_an_even_spread_of_speakers() -> None:
    assert spread(4) == [0, 1, 2, 3]
    ids = spread(904)
    assert len(ids) == 8 and ids[0] == 0 and ids[-1] == 903
    assert max(b - a for a, b in itertools.pairwise(ids)) <= 130


def _two_speakers() -> Transcript:
    """S1: "Good evening." (0.3-1.4 s); S2: "In a minute." (2.0-3.4 s)."""
    words = (
        Word("Good", 300, 700, 1.0, "S1"), Word("evening.", 700, 1400, 1.0, "S1"),
        Word("In", 2000, 2300, 1.0, "S2"), Word("a", 2300, 2400, 1.0, "S2"),
        Word("minute.", 2400, 3400, 1.0, "S2"),
    )  # fmt: skip
    return Transcript("en", 1.0, 4000, (Segment(300, 3400, "", words),), speakers=FILM)


@pytest.mark.slow
def test_the_dub_report_names_each_speakers_model_speaker(tmp_path: Path) -> None:
    transcript = _two_speakers()
    track = Track("en", (Cue(300, 1500, ("Good evening.",)), Cue(2000, 3500, ("In a minute.",))))
    settings = DubSettings(
        voices={"en": str(MODEL)}, backcheck=False, background=False,
        timeline=SpeakerTimeline.of(transcript),
    )  # fmt: skip
    result = stage_dub_language(SAMPLE, track, tmp_path, settings)
    report = result.to_json()["speakers"]
    assert report["S1"]["voice"] == "en_US-tinyms-medium#low_bob"
    assert report["S2"]["voice"] == "en_US-tinyms-medium#high_ann"
    assert "speaker low_bob (id 1 of 4)" in report["S1"]["route"]
    mix = load_audio(result.mix.path)
    kinds = [
        estimate_voice_type(mix, [(line.start_ms, line.end_ms)]).voice_type for line in result.lines
    ]
    assert kinds == ["lower", "higher"]



def _slowed(folder: Path, length_scale: float) -> None:
    """Rewrite the voice in ``folder`` in place: the same path, slower speech."""
    config = json.loads(MODEL.with_name(MODEL.name + ".json").read_text(encoding="utf-8"))
    config["inference"]["length_scale"] = length_scale
    shutil.copyfile(MODEL, folder / MODEL.name)
    (folder / (MODEL.name + ".json")).write_text(json.dumps(config), encoding="utf-8")
    stamp = time.time_ns() + 10**9 * int(length_scale * 10)  # a new mtime: loaded anew
    for path in folder.iterdir():
        os.utime(path, ns=(stamp, stamp))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["cast by hand", "pulled"])
def test_a_speakers_voice_changed_in_place_is_dubbed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A speaker's Piper voice replaced at the same path (a voice file edited, a voice
    pulled again): the dub was reused from the cache in the old voice, as only the
    voice's spec, not its content, went into the dub's key."""
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "models" / "piper" / "en_US-tinyms-medium"
    folder.mkdir(parents=True)
    _slowed(folder, 1.0)
    transcript = _two_speakers()
    track = Track("en", (Cue(300, 1500, ("Good evening.",)), Cue(2000, 5500, ("In a minute.",))))
    hand = {"en": {"S2": str(folder / MODEL.name)}} if how == "cast by hand" else {}
    settings = DubSettings(
        backcheck=False, background=False, timeline=SpeakerTimeline.of(transcript),
        speaker_voices=hand,
    )  # fmt: skip
    first = stage_dub_language(SAMPLE, track, tmp_path / "out", settings)
    assert first.cast["S2"].voice.startswith("en_US-tinyms-medium")
    assert stage_dub_language(SAMPLE, track, tmp_path / "out", settings).cached
    _slowed(folder, 1.8)
    again = stage_dub_language(SAMPLE, track, tmp_path / "out", settings)
    assert not again.cached
    assert again.lines[1].natural_ms > first.lines[1].natural_ms * 1.4


def test_a_manifest_casts_model_speakers_and_a_bad_one_is_a_problem(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "film.mp4")
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        "  - path: film.mp4\n"
        "    lang: en\n"
        "    dub_langs: [en]\n"
        "    dub: yes\n"
        f"    voices: {{en: '{MODEL}#low_bob', 'en:S2': '{MODEL}#9'}}\n",
        encoding="utf-8",
    )
    (entry,) = read_manifest(manifest, Defaults())
    assert entry.settings.dub is not None
    assert entry.settings.dub.voices == {"en": f"{MODEL}#low_bob"}
    assert entry.settings.dub.speaker_voices == {"en": {"S2": f"{MODEL}#9"}}
    problems = [p.problem for p in validate([entry], tmp_path / "out").problems]
    assert len(problems) == 1 and "no speaker '9'" in problems[0], problems
