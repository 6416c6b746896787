"""A voice for every speaker (scodub.dub.casting) and the dub spoken by them
(scodub.stages.dub): casting by voice type, the same kind of voice in every language,
hand casting, dual-speaker cues spoken as two lines, and the report's speaker map."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import SAMPLE, run_cli
from scodub.asr.voicetype import estimate_voice_type
from scodub.data import Cue, Segment, Speaker, Track, Transcript, Word
from scodub.dub.casting import (
    SpeakerTimeline,
    cast_speakers,
    cue_speakers,
    parse_speaker_voices,
    spoken_cues,
    voice_type_of,
)
from scodub.dub.fitting import FittedLine, render_stem
from scodub.dub.voices import VoiceInfo, parse_voice_options, resolve_voice
from scodub.errors import ConfigError
from scodub.langs import SCO_LANGUAGES
from scodub.stages.deliver import _shared_voices, stage_dub_language
from scodub.stages.dub import DubSettings
from speaker_clips import load_audio

CAST = (
    Speaker("S1", 9000, "lower", 120.0),
    Speaker("S2", 6000, "higher", 210.0),
    Speaker("S3", 3000, "lower", 110.0),
    Speaker("S4", 800, "unknown", 0.0),
)


def test_speakers_get_distinct_voices_of_their_kind() -> None:
    cast = cast_speakers("ru", CAST, None)
    assert cast == {"S1": "espeak", "S2": "espeak+f2", "S3": "espeak+m3", "S4": "espeak+m1"}


@pytest.mark.parametrize("language", sorted({"en", *SCO_LANGUAGES}))
def test_each_speaker_keeps_their_kind_of_voice_in_every_language(language: str) -> None:
    cast = cast_speakers(language, CAST, None)
    assert len(set(cast.values())) == len(CAST)  # one voice per speaker
    for speaker in CAST[:3]:
        assert voice_type_of(language, cast[speaker.id]) == speaker.voice_type
    for spec in cast.values():
        resolve_voice(language, spec)  # every cast voice exists and loads


def test_the_embedded_english_voice_is_measured_lower() -> None:
    # Piper's en_US-joe is a man's voice: measured on its own speech, not assumed.
    assert voice_type_of("en", "piper") == "lower"
    assert cast_speakers("en", CAST[:2], None) == {"S1": "piper", "S2": "espeak+f2"}


def test_hand_casting_and_its_options() -> None:
    values = ["ru=espeak", "ru:S2=espeak+f4", "kk:s1=espeak+m2"]
    assert parse_voice_options(values) == {"ru": "espeak"}
    assert parse_voice_options(["ru=espeak", "rus=espeak"]) == {"ru": "espeak"}
    with pytest.raises(ConfigError, match="ru already has the voice 'espeak'"):
        parse_voice_options(["ru=espeak", "ru=piper"])  # not silently the last one
    assert parse_speaker_voices(values) == {"ru": {"S2": "espeak+f4"}, "kk": {"S1": "espeak+m2"}}
    cast = cast_speakers("ru", CAST, None, {"S2": "espeak+f4"})
    assert cast["S2"] == "espeak+f4" and "espeak+f4" not in [cast[s] for s in ("S1", "S3", "S4")]
    with pytest.raises(ConfigError, match="no speaker S9"):
        cast_speakers("ru", CAST, None, {"S9": "espeak"})
    with pytest.raises(ConfigError, match="LANG:SPEAKER=VOICE"):
        parse_speaker_voices(["ru:two=espeak"])
    # One speaker given two voices: refused as for a language, not silently the last one.
    with pytest.raises(ConfigError, match=r"ru:S1 already has the voice 'espeak\+f2'"):
        parse_speaker_voices(["ru:S1=espeak+f2", "rus:s1=espeak+f3"])
    assert parse_speaker_voices(["ru:S1=espeak+f2", "rus:s1=espeak+f2"]) == {
        "ru": {"S1": "espeak+f2"}
    }
    # The names a dub report gives voices go back into --voice as they are written there.
    cast = cast_speakers("ru", CAST, None, {"S2": "espeak:ru+f4"})
    assert "espeak+f4" not in [cast[s] for s in ("S1", "S3", "S4")]
    assert resolve_voice("ru", "espeak:ru+f4").name == resolve_voice("ru", "espeak+f4").name
    assert resolve_voice("en", "en_US-joe-medium").name == resolve_voice("en", "piper").name
    with pytest.raises(ConfigError, match="Russian is spoken by the espeak-ng voice ru"):
        resolve_voice("ru", "espeak:en-us+f2")


RU_LINE = "1\n00:00:01,000 --> 00:00:03,000\nДобрый вечер.\n"


def test_a_speakers_voice_is_never_ignored_without_a_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--voice ru:S2=...`` where no speaker S2 can be known is refused before any work
    (it was dropped silently: the dub came out in the default voice)."""
    srt = tmp_path / "ru.srt"
    srt.write_text(RU_LINE, encoding="utf-8")
    out = tmp_path / "out"
    dub = ["dub", str(SAMPLE), "--track", f"ru={srt}", "--out", str(out)]
    code, _, err = run_cli([*dub, "--voice", "ru:S2=espeak+f4"], capsys)
    assert code == 2 and err.strip() == (
        "scodub: error: --voice ru:S2=...: speakers are known from the film's transcript; "
        "give --transcript FILM.transcript.json (from scodub run or transcribe), or "
        "--voice LANG=VOICE"
    )
    alone = Transcript("en", 1.0, 5000, (Segment(300, 3700, "Hello.", ()),))
    transcript = tmp_path / "film.transcript.json"
    transcript.write_text(json.dumps(alone.to_json()), encoding="utf-8")
    code, _, err = run_cli(
        [*dub, "--voice", "ru:S2=espeak+f4", "--transcript", str(transcript)], capsys
    )
    assert code == 2 and err.strip() == (
        f"scodub: error: --voice ru:S2=...: {transcript} has no speakers"
    )
    words = (Word("Good", 300, 700, 1.0, "S1"), Word("evening.", 700, 1400, 1.0, "S1"))
    two = Transcript("en", 1.0, 5000, (Segment(300, 1400, "", words),), speakers=CAST[:1])
    transcript.write_text(json.dumps(two.to_json()), encoding="utf-8")
    dub += ["--transcript", str(transcript)]
    code, _, err = run_cli([*dub, "--voice", "kk:S1=espeak"], capsys)
    assert code == 2 and "--voice for kk but no track in that language" in err
    run = ["run", str(SAMPLE), "--out", str(out), "--dub", "--speakers", "off"]
    code, _, err = run_cli([*run, "--voice", "en:S1=espeak"], capsys)
    assert code == 2 and err.strip() == (
        "scodub: error: --voice en:S1=...: --speakers off tells no speakers apart; give "
        "--voice LANG=VOICE, or leave speakers on"
    )
    assert not out.exists()
    # A transcript in which diarization found nobody: the stage itself refuses the cast.
    hand = DubSettings(backcheck=False, background=False, speaker_voices={"ru": {"S2": "espeak"}})
    track = Track("ru", (Cue(1000, 3000, ("Добрый вечер.",)),))
    with pytest.raises(ConfigError, match=r"no speaker S2 in the transcript; speakers: none"):
        stage_dub_language(SAMPLE, track, tmp_path / "cache", hand)


def test_another_films_transcript_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``dub --transcript`` with the transcript of another film cast its speakers over
    this film's lines by time, without a word."""
    srt = tmp_path / "ru.srt"
    srt.write_text(RU_LINE, encoding="utf-8")
    words = (Word("Good", 300, 700, 1.0, "S1"), Word("evening.", 700, 1400, 1.0, "S1"))
    spoken = Transcript("en", 1.0, 5000, (Segment(300, 1400, "", words),), speakers=CAST[:1])
    transcript = tmp_path / "другой фильм.transcript.json"
    dub = ["dub", str(SAMPLE), "--track", f"ru={srt}", "--out", str(tmp_path / "out")]
    dub += ["--transcript", str(transcript)]
    for media, message in (
        ({"duration_ms": 5_400_000}, "is the transcript of a film of 01:30:00,000"),
        (None, "has speech until 00:00:41,400"),
    ):
        data = {"media": media, "transcript": spoken.to_json()}
        if media is None:  # a bare transcript, words past this film's end
            late = tuple(replace(w, start_ms=w.start_ms + 40_000, end_ms=w.end_ms + 40_000)
                         for w in words)  # fmt: skip
            data = Transcript("en", 1.0, 42_000, (Segment(40_300, 41_400, "", late),)).to_json()
        transcript.write_text(json.dumps(data), encoding="utf-8")
        code, _, err = run_cli(dub, capsys)
        assert code == 2 and err.strip() == (
            f"scodub: error: {transcript}: {message}, and {SAMPLE} lasts 00:00:27,916: give "
            "this film's transcript"
        ), err
    assert not (tmp_path / "out").exists()


def test_more_speakers_than_voices_reuse_voices_in_turn() -> None:
    many = tuple(Speaker(f"S{k}", 1000, "higher", 200.0) for k in range(1, 9))
    cast = cast_speakers("ru", many, None)
    higher = [cast[f"S{k}"] for k in range(1, 9)]
    assert higher[:5] == ["espeak+f2", "espeak+f1", "espeak+f3", "espeak+f4", "espeak+f5"]
    assert higher[5:] == ["espeak+f2", "espeak+f1", "espeak+f3"]


def _timeline() -> SpeakerTimeline:
    words = (
        Word("Good", 300, 700, 1.0, "S1"), Word("evening.", 700, 1400, 1.0, "S1"),
        Word("Coming?", 2000, 3400, 1.0, "S1"), Word("In", 3600, 3800, 1.0, "S2"),
        Word("a", 3800, 3900, 1.0, "S2"), Word("minute.", 3900, 5400, 1.0, "S2"),
    )  # fmt: skip
    transcript = Transcript("en", 1.0, 5000, (Segment(300, 3700, "", words),))
    transcript = Transcript("en", 1.0, 5000, transcript.segments, speakers=(CAST[0], CAST[1]))
    timeline = SpeakerTimeline.of(transcript)
    assert timeline is not None
    return timeline


def test_cues_read_from_files_learn_their_speakers() -> None:
    track = Track(
        "ru",
        (
            Cue(300, 1500, ("Добрый вечер.",)),
            Cue(2000, 3800, ("-Ты идёшь?", "-Через минуту.")),
        ),
    )
    known = cue_speakers(track, _timeline())
    assert [c.speakers for c in known.cues] == [("S1",), ("S1", "S2")]
    spoken = spoken_cues(known)
    assert [(c.lines, c.speakers) for c in spoken] == [
        (("Добрый вечер.",), ("S1",)),
        (("Ты идёшь?",), ("S1",)),
        (("Через минуту.",), ("S2",)),
    ]
    assert spoken[1].start_ms == 2000 and spoken[1].end_ms == spoken[2].start_ms < 3800
    assert cue_speakers(track, None) == track


def test_dashes_over_one_known_speaker_keep_that_speakers_voice() -> None:
    """An editor's dialogue dashes over S2's words (or an exchange the speaker turns
    merged): both lines were spoken in the default voice, the lead's."""
    track = Track("ru", (Cue(3600, 5400, ("-В минуту?", "-Да.")),))
    known = cue_speakers(track, _timeline())
    assert known.cues[0].speakers == ("S2",)
    assert [c.speakers for c in spoken_cues(known)] == [("S2",), ("S2",)]


def test_speakers_of_a_hand_edited_transcript_are_all_cast() -> None:
    """Words given to an S3 the speakers list lacks were spoken in the default voice; a
    listed speaker with an empty id was cast though it never speaks."""
    words = (
        Word("One", 0, 900, 1.0, "S1"), Word("two", 1000, 1900, 1.0, "S3"),
        Word("three", 2000, 2900, 1.0, "S²"),
    )  # fmt: skip
    segments = (Segment(0, 2900, "", words),)
    listed = (CAST[0], Speaker("", 500, "lower", 100.0))
    timeline = SpeakerTimeline.of(Transcript("en", 1.0, 3000, segments, speakers=listed))
    assert timeline is not None
    assert [(s.id, s.speech_ms, s.voice_type) for s in timeline.speakers] == [
        ("S1", 9000, "lower"), ("S3", 900, "unknown"), ("S²", 900, "unknown"),
    ]  # fmt: skip
    cast = cast_speakers("ru", timeline.speakers, None)
    assert set(cast) == {"S1", "S3", "S²"} and len(set(cast.values())) == 3


def test_a_stem_mixes_voices_of_different_sample_rates() -> None:
    def line(index: int, start: int, rate: int) -> FittedLine:
        audio = np.full(rate // 10, 0.5, dtype=np.float32)  # 100 ms
        return FittedLine(
            index=index, text="x", start_ms=start, duration_ms=100, natural_ms=100,
            engine_rate=1.0, stretch=1.0, slot_ms=500, fitted=True, overflow_ms=0, borrowed_ms=0,
            sample_rate=rate, audio=audio,
        )  # fmt: skip

    stem = render_stem([line(1, 0, 22050), line(2, 500, 16000)], 1000, 16000)
    assert stem.size == 16000
    assert abs(stem[400:1200].mean() - 0.5) < 0.05 and abs(stem[8400:9200].mean() - 0.5) < 0.05


@pytest.mark.slow
def test_dub_speaks_each_line_with_its_speakers_voice(tmp_path: Path) -> None:
    track = Track(
        "ru",
        (
            # Long enough to be typed every time: espeak-ng varies from one synthesis to
            # the next, and "Добрый вечер." alone was typed "unknown" in 10 of 12
            # syntheses (0.24-0.30 s voiced; the voice typer wants 0.3 s).
            Cue(300, 1900, ("Добрый вечер, мои друзья.",)),
            Cue(2000, 5500, ("-Ты идёшь с нами в кино?", "-Через минуту, подожди.")),
        ),
    )
    settings = DubSettings(backcheck=False, background=False, timeline=_timeline())
    result = stage_dub_language(SAMPLE, track, tmp_path, settings)
    assert {s: v.voice for s, v in result.cast.items()} == {
        "S1": "espeak:ru",
        "S2": "espeak:ru+f2",
    }
    assert result.to_json()["speakers"]["S2"]["voice"] == "espeak:ru+f2"
    assert [line.text for line in result.lines] == [
        "Добрый вечер, мои друзья.",
        "Ты идёшь с нами в кино?",
        "Через минуту, подожди.",
    ]
    mix = load_audio(result.mix.path)
    kinds = [
        estimate_voice_type(mix, [(line.start_ms, line.end_ms)]).voice_type for line in result.lines
    ]
    assert kinds == ["lower", "lower", "higher"]
    # Hand casting changes the key: S2 is dubbed again with the chosen voice.
    hand = DubSettings(
        backcheck=False, background=False, timeline=_timeline(),
        speaker_voices={"ru": {"S2": "espeak+f4"}},
    )  # fmt: skip
    again = stage_dub_language(SAMPLE, track, tmp_path, hand)
    assert not again.cached and again.cast["S2"].voice == "espeak:ru+f4"


@pytest.mark.slow
def test_a_cue_past_the_films_end_ends_with_it(tmp_path: Path) -> None:
    """A given track's last cue running 30 s past the end made the delivery 30 s longer
    than the film (its subtitle stream): the cue now ends with the film."""
    from scodub.media.probe import choose_audio_stream, probe
    from scodub.text.srt import read_srt

    track = Track("ru", (Cue(20_000, 60_000, ("Очень долгая пауза.",)),))
    settings = DubSettings(backcheck=False, background=False)
    result = stage_dub_language(SAMPLE, track, tmp_path, settings)
    info = probe(SAMPLE)
    film_end = info.timeline_ms(choose_audio_stream(info))  # the picture's end
    (cue,) = read_srt(result.subtitles, "ru").cues
    assert (cue.start_ms, cue.end_ms) == (20_000, film_end)


def test_a_cue_at_the_films_last_instant_is_named_as_such() -> None:
    from scodub.dub.checks import check_dub_track
    from scodub.errors import SubtitleError

    for start, when in ((6000, "when"), (7000, "after")):
        with pytest.raises(SubtitleError, match=f"starts {when} the film ends"):
            check_dub_track(Track("ru", (Cue(start, start + 500, ("Да.",)),)), 6000, "x.srt")


def test_speakers_sharing_a_voice_are_named_in_the_warnings() -> None:
    def info(voice: str) -> VoiceInfo:
        return VoiceInfo("ru", voice, "espeak-ng", 22050)

    cast = {"S1": info("espeak:ru"), "S2": info("espeak:ru+f2"), "S3": info("espeak:ru")}
    (warning,) = _shared_voices("ru", cast)
    assert warning.startswith("ru: speakers S1, S3 share the voice espeak:ru")
    assert _shared_voices("ru", {"S1": info("espeak:ru"), "S2": info("espeak:ru+f2")}) == []


def test_a_file_that_is_no_transcript_names_what_it_lacks(tmp_path: Path) -> None:
    """A run's report given as --transcript: "('language')" said nothing."""
    from scodub.dub.casting import load_timeline

    report = tmp_path / "film.report.json"
    report.write_text(json.dumps({"scodub": "1", "stages": {}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="not a scodub transcript \\(no 'language' in it\\)"):
        load_timeline(report)


def test_a_transcript_that_is_no_regular_file_is_one_line(tmp_path: Path) -> None:
    """``--transcript /dev/zero`` (click's exists check lets a device through) was read
    until memory ran out: a MemoryError traceback; a FIFO blocked for ever."""
    from scodub.dub.casting import load_timeline

    with pytest.raises(ConfigError, match="/dev/zero: is a character device, not a transcript"):
        load_timeline(Path("/dev/zero"))
    fifo = tmp_path / "film.transcript.json"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match=r"film\.transcript\.json: is a pipe \(FIFO\)"):
        load_timeline(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"deep\.json: not valid JSON \(nested too deeply\)"):
        load_timeline(deep)


def test_dub_follows_the_audio_stream_its_transcript_was_heard_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A film whose second audio stream was transcribed (``--audio-stream 1``, or the
    stream of the language asked for) is dubbed over that stream, not the default one."""
    import importlib

    from conftest import run_ffmpeg
    from scodub.dub.casting import transcript_audio_stream
    from scodub.media.probe import probe

    film = tmp_path / "two tracks «фильм».mkv"
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=f=440:d=2", "-f", "lavfi", "-i", "sine=f=880:d=2",
        "-map", "0:a", "-map", "1:a", "-c:a", "pcm_s16le", str(film),
    )  # fmt: skip
    info = probe(film)
    transcript = tmp_path / "film.transcript.json"

    def write(media: object) -> Path:
        heard = Transcript("en", 1.0, 2000, ())
        transcript.write_text(json.dumps({"media": media, "transcript": heard.to_json()}))
        return transcript

    assert transcript_audio_stream(write({"audio_stream": 1, "duration_ms": 2000}), info) == 1
    assert transcript_audio_stream(write({"audio_stream": 5}), info) is None  # not this film's
    assert transcript_audio_stream(write({"audio_stream": True}), info) is None
    assert transcript_audio_stream(write(None), info) is None
    chosen: list[int | None] = []

    def dub_film(*args: object, audio_stream: int | None = None, **kwargs: object) -> None:
        chosen.append(audio_stream)
        raise SystemExit(3)

    monkeypatch.setattr(importlib.import_module("scodub.cli.dub"), "dub_film", dub_film)
    srt = tmp_path / "ru.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,500\nПривет.\n", encoding="utf-8")
    write({"audio_stream": 1, "duration_ms": 2000})
    args = ["dub", str(film), "--track", f"ru={srt}", "--out", str(tmp_path / "out"),
            "--transcript", str(transcript)]
    code, _, err = run_cli(args, capsys)
    assert (code, err) == (3, ""), err
    assert run_cli([*args, "--audio-stream", "0"], capsys)[0] == 3  # given: it wins
    assert chosen == [1, 0]



@pytest.mark.parametrize("damage", ["no config", "another language"])
def test_a_broken_pulled_voice_is_named_before_any_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    """Casting draws on every pulled voice of the language, but they were first loaded
    when the speakers were cast: a pulled voice left without its .json (or one that
    speaks another language) stopped ``run --dub`` after the transcription and the
    translation, while ``--plan`` saw nothing wrong. Now: before any work."""
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "models" / "piper" / "en_US-tinyms-medium"
    tiny = Path(__file__).parent / "data" / "tiny-piper" / "en_US-tinyms-medium.onnx"
    folder.mkdir(parents=True)
    shutil.copyfile(tiny, folder / tiny.name)
    if damage == "another language":
        config = json.loads(tiny.with_name(tiny.name + ".json").read_text(encoding="utf-8"))
        config["language"]["family"] = "ru"
        (folder / (tiny.name + ".json")).write_text(json.dumps(config), encoding="utf-8")
    run = ["run", str(SAMPLE), "--lang", "en", "--langs", "en", "--dub", "--dub-langs", "en"]
    run += ["--out", str(tmp_path / "out"), "--plan"]
    code, out, err = run_cli(run, capsys)
    assert code != 0 and err.count("\n") == 1, out + err
    assert "en_US-tinyms-medium" in err and f"remove {folder}" in err, err
    # With speakers off no speaker is cast: the pulled voice is not needed.
    code, out, err = run_cli([*run, "--speakers", "off"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("voice", ["ru=espeak+f2", "rus:S1=espeak+f2"])
def test_run_refuses_a_voice_for_a_language_it_does_not_dub(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], voice: str
) -> None:
    """``run --dub --dub-langs en --voice ru=...``: the Russian voice was dropped without
    a word (a typo for the language dubbed gave its speakers the default voices), where
    ``dub`` refuses a voice for a language it has no track in."""
    run = ["run", str(SAMPLE), "--lang", "en", "--langs", "en", "--dub", "--dub-langs", "en"]
    run += ["--voice", voice, "--out", str(tmp_path / "out"), "--plan"]
    code, _, err = run_cli(run, capsys)
    assert code == 2 and err.strip() == (
        "scodub: error: --voice for ru, which is not dubbed (dubbed: en); add it to --dub-langs"
    ), err


def test_a_re_dub_into_the_run_s_folder_keeps_the_run_s_speakers_and_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor's round trip, ``scodub dub FILM --track ru=film.ru.edited.srt --out
    OUT`` into the folder ``scodub run`` made for FILM: without --transcript the re-dub
    spoke every line in one voice (the run's cast lost, every line voiced again) over
    the default audio stream, not the one the run heard. The run's transcript there is
    now taken; a folder of another film's outputs lends none."""
    import importlib

    from conftest import run_ffmpeg
    from scodub.stages.film import open_film
    from scodub.stages.outputs import claim_stem

    film = tmp_path / "two tracks.mkv"
    run_ffmpeg(
        "-f", "lavfi", "-i", "sine=f=440:d=2", "-f", "lavfi", "-i", "sine=f=880:d=2",
        "-map", "0:a", "-map", "1:a", "-c:a", "pcm_s16le", str(film),
    )  # fmt: skip
    out = tmp_path / "out"
    claim_stem(out, open_film(film, out))  # as scodub run does
    words = (Word("Good", 300, 700, 1.0, "S1"), Word("evening.", 700, 1400, 1.0, "S2"))
    heard = Transcript("en", 1.0, 2000, (Segment(300, 1400, "", words),), speakers=CAST[:2])
    (out / "two tracks.transcript.json").write_text(json.dumps(
        {"media": {"audio_stream": 1, "duration_ms": 2000}, "transcript": heard.to_json()}
    ))  # fmt: skip
    chosen: list[tuple[int | None, object]] = []

    def dub_film(*args: Any, audio_stream: int | None = None, **kwargs: Any) -> None:
        chosen.append((audio_stream, args[3].timeline))
        raise SystemExit(3)

    monkeypatch.setattr(importlib.import_module("scodub.cli.dub"), "dub_film", dub_film)
    srt = tmp_path / "two tracks.ru.edited.srt"
    srt.write_text("1\n00:00:00,300 --> 00:00:01,400\nДобрый вечер.\n", encoding="utf-8")
    for folder in (out, tmp_path / "elsewhere"):
        args = ["dub", str(film), "--track", f"ru={srt}", "--out", str(folder)]
        assert run_cli(args, capsys)[0] == 3
    (stream, timeline), (other_stream, other_timeline) = chosen
    assert stream == 1 and isinstance(timeline, SpeakerTimeline)
    assert [s.id for s in timeline.speakers] == ["S1", "S2"]
    assert (other_stream, other_timeline) == (None, None)


def test_a_dub_names_the_cue_of_the_file_after_a_dual_speaker_cue(tmp_path: Path) -> None:
    """A dual-speaker cue is spoken as two lines; the dub's report numbered the lines
    spoken, so every cue after one was named one too high ("cue 3: 9 characters not
    voiced" for the SRT's cue 2): the editor shortened the wrong cue. A line now carries
    the number of its cue in the file."""
    track = Track("ru", (
        Cue(300, 1900, ("-Ты идёшь?", "-Иду.")),
        Cue(2000, 2600, ("Это очень длинная фраза, которая никак не помещается здесь.",)),
        Cue(2700, 4000, ("Да.",)),
    ))  # fmt: skip
    settings = DubSettings(backcheck=False, background=False)
    result = stage_dub_language(SAMPLE, track, tmp_path, settings)
    assert [line.index for line in result.lines] == [1, 1, 2, 3]
    (cut,) = result.fit.not_fitted
    assert cut.index == 2 and cut.truncated
