"""Speaker turns (scodub.asr.speakers) and voice type (scodub.asr.voicetype) on clips built
from real recordings in tests/data (JFK, the LibriVox reader)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, SAMPLE, run_cli
from scodub.asr.speakers import (
    SpeakerSettings,
    SpeakerTurn,
    assign_speakers,
    count_note,
    describe_speakers,
    find_turns,
    merge_minor_speakers,
    speaker_of,
)
from scodub.asr.voicetype import estimate_voice_type
from scodub.data import Segment, Speaker, Transcript, Word
from scodub.errors import ConfigError
from speaker_clips import Clip, build_clip, load_audio, score_turns


@pytest.fixture(scope="session")
def two_voices() -> dict[str, list[np.ndarray]]:
    return {
        "jfk": [load_audio(DATA / "jfk.wav")],
        "reader": [load_audio(p) for p in sorted((DATA / "librivox").glob("*.wav"))],
    }


@pytest.fixture(scope="session")
def dialogue(two_voices: dict[str, list[np.ndarray]]) -> Clip:
    """About 20 s: six alternating turns of 1.5-4.5 s by two real speakers."""
    return build_clip(two_voices, seed=3, turns=6, turn_ms=(1500, 4500))


@pytest.fixture(scope="session")
def dialogue_turns(dialogue: Clip) -> tuple[SpeakerTurn, ...]:
    return find_turns(dialogue.audio, SpeakerSettings())


def _as_tuples(turns: tuple[SpeakerTurn, ...]) -> list[tuple[int, int, str]]:
    return [(t.start_ms, t.end_ms, t.speaker) for t in turns]


def test_settings_parse() -> None:
    assert SpeakerSettings.parse("auto") == SpeakerSettings()
    assert SpeakerSettings.parse("OFF").enabled is False
    assert SpeakerSettings.parse("3").count == 3
    for bad in ("0", "many", "-2", "16", "²", "١"):  # digits int() refuses, or not ASCII
        with pytest.raises(ConfigError, match="--speakers"):
            SpeakerSettings.parse(bad)


@pytest.mark.slow
def test_two_real_speakers_are_told_apart(dialogue: Clip, dialogue_turns: tuple) -> None:
    score = score_turns(dialogue.turns, _as_tuples(dialogue_turns))
    assert score.found == 2
    assert score.confusion < 0.10, score
    assert score.missed < 0.05, score
    assert {t.speaker for t in dialogue_turns} == {"S1", "S2"}
    starts = [t.start_ms for t in dialogue_turns]
    assert starts == sorted(starts)


@pytest.mark.slow
def test_forced_count(dialogue: Clip) -> None:
    one = find_turns(dialogue.audio, SpeakerSettings(count=1))
    assert {t.speaker for t in one} == {"S1"}
    # Auto again after a forced count: the loaded diarizer's defaults are restored.
    again = find_turns(dialogue.audio, SpeakerSettings())
    assert len({t.speaker for t in again}) == 2


def test_a_forced_count_not_found_is_said() -> None:
    words = (Word("One", 0, 900, 1.0, "S1"), Word("two", 1000, 1900, 1.0, "S2"))
    transcript = Transcript(
        "en", 1.0, 2000, (Segment(0, 1900, "One two", words),),
        speakers=(Speaker("S1", 900), Speaker("S2", 900)),
    )  # fmt: skip
    assert count_note(transcript, SpeakerSettings(count=2)) is None
    assert count_note(transcript, SpeakerSettings()) is None
    note = count_note(transcript, SpeakerSettings(count=5))
    assert note is not None and note.startswith("speakers: 2 found of the 5 asked for")


def test_off_and_silence_find_nothing(dialogue: Clip) -> None:
    assert find_turns(dialogue.audio, SpeakerSettings(enabled=False)) == ()
    assert find_turns(np.zeros(4000, dtype=np.float32), SpeakerSettings()) == ()


def test_words_take_the_speaker_they_overlap_most() -> None:
    turns = [
        SpeakerTurn(0, 1000, "S1"),
        SpeakerTurn(1000, 2500, "S2"),
        SpeakerTurn(4000, 5000, "S1"),
    ]
    assert speaker_of(100, 400, turns) == "S1"
    assert speaker_of(900, 1400, turns) == "S2"  # 100 ms in S1, 400 ms in S2
    assert speaker_of(3000, 3200, turns) == "S2"  # in no turn: the nearest
    assert speaker_of(3700, 3900, turns) == "S1"
    assert speaker_of(0, 10, []) is None


def test_segments_split_where_the_speaker_changes() -> None:
    words = (
        Word("Are", 0, 200), Word("you", 200, 400), Word("coming?", 400, 800),
        Word("In", 1200, 1400), Word("a", 1400, 1500), Word("minute.", 1500, 1900),
    )  # fmt: skip
    transcript = Transcript(
        "en", 1.0, 2500, (Segment(0, 1900, "Are you coming? In a minute.", words),)
    )
    turns = [SpeakerTurn(0, 900, "S1"), SpeakerTurn(1100, 2000, "S2")]
    labelled = assign_speakers(transcript, turns)
    assert [(s.text, s.speaker, s.start_ms, s.end_ms) for s in labelled.segments] == [
        ("Are you coming?", "S1", 0, 800),
        ("In a minute.", "S2", 1200, 1900),
    ]
    assert [w.speaker for w in labelled.words] == ["S1"] * 3 + ["S2"] * 3
    assert [(s.id, s.speech_ms) for s in labelled.speakers] == [("S1", 900), ("S2", 900)]
    # The transcript JSON keeps every speaker, and old transcripts (no speakers) still load.
    restored = Transcript.from_json(labelled.to_json())
    assert restored == labelled
    old = transcript.to_json()
    assert "speakers" not in old and all(len(w) == 4 for w in old["segments"][0]["words"])
    assert Transcript.from_json(old) == transcript


def test_describe_speakers_lists_speech_time_in_id_order() -> None:
    turns = [
        SpeakerTurn(0, 500, "S2"),
        SpeakerTurn(600, 2000, "S1"),
        SpeakerTurn(2100, 2300, "S10"),
    ]
    speakers = describe_speakers(turns)
    assert [(s.id, s.speech_ms, s.voice_type) for s in speakers] == [
        ("S1", 1400, "unknown"), ("S2", 500, "unknown"), ("S10", 200, "unknown"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name", ["jfk.wav", "librivox/sense_and_sensibility_01_austen_64kb-0870.wav"]
)
def test_real_male_voices_are_lower(name: str) -> None:
    # JFK declaims at a median pitch near 250 Hz: pitch alone would call him higher;
    # his formant spacing (vocal-tract length) does not.
    estimate = estimate_voice_type(load_audio(DATA / name))
    assert estimate.voice_type == "lower", estimate
    assert estimate.dispersion_hz < 1090


def _espeak(variant: str, text: str) -> np.ndarray:
    from scodub.dub.espeak import espeak_engine
    from scodub.dub.tempo import resample

    engine = espeak_engine()
    return resample(engine.synthesize(variant, text, 1.0), engine.sample_rate, 16_000)


@pytest.mark.parametrize(("variant", "expected"), [("en-us+f2", "higher"), ("en-us+m3", "lower")])
def test_synthetic_voices_by_variant(variant: str, expected: str) -> None:
    audio = _espeak(variant, "The festival opens tonight with a film about the sea and the city.")
    assert estimate_voice_type(audio).voice_type == expected


def test_too_little_speech_is_unknown() -> None:
    assert estimate_voice_type(np.zeros(8000, dtype=np.float32)).voice_type == "unknown"
    assert estimate_voice_type(np.zeros(16000), [(0, 100)]).voice_type == "unknown"


def test_transcript_gets_voice_types(dialogue: Clip, dialogue_turns: tuple) -> None:
    speakers = describe_speakers(dialogue_turns, dialogue.audio)
    assert {s.voice_type for s in speakers} == {"lower"}  # two men
    assert all(s.pitch_hz > 60 for s in speakers)


def test_clip_builder_reference(dialogue: Clip) -> None:
    assert dialogue.speakers == {"jfk", "reader"}
    assert 12_000 < dialogue.duration_ms < 32_000
    perfect = score_turns(dialogue.turns, [(a, b, s.upper()) for a, b, s in dialogue.turns])
    assert (perfect.confusion, perfect.missed, perfect.found) == (0.0, 0.0, 2)
    swapped = score_turns(dialogue.turns, [(a, b, "X") for a, b, _ in dialogue.turns])
    assert swapped.found == 1 and 0.2 < swapped.confusion < 0.8


def test_load_audio_reads_any_format(tmp_path: Path) -> None:
    assert load_audio(DATA / "jfk.wav").size == 176_000


@pytest.mark.slow
def test_transcribe_finds_the_two_voices_of_the_sample_film(
    tmp_path: Path, whisper_model: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample film is JFK, then the LibriVox reader: two real speakers."""
    code, out, _ = run_cli(
        ["transcribe", str(SAMPLE), "--lang", "en", "--out", str(tmp_path)], capsys
    )
    assert code == 0, out
    assert "speaker S1:" in out and "speaker S2:" in out
    saved = json.loads((tmp_path / "sco-sample.transcript.json").read_text())
    transcript = Transcript.from_json(saved["transcript"])
    assert [s.id for s in transcript.speakers] == ["S1", "S2"]
    assert all(s.voice_type == "lower" for s in transcript.speakers)
    jfk = {w.speaker for w in transcript.words if w.end_ms < 10_000}
    reader = {w.speaker for w in transcript.words if w.start_ms > 12_500}
    assert len(jfk) == 1 and len(reader) == 1 and jfk != reader
    assert all(s.speaker in ("S1", "S2") for s in transcript.segments)
    report = json.loads((tmp_path / "sco-sample.report.json").read_text())
    assert [s["id"] for s in report["stages"]["transcribe"]["speakers"]] == ["S1", "S2"]
    # --speakers off: no speakers; a forced count is honoured.
    code, out, _ = run_cli(
        ["transcribe", str(SAMPLE), "--lang", "en", "--speakers", "off", "--out", str(tmp_path)],
        capsys,
    )
    saved = json.loads((tmp_path / "sco-sample.transcript.json").read_text())
    assert code == 0 and "speakers" not in saved["transcript"]
    code, _, err = run_cli(["transcribe", str(SAMPLE), "--speakers", "lots"], capsys)
    assert code != 0 and "--speakers" in err


def test_minor_clusters_join_the_nearest_voice_at_auto() -> None:
    turns = [
        SpeakerTurn(0, 10_000, "S1"),
        SpeakerTurn(10_000, 10_400, "S3"),  # 2% of the speech, a voice print near S2's
        SpeakerTurn(10_400, 18_000, "S2"),
        SpeakerTurn(18_000, 19_000, "S1"),
    ]
    centroids = {
        "S1": np.array([1.0, 0.0]),
        "S2": np.array([0.0, 1.0]),
        "S3": np.array([0.2, 0.9]),
    }
    merged = merge_minor_speakers(turns, centroids)
    assert [(t.start_ms, t.end_ms, t.speaker) for t in merged] == [
        (0, 10_000, "S1"),
        (10_000, 18_000, "S2"),
        (18_000, 19_000, "S1"),
    ]
    # Every cluster large enough: unchanged.
    big = [SpeakerTurn(0, 5000, "S1"), SpeakerTurn(5000, 9000, "S2")]
    assert merge_minor_speakers(big, centroids) == big
