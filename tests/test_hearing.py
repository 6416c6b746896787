"""The transcript checked against its audio (scodub.asr.hearing, scodub.asr.guard, the
doubted speech of scodub.asr.edges): a wrong given language, speech of another language
with no words, a line said again and again, words Silero missed after a long silence."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, run_cli, run_ffmpeg
from scodub.asr.edges import MISSED_MS, SpeechMap, with_missed
from scodub.asr.guard import PILED_MS, kept, salvage
from scodub.asr.hearing import (
    MAX_CHUNKS,
    MIN_STRETCH_MS,
    PAD_MS,
    check_hearing,
    hearing_notes,
    joined,
    speech_chunks,
    unheard_speech,
)
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio
from scodub.data import Hearing, Segment, Transcript, Word
from scodub.media.decode import decode_audio
from scodub.media.probe import probe
from scodub.provision.whisper import ResolvedModel

RUSSIAN = DATA / "festvox-ru" / "three.wav"
JFK = DATA / "jfk.wav"
LINE = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"


def _segment(*words: tuple[int, int]) -> Segment:
    ws = tuple(Word(f"w{i}", a, b) for i, (a, b) in enumerate(words))
    return Segment(ws[0].start_ms, ws[-1].end_ms, " ".join(w.text for w in ws), ws)


def test_unheard_speech_is_speech_no_word_reaches() -> None:
    regions = [(0, 2000), (5000, 9000), (9500, 9800), (20000, 20400)]
    words = _segment((100, 900), (1000, 1900), (5000, 5600))
    unheard = unheard_speech(regions, [words])
    # 5600 + PAD .. 9000, joined across the short pause with 9500..9800; the 400 ms
    # stretch at 20 s is too short to be more than a breath or a laugh.
    assert unheard == ((5600 + PAD_MS, 9800),)
    assert unheard_speech(regions, []) == ((0, 2000), (5000, 9800))
    assert unheard_speech([(0, MIN_STRETCH_MS - 1)], []) == ()
    assert unheard_speech([(0, 3000)], [_segment((0, 3000))]) == ()
    # Never joined across a word that was heard: 3 s of speech with "yes" in its middle
    # is two stretches of 0.9 s, not 3 s of speech without words.
    assert unheard_speech([(0, 3000)], [_segment((1200, 1500))]) == ((0, 900), (1800, 3000))
    assert unheard_speech([(0, 1000), (1500, 1900)], [_segment((1100, 1200))]) == ((0, 800),)


def test_hearing_notes_name_the_language_and_the_time() -> None:
    hearing = Hearing(("fa", 0.97), ((61_000, 64_500),), ("en", 0.96))
    transcript = Transcript("ru", 1.0, 70_000, (), hearing=hearing)
    doubt, unheard = hearing_notes(transcript)
    assert "sounds like Persian (fa, p=0.97), not Russian, the language it was" in doubt
    assert unheard.startswith("3.5 s of speech in 1 stretch got no words (first at 0:01:01)")
    assert "--lang en" in unheard
    same = Transcript("en", 1.0, 9000, (), hearing=Hearing(None, ((0, 2500),), ("en", 0.9)))
    (note,) = hearing_notes(same)
    assert "unclear speech, singing" in note
    assert hearing_notes(Transcript("en", 1.0, 9000, ())) == []
    again = Transcript.from_json(json.loads(json.dumps(transcript.to_json())))
    assert again.hearing == hearing
    # The unheard speech in the wrong language's voice is not a second language.
    wrong = Hearing(("en", 0.99), ((6000, 11_000),), ("en", 0.86))
    doubt, unheard = hearing_notes(Transcript("kk", 1.0, 30_000, (), hearing=wrong))
    assert "second language" not in unheard and "--lang" not in unheard
    # A part of the speech in another language: where, how much, and what to do.
    part = Hearing(elsewhere=((25_000, 49_000, "ru", 0.98),), checked_ms=50_000)
    (note,) = hearing_notes(Transcript("en", 1.0, 50_000, (), hearing=part))
    assert note.startswith("speech over 24.0 s of the film sounds like Russian (ru) (first at")
    assert "--lang ru" in note
    # Whisper's speech translation (task translate): the transcript is English, the speech
    # was checked against its own language, which is no "second language".
    french = Hearing(None, ((0, 3000),), ("fr", 0.9), (), 9000, "fr")
    (note,) = hearing_notes(Transcript("en", 1.0, 9000, (), "translate", hearing=french))
    assert "second language" not in note


def test_speech_is_heard_in_runs_of_eight_seconds() -> None:
    regions = [(k * 5000, k * 5000 + 3000) for k in range(10)]  # 30 s of speech
    chunks = speech_chunks(regions)
    assert [len(c) for c in chunks] == [3, 3, 4]  # 9 s, 9 s, 9 s + the 3 s left
    long = [(k * 1000, k * 1000 + 900) for k in range(3000)]  # 45 min of speech
    assert len(speech_chunks(long)) <= MAX_CHUNKS
    assert speech_chunks([]) == []


def test_the_windows_of_a_long_film_are_heard_as_one() -> None:
    first = Hearing(None, ((1000, 3000),), ("en", 0.6), (), 540_000)
    second = Hearing(None, ((100, 4100),), ("ru", 0.95), ((0, 60_000, "ru", 0.9),), 60_000)
    both = joined([(first, 0), (second, 600_000), (Hearing(), 1_200_000)])
    assert both.sounds_like is None  # a minute of Russian in ten of speech
    assert both.elsewhere == ((600_000, 660_000, "ru", 0.9),)
    assert both.unheard == ((1000, 3000), (600_100, 604_100))
    assert both.unheard_language == ("ru", 0.95)  # the window with most unheard speech
    most = joined([(second, 0), (replace(first, checked_ms=20_000), 600_000)])
    assert most.sounds_like == ("ru", 0.9)
    assert not joined([(Hearing(), 0)])


def test_an_english_only_model_gets_no_language_check() -> None:
    """small.en and the like cannot detect a language (CTranslate2 refuses): the check
    keeps to the speech with no words."""

    class EnglishOnly:
        class model:
            is_multilingual = False

        def detect_language(self, **_: object) -> None:
            raise RuntimeError("detect_language can only be called on multilingual models")

    audio = np.zeros(16000 * 12, dtype=np.float32)
    hearing = check_hearing(EnglishOnly(), audio, [(0, 12_000)], [], "en")
    assert hearing.unheard == ((0, 12_000),) and not hearing.elsewhere
    assert hearing.unheard_language is None


def test_doubted_speech_adds_only_missed_words() -> None:
    sure = [(1000, 2000), (5000, 6000)]
    doubted = [(950, 2040), (3000, 3000 + MISSED_MS), (4000, 6100), (7000, 7000 + MISSED_MS - 1)]
    # Edges a lower threshold widens a little stay; a missed word, and speech well
    # before a sure stretch, join the map.
    assert with_missed(sure, doubted) == [(1000, 2000), (3000, 3000 + MISSED_MS), (4000, 6000)]
    assert with_missed(sure, []) == sure


def test_a_runaway_segment_keeps_what_was_said() -> None:
    said = [(i * 500, i * 500 + 400) for i in range(12)]
    piled = [(6000, 6000)] * 5 + [(6000, 6000 + PILED_MS + 30)] + [(6100, 6100)] * 4
    words = tuple(Word("la", a, b) for a, b in said + piled)
    loop = Segment(0, 6100, " ".join("la" for _ in words), words, -0.1, 0.1, 9.0)
    speech = SpeechMap(((0, 6000),))
    trimmed = salvage(loop, speech)
    assert trimmed is not None and len(trimmed.words) == 12
    assert trimmed.end_ms == said[-1][1] and trimmed.text == " ".join(["la"] * 12)
    assert kept(loop, [], speech) == trimmed
    # Unsure, or off speech, or with nothing before the pile: dropped whole, as before.
    unsure = Segment(0, 6100, loop.text, words, -0.9, 0.1, 9.0)
    assert kept(unsure, [], speech) is None
    assert kept(loop, [], SpeechMap(((9000, 9500),))) is None
    assert kept(loop, [], None) is None
    only_piled = Segment(0, 0, "la la la", tuple(Word("la", 0, 0) for _ in range(3)), -0.1, 0.1, 9)
    assert kept(only_piled, [], speech) is None
    # What is left must pass the other checks: a loop of sound tags, or of a line Whisper
    # invents, is no line said again and again.
    def loop_of(text: str, logprob: float = -0.2, no_speech: float = 0.1) -> Segment:
        ws = tuple(Word(w, k * 400, k * 400 + 350) for k, w in enumerate(text.split() * 6))
        return Segment(0, ws[-1].end_ms, " ".join(w.text for w in ws), ws, logprob, no_speech, 3)

    assert kept(loop_of("[Music]"), [], SpeechMap(((0, 20_000),))) is None
    thanks = loop_of("Thank you for watching.", no_speech=0.5)
    assert kept(thanks, [], SpeechMap(((0, 20_000),))) is None


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hearing")
    out = {
        "en_ru": folder / "en ru.wav",
        "loop": folder / "loop.wav",
        "late": folder / "late.wav",
        "en_en_ru": folder / "en en ru.wav",
    }
    concat = "[0][1]concat=n=2:v=0:a=1"
    run_ffmpeg("-i", str(JFK), "-i", str(RUSSIAN), "-filter_complex", concat, str(out["en_ru"]))
    run_ffmpeg("-stream_loop", "5", "-i", str(LINE), str(out["loop"]))
    more = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
    run_ffmpeg(
        "-i", str(JFK), "-i", str(more), "-i", str(JFK), "-i", str(RUSSIAN),
        "-filter_complex", "[0][1][2][3]concat=n=4:v=0:a=1", str(out["en_en_ru"]),
    )  # fmt: skip
    run_ffmpeg(
        "-f", "lavfi", "-t", "20", "-i", "anullsrc=r=16000:cl=mono", "-i", str(JFK),
        "-filter_complex", concat, str(out["late"]),
    )  # fmt: skip
    return out


def _transcribe(path: Path, model: ResolvedModel, language: str | None = None) -> Transcript:
    settings, _ = prepare(AsrSettings(language=language))
    return transcribe_audio(decode_audio(path, probe(path).audio[0]), settings, model)


def test_a_wrong_given_language_is_reported(whisper_model: ResolvedModel) -> None:
    wrong = _transcribe(JFK, whisper_model, "ru")
    assert wrong.hearing.sounds_like is not None and wrong.hearing.sounds_like[0] == "en"
    assert "sounds like English" in hearing_notes(wrong)[0]
    right = _transcribe(RUSSIAN, whisper_model, "ru")
    assert not right.hearing and hearing_notes(right) == []


def test_speech_of_a_second_language_is_reported(
    whisper_model: ResolvedModel, clips: dict[str, Path]
) -> None:
    russian_first = _transcribe(clips["en_ru"], whisper_model)
    assert russian_first.language == "ru"  # most of the first 30 s of speech is Russian
    hearing = russian_first.hearing
    assert hearing.unheard_language is not None and hearing.unheard_language[0] == "en"
    assert hearing.unheard and hearing.unheard[0][0] < 1000 and hearing.unheard[-1][1] <= 11_000
    assert hearing.unheard_ms >= 5000  # most of JFK's 8.8 s of speech
    assert "it sounds like English" in hearing_notes(russian_first)[-1]


def test_a_second_language_after_the_first_minute_is_reported(
    whisper_model: ResolvedModel, clips: dict[str, Path]
) -> None:
    """30 s of English, then Russian, transcribed as English (given): the detection of
    the first 30 s saw only English, and Whisper wrote the Russian out as English."""
    transcript = _transcribe(clips["en_en_ru"], whisper_model, "en")
    other = [span for span in transcript.hearing.elsewhere if span[2] == "ru"]
    assert other and other[0][0] >= 25_000, transcript.hearing
    assert transcript.hearing.sounds_like is None  # most of it is English
    (note,) = [n for n in hearing_notes(transcript) if "sounds like" in n]
    assert "sounds like Russian (ru)" in note and "--lang ru" in note


def test_a_line_said_six_times_is_kept(
    whisper_model: ResolvedModel, clips: dict[str, Path]
) -> None:
    transcript = _transcribe(clips["loop"], whisper_model, "en")
    texts = " ".join(w.text.lower() for w in transcript.words)
    assert texts.count("young man") >= 5, texts
    assert all(w.end_ms <= transcript.duration_ms for w in transcript.words)
    assert transcript.dropped_segments == 0


def test_a_word_silero_missed_after_silence_keeps_its_time(
    whisper_model: ResolvedModel, clips: dict[str, Path]
) -> None:
    def starts(path: Path, shift: int) -> dict[str, int]:
        words = _transcribe(path, whisper_model, "en").words
        return {w.text.strip(",.").lower(): w.start_ms - shift for w in reversed(words)}

    alone, late = starts(JFK, 0), starts(clips["late"], 20_000)
    # "ask not": Silero misses "ask" after 20 s of silence; the word stays on its speech
    # instead of moving 700 ms onto "not" (the first of each word is compared).
    assert abs(late["ask"] - alone["ask"]) <= 100, (late, alone)
    assert late["not"] - late["ask"] >= 300, late


def test_cli_detects_and_reports(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_cli(
        ["transcribe", str(JFK), "--lang", "detect", "--out", str(tmp_path), "--json"], capsys
    )
    assert code == 0, err
    report = json.loads(stdout)
    assert report["stages"]["transcribe"]["language"] == "en"
    code, stdout, err = run_cli(
        ["transcribe", str(JFK), "--lang", "ru", "--out", str(tmp_path / "ru"), "--json"], capsys
    )
    assert code == 0, err
    report = json.loads(stdout)
    notes = report["stages"]["transcribe"]["notes"]
    assert any("sounds like English" in note for note in notes), notes
    assert any("sounds like English" in warning for warning in report["warnings"])
    # a wrong file is said on stderr even with --json (or --quiet)
    assert err.startswith("scodub: warning: jfk.wav: the speech sounds like English"), err


def test_a_batch_names_the_film_given_the_wrong_language(
    whisper_model: ResolvedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(JFK, tmp_path / "speech.wav")
    shutil.copy(RUSSIAN, tmp_path / "речь.wav")
    manifest = tmp_path / "films.csv"
    manifest.write_text("path,lang,langs\nspeech.wav,ru,ru\nречь.wav,ru,ru\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = run_cli(["batch", str(manifest), "--out", str(out), "-q"], capsys)
    assert code == 0, err
    state = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    warned = {
        film: [w for stage in data["stages"].values() for w in stage["warnings"]]
        for film, data in state["films"].items()
    }
    assert warned["речь"] == [] and len(warned["speech"]) == 1, warned
    assert "sounds like English" in warned["speech"][0]
    code, stdout, _ = run_cli(["batch", "status", str(out)], capsys)
    assert "speech: warning: the speech sounds like English" in stdout
