"""Probing and decoding real media with the real ffmpeg."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DATA, SAMPLE, run_ffmpeg
from scodub.errors import LanguageError, MediaError
from scodub.langs import get_language
from scodub.media.decode import ASR_SAMPLE_RATE, check_complete, decode_audio, rms_dbfs
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.media.probe import choose_audio_stream, probe


def test_ffmpeg_binary_runs() -> None:
    assert Path(ffmpeg_exe()).exists()


def test_probe_sample_film() -> None:
    info = probe(SAMPLE)
    assert info.fps == 24.0
    assert 24_000 < info.duration_ms < 29_000
    (audio,) = info.audio
    assert audio.language == "en" and audio.channels == 2 and audio.sample_rate == 48000
    assert info.video[0].codec == "h264"


def test_decode_is_16k_mono_of_full_length() -> None:
    info = probe(DATA / "jfk.wav")
    stream = choose_audio_stream(info)
    audio = decode_audio(info.path, stream)
    assert audio.dtype.name == "float32"
    assert abs(len(audio) / ASR_SAMPLE_RATE - 11.0) < 0.05
    check_complete(info, stream, audio)
    assert -40 < rms_dbfs(audio) < -5


def test_choose_stream_by_language_and_position(tmp_path: Path) -> None:
    from conftest import run_ffmpeg

    film = tmp_path / "two tracks.mkv"
    run_ffmpeg(
        "-i",
        str(DATA / "jfk.wav"),
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=2",
        "-map",
        "1:a",
        "-map",
        "0:a",
        "-metadata:s:a:0",
        "language=rus",
        "-metadata:s:a:1",
        "language=eng",
        str(film),
    )
    info = probe(film)
    assert [a.language for a in info.audio] == ["ru", "en"]
    assert choose_audio_stream(info, language="en").position == 1
    assert choose_audio_stream(info).position == 0
    assert choose_audio_stream(info, position=1).language == "en"
    with pytest.raises(MediaError, match="no audio stream 5"):
        choose_audio_stream(info, position=5)
    # The stream marked default is the one players play: it is the film's dialogue.
    marked = tmp_path / "second is default.mkv"
    run_ffmpeg("-i", str(film), "-map", "0", "-c", "copy", "-disposition:a:0", "0",
               "-disposition:a:1", "default", str(marked))  # fmt: skip
    assert choose_audio_stream(probe(marked)).language == "en"
    assert choose_audio_stream(probe(marked), language="ru").language == "ru"
    # MP4 tags with ISO 639-2/T codes (zho, fas), others with BCP 47 (zh-CN): the same
    # languages as chi and per, not unknown tags that no --lang ever matches.
    tagged = tmp_path / "terminology codes.mkv"
    run_ffmpeg("-i", str(film), "-i", str(film), "-map", "0:a", "-map", "1:a:0", "-c", "copy",
               "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fas",
               "-metadata:s:a:2", "language=zho", str(tagged))  # fmt: skip
    info = probe(tagged)
    assert [a.language for a in info.audio] == ["en", "fa", "zh"]
    assert choose_audio_stream(info, language="fa").position == 1
    assert choose_audio_stream(info, language="zh").position == 2
    assert [get_language(c).code for c in ("zh-CN", "en_GB", "uz-Latn", "fas")] == [
        "zh", "en", "uz", "fa"
    ]  # fmt: skip
    with pytest.raises(LanguageError, match="unknown language code 'es-419'"):
        get_language("es-419")


def test_matroska_audio_without_its_own_length_is_judged_by_its_packets(tmp_path: Path) -> None:
    """Matroska gives a stream no length: audio that ends before the picture, or that
    starts at a 10-hour timecode, is whole; a file cut in half is not."""

    def whole(path: Path) -> bool:
        info = probe(path)
        stream = choose_audio_stream(info)
        try:
            check_complete(info, stream, decode_audio(path, stream))
        except MediaError as exc:
            assert "truncated or corrupt" in str(exc)
            return False
        return True

    picture = ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5:d=20"]
    short = tmp_path / "short audio.mkv"
    run_ffmpeg(*picture, "-i", str(DATA / "jfk.wav"), "-t", "20", "-c:v", "mpeg4",
               "-c:a", "flac", "-af", "atrim=0:4", str(short))  # fmt: skip
    speech = tmp_path / "speech.mkv"
    run_ffmpeg(*picture, "-i", str(DATA / "jfk.wav"), "-shortest", "-c:v", "mpeg4",
               "-c:a", "flac", str(speech))  # fmt: skip
    late = tmp_path / "ten hours in.mkv"
    run_ffmpeg("-itsoffset", "36000", "-i", str(speech), "-c", "copy", str(late))
    data = speech.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    assert probe(short).audio[0].duration_ms is None  # the case: no length of its own
    assert [whole(p) for p in (short, late, speech, cut)] == [True, True, True, False]


def test_bad_inputs(media_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(MediaError, match="not-media.mp4"):
        probe(media_dir / "not-media.mp4")
    with pytest.raises(MediaError, match="no audio stream"):
        choose_audio_stream(probe(media_dir / "video-only.mp4"))
    info = probe(media_dir / "truncated.mp4")
    stream = choose_audio_stream(info)
    with pytest.raises(MediaError, match="truncated"):
        check_complete(info, stream, decode_audio(info.path, stream))


def test_a_pipe_or_a_device_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "film.mp4"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(MediaError, match=r"film.mp4: is a pipe \(FIFO\), not a media file"):
        probe(fifo)
    with pytest.raises(MediaError, match="is a character device"):
        probe(Path("/dev/zero"))


def test_non_latin_file_name(tmp_path: Path) -> None:
    odd = tmp_path / "фильм \"тест\" 'кино' 电影.wav"
    shutil.copy(DATA / "jfk.wav", odd)
    info = probe(odd)
    assert len(decode_audio(odd, choose_audio_stream(info))) > 10 * ASR_SAMPLE_RATE


def test_a_relative_name_with_a_colon_is_a_file_not_a_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(SAMPLE, tmp_path / "Film:Cut.mp4")
    monkeypatch.chdir(tmp_path)
    for name in ("Film:Cut.mp4", "./Film:Cut.mp4"):
        info = probe(Path(name))
        assert len(decode_audio(Path(name), choose_audio_stream(info))) > ASR_SAMPLE_RATE


def test_a_length_the_header_only_guesses_or_lacks_is_measured(tmp_path: Path) -> None:
    """Raw MP3 (no Xing header) and ADTS AAC that open with silence: ffmpeg guesses their
    length from the first frames' bitrate (5-20 times too long); Matroska written to a
    pipe has none. The length is read from the packets, so the whole decode is complete."""
    jfk = str(DATA / "jfk.wav")
    silence_first = ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=4", "-i", jfk,
                     "-filter_complex", "[1:a]aresample=44100[s];[0:a][s]concat=n=2:v=0:a=1"]
    files = {
        "raw.mp3": [*silence_first, "-c:a", "libmp3lame", "-write_xing", "0"],
        "adts.aac": [*silence_first, "-c:a", "aac", "-f", "adts"],
    }
    for name, args in files.items():
        run_ffmpeg(*args, str(tmp_path / name))
    piped = tmp_path / "piped.mkv"
    with piped.open("wb") as out:
        subprocess.run(
            [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(SAMPLE), "-c", "copy",
             "-f", "matroska", "-"], stdout=out, check=True,
        )  # fmt: skip
    lengths = {"raw.mp3": 4000 + 11000, "adts.aac": 4000 + 11000, "piped.mkv": None}
    for name, about in lengths.items():
        info = probe(tmp_path / name)
        audio = decode_audio(tmp_path / name, choose_audio_stream(info))
        check_complete(info, choose_audio_stream(info), audio)
        decoded_ms = len(audio) * 1000 // ASR_SAMPLE_RATE
        stream_ms = choose_audio_stream(info).duration_ms
        assert stream_ms is not None and abs(stream_ms - decoded_ms) < 100, (name, stream_ms)
        if about is not None:
            assert abs(decoded_ms - about) < 500 and info.duration_ms == stream_ms, name
        else:  # the film's length: its longest stream (here the picture)
            assert abs(info.duration_ms - probe(SAMPLE).duration_ms) < 100


def test_tags_in_another_encoding_do_not_stop_a_probe(tmp_path: Path) -> None:
    """A title written in Latin-1 (bytes that are no UTF-8) is read past, whatever PyAV:
    before 19 it is told to ignore bad bytes, 19 (Python 3.12+) has no such option."""
    (audio,) = probe(_latin1_film(tmp_path)).audio
    assert audio.language == "ru" and audio.sample_rate > 0


def _latin1_film(folder: Path) -> Path:
    film = folder / "latin1.mkv"
    subprocess.run(
        [os.fsencode(ffmpeg_exe()), b"-nostdin", b"-loglevel", b"error", b"-y", b"-f", b"lavfi",
         b"-i", b"sine=frequency=440:duration=1", b"-metadata:s:a:0", b"title=d\xe9j\xe0 vu",
         b"-metadata:s:a:0", b"language=rus", os.fsencode(film)],
        check=True,
    )
    return film


def test_escaped_tag_bytes_are_dropped_as_pyav_19_gives_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyAV 19 reads tags as UTF-8 with surrogateescape: a Latin-1 title comes with lone
    surrogates, which the film's JSON report could not hold (UnicodeEncodeError)."""
    import json

    import av

    from scodub.media import probe as probe_module

    real_open = av.open
    film = _latin1_film(tmp_path)
    if probe_module._TAG_ERRORS_OPTION:  # an older PyAV: made to read tags as 19 does
        monkeypatch.setattr(probe_module, "_TAG_ERRORS_OPTION", False)
        monkeypatch.setattr(probe_module.av, "open",
                            lambda name: real_open(name, metadata_errors="surrogateescape"))
    (audio,) = probe(film).audio
    assert audio.title == "dj vu" and audio.language == "ru"
    json.dumps(probe(film).streams[0].title, ensure_ascii=False).encode("utf-8")


def test_probe_without_the_tag_errors_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyAV 19's ``open`` takes no ``metadata_errors``, and a tag it cannot decode raises
    as it is read: the probe passes no such option there and leaves that tag out."""
    import av

    from scodub.media import probe as probe_module

    real_open = av.open

    def open_19(name: str, **options: str) -> object:
        assert not options, options  # PyAV 19 raises TypeError on metadata_errors
        return real_open(name)

    class Undecodable:
        def __init__(self, stream: object) -> None:
            self._stream = stream

        def __getattr__(self, name: str) -> object:
            if name == "metadata":
                raise UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "invalid continuation byte")
            return getattr(self._stream, name)

    monkeypatch.setattr(probe_module, "_TAG_ERRORS_OPTION", False)
    monkeypatch.setattr(probe_module.av, "open", open_19)
    assert probe_module._tags(Undecodable(object())) == {}  # type: ignore[arg-type]
    info = probe(SAMPLE)
    assert info.audio[0].language == "en" and info.fps == 24.0
