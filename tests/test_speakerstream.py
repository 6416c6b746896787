"""Speakers of a long film, block by block (scodub.asr.speakerstream): the same voice
prints, turns and voice types as the whole-audio path, from real recordings of three men
(JFK, the LibriVox reader, the festvox-ru speaker)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, run_cli
from scodub.asr.speakers import (
    SpeakerSettings,
    cluster_turns,
    describe_speakers,
    embed_audio,
)
from scodub.asr.speakerstream import SpeakerStream, pad_segment, voice_estimates
from scodub.data import Transcript
from speaker_clips import Clip, build_clip, load_audio, score_turns

RATE = 16_000


@pytest.fixture(scope="session")
def three_men() -> Clip:
    """About 35 s: nine alternating turns of 1-5 s by three real speakers."""
    voices = {
        "jfk": [load_audio(DATA / "jfk.wav")],
        "reader": [load_audio(p) for p in sorted((DATA / "librivox").glob("*.wav"))],
        "ru": [load_audio(DATA / "festvox-ru" / "three.wav")],
    }
    return build_clip(voices, seed=5, turns=9, turn_ms=(1000, 5000))


def _stream(audio: np.ndarray, block: int) -> tuple[SpeakerStream, int]:
    """Fed in blocks of ``block`` samples; also the most audio it held at once."""
    stream, held = SpeakerStream(), 0
    for i in range(0, audio.size, block):
        stream.feed(audio[i : i + block])
        held = max(held, stream._buffer.size)
    return stream, held


def test_streamed_prints_are_the_whole_audio_prints(three_men: Clip) -> None:
    whole = embed_audio(three_men.audio)
    assert len(whole.spans) > 20
    # Blocks of 2.3 s cut segments and windows anywhere; 1533 samples is under a
    # Silero window's three.
    for block in (int(2.3 * RATE) + 7, 1533):
        stream, held = _stream(three_men.audio, block)
        streamed = stream.finish()
        assert streamed.spans == whole.spans
        assert np.array_equal(streamed.vectors, whole.vectors)
        assert stream.samples == three_men.audio.size
        # Only the audio around the speech still being decided is kept: a few seconds
        # (the longest turn here is 5 s), not the clip's 30-odd.
        assert held < 9 * RATE + block, held / RATE
    for settings in (SpeakerSettings(), SpeakerSettings(count=3)):
        assert cluster_turns(streamed, settings) == cluster_turns(whole, settings)
    turns = cluster_turns(whole, SpeakerSettings())
    score = score_turns(three_men.turns, [(t.start_ms, t.end_ms, t.speaker) for t in turns])
    assert score.found == 3 and score.confusion < 0.1, score


def test_the_c_extractor_is_called_once_per_block_not_per_segment(
    three_men: Clip, monkeypatch: pytest.MonkeyPatch
) -> None:
    """senko's C fbank extractor keeps about 190 KiB per call
    (bench/bench_speakers_memory.py): one call per speech segment grew a two-hour film's
    resident set by 360 MiB, so the stream makes at most one call per block it is fed
    (and one at the end), whatever the number of segments in the block."""
    stream = SpeakerStream()
    calls: list[int] = []
    extract = stream._d._extract_fbank_features

    def counted(audio: np.ndarray, windows: list[tuple[float, float]], **kw: int) -> object:
        calls.append(len(windows))
        return extract(audio, windows, **kw)

    monkeypatch.setattr(stream._d, "_extract_fbank_features", counted)
    block = 10 * RATE
    blocks = 0
    for i in range(0, three_men.audio.size, block):
        stream.feed(three_men.audio[i : i + block])
        blocks += 1
    embedded = stream.finish()
    assert len(calls) <= blocks + 1
    assert sum(calls) == len(embedded.spans) > 20
    assert max(calls) > 1  # several segments' windows in one call


def test_streamed_voice_types_are_the_whole_audio_ones(three_men: Clip) -> None:
    turns = cluster_turns(embed_audio(three_men.audio), SpeakerSettings(count=3))
    audio = three_men.audio
    blocks = [audio[i : i + 40_000] for i in range(0, audio.size, 40_000)]
    streamed = voice_estimates(blocks, turns, audio.size)
    listed = describe_speakers(turns, audio)
    assert [(s.id, s.voice_type, s.pitch_hz) for s in listed] == [
        (s.id, streamed[s.id].voice_type, streamed[s.id].pitch_hz) for s in listed
    ]
    assert describe_speakers(turns, None, streamed) == listed


def test_padding_follows_silero() -> None:
    pad = 480  # 30 ms
    assert pad_segment(None, 100, 5000, None, None) == (0, 5000 + pad)
    assert pad_segment(1000, 9000, 12000, 12500, None) == (9000 - pad, 12250)
    assert pad_segment(8600, 9000, 12000, None, 12100) == (8800, 12100)


def test_silence_and_nothing_give_no_prints() -> None:
    stream = SpeakerStream()
    stream.feed(np.zeros(3 * RATE, dtype=np.float32))
    empty = stream.finish()
    assert empty.spans == () and empty.vectors.shape == (0, 192)
    assert SpeakerStream().finish().spans == ()


@pytest.mark.slow
def test_a_long_film_gets_the_speakers_a_short_one_gets(
    tmp_path: Path,
    three_men: Clip,
    whisper_model: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The transcribe stage on the same film, whole and as a "feature film" (the length
    threshold lowered under the film's length, so the streamed path runs)."""
    import soundfile

    film = tmp_path / "three.wav"
    soundfile.write(film, three_men.audio, RATE, subtype="PCM_16")
    results: dict[str, Transcript] = {}
    for mode in ("short", "long"):
        if mode == "long":
            monkeypatch.setattr("scodub.stages.transcribe.LONG_FILM_MS", 10_000)
        out = tmp_path / mode
        code, text, _ = run_cli(
            ["transcribe", str(film), "--lang", "en", "--out", str(out)], capsys
        )
        assert code == 0, text
        saved = json.loads((out / "three.transcript.json").read_text())
        assert not any("window by window" in n for n in saved["notes"]), saved["notes"]
        results[mode] = Transcript.from_json(saved["transcript"])
    short, long = results["short"], results["long"]
    # One ASR window (the film is far under asr.long's ten minutes): the same words, so
    # the same speaker for every word and segment, and the same speakers listed.
    assert long.segments == short.segments and long.speakers == short.speakers
    assert len(long.speakers) == 3
    words = [(w.start_ms, w.end_ms, w.speaker or "") for w in long.words]
    # Misassigned: the share of word time given to the wrong speaker (best mapping).
    assert score_turns(three_men.turns, words).confusion < 0.1
