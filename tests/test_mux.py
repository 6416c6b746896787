"""The delivery file: copied picture, tagged dubs and subtitles (real ffmpeg, real files)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import pytest

from conftest import DATA, SAMPLE, run_ffmpeg
from scodub.dub.mix import mix_dub
from scodub.errors import ConfigError, LanguageError, MediaError, OutputError, SubtitleError
from scodub.media import mux
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.media.loudness import EBU_R128, measure_loudness
from scodub.media.mux import (
    DeliveryTrack,
    StreamInfo,
    TrackKind,
    delivery_path,
    export_dub_stem,
    mux_command,
    mux_delivery,
    probe_streams,
    stem_path,
)
from scodub.media.probe import probe
from scodub.media.rebase import itsoffset

SRT_TEXT = {
    "ru": "1\n00:00:00,200 --> 00:00:01,200\nИ так, мои сограждане\n\n"
    "2\n00:00:01,300 --> 00:00:01,900\n«Вторая» реплика\n",
    "zh": "1\n00:00:00,200 --> 00:00:01,200\n我的美国同胞们\n",
    # Persian wrapped in RLE ... PDF (STANDARDS.md, right-to-left lines).
    "fa": "1\n00:00:00,200 --> 00:00:01,200\n\u202bهموطنان من، ۱۹۶۱\u202c\n",
}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mux") / 'фильм "тест" 1'
    folder.mkdir()
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi",
        "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:v", "libx264",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-metadata:s:a:0", "language=eng",
        str(folder / 'фильм "тест" 1.mp4'),
    )  # fmt: skip
    for code, freq in (("ru", 300), ("zh", 500)):
        run_ffmpeg(
            "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000", "-t", "2",
            "-ac", "2", str(folder / f"{code} dub mix.wav"),
        )  # fmt: skip
    for code, text in SRT_TEXT.items():
        (folder / f"{code} 'subs'.srt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def film(media: Path) -> Path:
    return media / 'фильм "тест" 1.mp4'


def _tracks(media: Path) -> list[DeliveryTrack]:
    return [
        DeliveryTrack("ru", TrackKind.SUBTITLE, media / "ru 'subs'.srt"),
        DeliveryTrack("ru", TrackKind.DUB, media / "ru dub mix.wav"),
        DeliveryTrack("zh", TrackKind.DUB, media / "zh dub mix.wav"),
        DeliveryTrack("zh", TrackKind.SUBTITLE, media / "zh 'subs'.srt"),
        DeliveryTrack("fa", TrackKind.SUBTITLE, media / "fa 'subs'.srt"),
    ]


@pytest.fixture(scope="module")
def delivery(media: Path, film: Path) -> Path:
    return mux_delivery(film, delivery_path(film), _tracks(media))


def test_delivery_lists_every_stream_with_its_tag(delivery: Path) -> None:
    assert delivery.name == 'фильм "тест" 1.dub.mkv'
    got = [(s.type, s.codec, s.language, s.title, s.default) for s in probe_streams(delivery)]
    assert got == [
        ("video", "h264", None, None, True),
        ("audio", "aac", "eng", "English (original)", True),
        ("audio", "aac", "rus", "Russian (dub)", False),
        ("audio", "aac", "chi", "Chinese (dub)", False),
        ("subtitle", "subrip", "rus", "Russian", False),
        ("subtitle", "subrip", "chi", "Chinese", False),
        ("subtitle", "subrip", "per", "Persian", False),
    ]
    original = probe_streams(delivery)[1]
    assert original.original and not any(s.original for s in probe_streams(delivery)[2:])


def _packets(path: Path, kind: str) -> tuple[int, str, str]:
    """(packet count, codec, sha256 of every payload) of the first ``kind`` stream."""
    digest = hashlib.sha256()
    count = 0
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams if s.type == kind)
        codec = stream.codec_context.name
        for packet in container.demux(stream):
            if packet.size:
                digest.update(bytes(packet))
                count += 1
    return count, codec, digest.hexdigest()


def test_video_and_original_audio_are_copied_bit_for_bit(film: Path, delivery: Path) -> None:
    video = _packets(film, "video")
    assert video[0] == 50  # 2 s at 25 fps
    assert _packets(delivery, "video") == video  # same count, codec and bytes: no re-encode
    assert _packets(delivery, "audio") == _packets(film, "audio")


def test_subtitle_text_survives_in_utf8(delivery: Path, tmp_path: Path) -> None:
    for position, code in enumerate(("ru", "zh", "fa")):
        extracted = tmp_path / f"{code}.srt"
        run_ffmpeg("-i", str(delivery), "-map", f"0:s:{position}", str(extracted))
        text = extracted.read_text(encoding="utf-8")
        for line in SRT_TEXT[code].splitlines():
            if line and not line[0].isdigit():
                assert line in text


def test_existing_target_needs_force(media: Path, film: Path, delivery: Path) -> None:
    before = delivery.read_bytes()
    with pytest.raises(OutputError, match="already exists.*--force"):
        mux_delivery(film, delivery, _tracks(media)[:1])
    assert delivery.read_bytes() == before
    smaller = mux_delivery(film, media / "copy.mkv", _tracks(media)[:2])
    again = mux_delivery(film, smaller, _tracks(media)[:1], force=True)
    assert [s.type for s in probe_streams(again)] == ["video", "audio", "subtitle"]


def test_video_matroska_cannot_hold_fails_before_work(tmp_path: Path, media: Path) -> None:
    roq = tmp_path / "cutscene 'id' кино.roq"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=256x256:rate=30", "-t", "0.5", str(roq))
    assert probe_streams(roq)[0].codec == "roq"
    target = tmp_path / "cutscene.dub.mkv"
    with pytest.raises(MediaError, match=r"roq.*cannot be copied into Matroska"):
        mux_delivery(roq, target, _tracks(media))
    assert sorted(p.name for p in tmp_path.iterdir()) == [roq.name]


def test_films_own_subtitles_are_kept(tmp_path: Path, media: Path, film: Path) -> None:
    with_subs = tmp_path / "with subs.mp4"
    run_ffmpeg(
        "-i", str(film), "-i", str(media / "ru 'subs'.srt"), "-map", "0", "-map", "1",
        "-c", "copy", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng", str(with_subs),
    )  # fmt: skip
    out = mux_delivery(with_subs, tmp_path / "out.mkv", _tracks(media)[3:4])
    subtitles = [s for s in probe_streams(out) if s.type == "subtitle"]
    assert [(s.codec, s.language, s.title) for s in subtitles] == [
        ("subrip", "eng", None),  # MP4 timed text, converted to SRT
        ("subrip", "chi", "Chinese"),
    ]


def test_mux_command_copies_video_and_tags_tracks(media: Path, film: Path) -> None:
    out = media / "x.mkv"
    cmd = mux_command(film, out, _tracks(media), probe_streams(film))
    assert cmd[0] == ffmpeg_exe() and cmd[cmd.index("-c:v") + 1] == "copy"
    assert cmd[cmd.index("-f") + 1] == "srt"  # SRT inputs read as SRT whatever the suffix
    maps = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-map"]
    assert maps[:2] == ["0:V", "0:a?"] and maps[-1] == "0:t?"
    tail = cmd[cmd.index("-c:a:1") :]
    assert tail[: tail.index(str(out.absolute()))] == [
        "-c:a:1", "aac", "-b:a:1", "192k", "-ac:a:1", "2",
        "-metadata:s:a:1", "language=rus", "-metadata:s:a:1", "title=Russian (dub)",
        "-disposition:a:1", "0",
        "-c:a:2", "aac", "-b:a:2", "192k", "-ac:a:2", "2",
        "-metadata:s:a:2", "language=chi", "-metadata:s:a:2", "title=Chinese (dub)",
        "-disposition:a:2", "0",
        "-c:s:0", "srt", "-metadata:s:s:0", "language=rus", "-metadata:s:s:0", "title=Russian",
        "-disposition:s:0", "0",
        "-c:s:1", "srt", "-metadata:s:s:1", "language=chi", "-metadata:s:s:1", "title=Chinese",
        "-disposition:s:1", "0",
        "-c:s:2", "srt", "-metadata:s:s:2", "language=per", "-metadata:s:s:2", "title=Persian",
        "-disposition:s:2", "0",
    ]  # fmt: skip
    assert cmd[cmd.index("-disposition:a:0") + 1] == "+original"  # the film's default kept


def test_the_films_streams_are_muxed_on_its_timeline_when_ffmpeg_would_rebase_them(
    media: Path, film: Path
) -> None:
    """A broadcast capture (MPEG-TS) whose teletext starts 0.4 s before its picture and
    sound: the file's clock starts with the teletext, and so do the dubs and subtitles
    made for it; ffmpeg starts such a file's clock at the earliest stream a command
    reads, and the teletext is not muxed: the picture and sound were muxed 0.4 s earlier
    than the dubs."""
    streams = [
        StreamInfo(0, "video", "h264", None, None, True, read_offset_ms=400),
        StreamInfo(1, "audio", "aac", "eng", None, True, read_offset_ms=450),
        StreamInfo(2, "subtitle", "dvb_teletext", "eng", None, False, read_offset_ms=0),
        StreamInfo(3, "data", "bin_data", None, None, False, read_offset_ms=None),
    ]
    cmd = mux_command(film, media / "x.mkv", _tracks(media), streams)
    at = cmd.index(str(film.absolute()))
    # "0.400"; an older ffmpeg keeps the file's own start for any offset (rebase.py)
    assert cmd[at - 3 : at] == ["-itsoffset", itsoffset(400), "-i"]
    assert itsoffset(400) in ("0.400", "0.000001")
    assert cmd.count("-itsoffset") == 1  # the dubs and subtitles start at their own 0
    # Any other container: ffmpeg keeps the file's clock, whatever a command reads.
    plain = [replace(s, read_offset_ms=0) for s in streams]
    assert "-itsoffset" not in mux_command(film, media / "x.mkv", _tracks(media), plain)


def test_bad_tracks_and_targets_are_refused(media: Path, film: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.mkv"
    latin1 = tmp_path / "latin1.srt"
    latin1.write_bytes("1\n00:00:00,000 --> 00:00:01,000\nç'est déjà\n".encode("latin-1"))
    notes = tmp_path / "notes.srt"
    notes.write_text("Subtitles for the film, to do\n", encoding="utf-8")
    cases: list[tuple[type[Exception], str, list[DeliveryTrack]]] = [
        (SubtitleError, "not UTF-8", [DeliveryTrack("ru", TrackKind.SUBTITLE, latin1)]),
        (SubtitleError, "not an SRT", [DeliveryTrack("ru", TrackKind.SUBTITLE, notes)]),
        (ConfigError, "two dub tracks for Russian", _tracks(media)[1:2] * 2),
        (LanguageError, "unknown language code 'xx'", [DeliveryTrack("xx", TrackKind.DUB, film)]),
        (MediaError, "has no audio", [DeliveryTrack("ru", TrackKind.DUB, media / "ru 'subs'.srt")]),
        (MediaError, "does not exist", [DeliveryTrack("ru", TrackKind.DUB, tmp_path / "no.wav")]),
    ]
    for error, message, tracks in cases:
        with pytest.raises(error, match=message):
            mux_delivery(film, target, tracks)
    with pytest.raises(OutputError, match=r"\*\.mkv"):
        mux_delivery(film, tmp_path / "out.mp4", [])
    with pytest.raises(MediaError, match="no video stream"):
        mux_delivery(media / "ru dub mix.wav", target, [])
    assert sorted(tmp_path.iterdir()) == [latin1, notes]


def test_dub_stems_beside_the_film(media: Path, film: Path) -> None:
    wav = export_dub_stem(media / "ru dub mix.wav", film, "rus")
    m4a = export_dub_stem(media / "ru dub mix.wav", film, "ru", fmt="m4a")
    assert wav == stem_path(film, "ru") and wav.name == 'фильм "тест" 1.ru.dub.wav'
    assert m4a.name == 'фильм "тест" 1.ru.dub.m4a'
    assert [(s.type, s.codec) for s in probe_streams(wav)] == [("audio", "pcm_s24le")]
    assert probe_streams(m4a) == [StreamInfo(0, "audio", "aac", "rus", None, True)]
    with pytest.raises(OutputError, match="already exists"):
        export_dub_stem(media / "zh dub mix.wav", film, "ru")
    with pytest.raises(ConfigError, match="wav, m4a"):
        export_dub_stem(media / "zh dub mix.wav", film, "zh", fmt="mp3")  # type: ignore[arg-type]


def test_stems_are_encoded_as_the_delivery_dubs(
    media: Path, film: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 5.1 dub's M4A stem got the stereo 192 kb/s (32 kb/s a channel) where the
    delivery file gives it 64 kb/s a channel; a 5.1 feature's WAV stem passes RIFF's 4 GiB
    (83 min at 24 bits, 48 kHz), where ffmpeg's plain WAV has broken sizes: it becomes
    RF64 then (``rf64=auto``: a smaller stem stays a plain RIFF WAV)."""
    surround = tmp_path / "5.1 mix.flac"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=48000", "-t", "2",
               "-af", "pan=5.1|c2=c0", "-c:a", "flac", str(surround))  # fmt: skip
    commands: list[list[str]] = []
    real = mux.run_ffmpeg

    def spy(cmd: list[str], **kwargs: Any) -> Any:
        commands.append(cmd)
        return real(cmd, **kwargs)

    monkeypatch.setattr(mux, "run_ffmpeg", spy)
    m4a = export_dub_stem(surround, film, "ru", fmt="m4a", folder=tmp_path)
    assert commands[-1][commands[-1].index("-b:a") + 1] == "384k"
    assert probe(m4a).audio[0].channels == 6
    wav = export_dub_stem(surround, film, "ru", folder=tmp_path)
    assert commands[-1][commands[-1].index("-rf64") + 1] == "auto"
    assert wav.read_bytes()[:4] == b"RIFF" and probe(wav).audio[0].channels == 6
    stereo = export_dub_stem(media / "zh dub mix.wav", film, "zh", fmt="m4a", folder=tmp_path)
    assert commands[-1][commands[-1].index("-b:a") + 1] == "192k"
    assert probe(stereo).audio[0].channels == 2


def test_sample_film_end_to_end_dub_track_stays_in_spec(tmp_path: Path) -> None:
    """Mix a real voice over the sample, mux it: the AAC dub in the delivery file still
    measures -23 LUFS +-1 with true peak <= -1 dBTP."""
    dub = tmp_path / "dub stem.wav"
    speech = DATA / "jfk.wav"
    run_ffmpeg("-i", str(speech), "-af", "adelay=300:all=1", str(dub))
    mix = mix_dub(SAMPLE, 0, dub, [(300, 300 + probe(speech).duration_ms)], tmp_path / "ru.wav")
    out = mux_delivery(
        SAMPLE, tmp_path / "sco-sample.dub.mkv", [DeliveryTrack("ru", TrackKind.DUB, mix.path)]
    )
    dub_track = measure_loudness(out, stream=1)
    assert dub_track.meets(EBU_R128), dub_track
    assert abs(dub_track.integrated_lufs - mix.integrated_lufs) < 0.3
    # The film's own track is copied bit for bit (test_video_and_original_audio_are_copied_
    # bit_for_bit); ffmpeg 5.1's Matroska keeps AAC's 1024 priming samples audible where
    # the MP4 edit list hid them (video shifted alike, so in sync), which moves the reading
    # by up to 0.1 LU there.
    original, film = measure_loudness(out, stream=0), measure_loudness(SAMPLE)
    assert original.integrated_lufs == pytest.approx(film.integrated_lufs, abs=0.1 + 1e-9)
    assert original.true_peak_dbtp == pytest.approx(film.true_peak_dbtp, abs=0.1 + 1e-9)


def test_probe_streams_refuses_non_media(tmp_path: Path) -> None:
    bogus = tmp_path / "film.mkv"
    bogus.write_text("not a film\n" * 40)
    with pytest.raises(MediaError, match="not a readable media file"):
        probe_streams(bogus)
    with pytest.raises(MediaError, match="does not exist"):
        probe_streams(tmp_path / "none.mkv")


def test_the_films_own_flags_are_kept_and_the_dubbed_stream_is_the_original(
    media: Path, tmp_path: Path
) -> None:
    """Every film stream was flagged anew: the first audio stream made default and
    original, the others and the film's subtitles stripped of default, forced, hearing
    and visual impaired; a second untitled audio stream was called "(original)" too."""
    film = tmp_path / "flags.mkv"
    srt = media / "ru 'subs'.srt"
    run_ffmpeg(
        "-i", str(media / 'фильм "тест" 1.mp4'), "-i", str(srt), "-i", str(srt),
        "-map", "0:v", "-map", "0:a", "-map", "0:a", "-map", "0:a", "-map", "1", "-map", "2",
        "-c", "copy", "-c:s", "srt",
        "-metadata:s:a:0", "language=rus", "-metadata:s:a:1", "language=eng",
        "-metadata:s:a:2", "language=eng", "-disposition:a:0", "0",
        "-disposition:a:1", "default", "-disposition:a:2", "visual_impaired+descriptions",
        "-metadata:s:s:0", "language=fre", "-disposition:s:0", "forced",
        "-metadata:s:s:1", "language=eng", "-disposition:s:1", "default+hearing_impaired",
        str(film),
    )  # fmt: skip
    out = mux_delivery(film, tmp_path / "out.mkv", _tracks(media)[1:2], original=1)
    with av.open(str(out)) as container:
        flags = [
            (s.type, s.metadata.get("title"), sorted(
                f.name for f in av.stream.Disposition if f.value and s.disposition & f
            ))
            for s in container.streams
        ]  # fmt: skip
    assert flags == [
        ("video", None, ["default"]),
        ("audio", None, []),
        ("audio", "English (original)", ["default", "original"]),
        ("audio", None, ["visual_impaired"]),
        ("audio", "Russian (dub)", []),
        ("subtitle", None, ["forced"]),
        ("subtitle", None, ["default", "hearing_impaired"]),
    ]
    # A film that marks no audio stream default: the dubbed-from stream becomes it.
    run_ffmpeg("-i", str(film), "-map", "0", "-c", "copy", "-disposition:a", "0",
               str(tmp_path / "no default.mkv"))  # fmt: skip
    plain = mux_delivery(tmp_path / "no default.mkv", tmp_path / "plain.mkv", [], original=2)
    with av.open(str(plain)) as container:
        defaults = [bool(a.disposition & av.stream.Disposition.default)
                    for a in container.streams.audio]  # fmt: skip
    assert defaults == [False, False, True]


def test_cover_art_is_kept_as_the_matroska_cover(tmp_path: Path, media: Path, film: Path) -> None:
    """An MP4's cover art (a picture flagged attached_pic) was dropped; copied as a video
    stream it would be a second, one-frame picture track. Matroska keeps it as the
    attachment cover.jpg, which a second delivery made from that file keeps once."""
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1",
               str(tmp_path / "poster.jpg"))  # fmt: skip
    with_cover = tmp_path / "with cover.mp4"
    run_ffmpeg(
        "-i", str(film), "-i", str(tmp_path / "poster.jpg"), "-map", "0", "-map", "1",
        "-c", "copy", "-disposition:v:1", "attached_pic", str(with_cover),
    )  # fmt: skip
    poster = (tmp_path / "poster.jpg").read_bytes()
    first = mux_delivery(with_cover, tmp_path / "out.mkv", _tracks(media)[1:2])
    again = mux_delivery(first, tmp_path / "again.mkv", [])
    for out in (first, again):
        videos = [s for s in probe_streams(out) if s.type == "video"]
        assert [s.cover for s in videos] == [False, True]
        index = videos[1].index
        with av.open(str(out)) as container:
            tags = container.streams[index].metadata
            assert (tags.get("filename"), tags.get("mimetype")) == ("cover.jpg", "image/jpeg")
        pictures = tmp_path / f"{out.stem}.jpg"
        run_ffmpeg("-i", str(out), "-map", f"0:{index}", "-c", "copy", "-f", "image2",
                   str(pictures))  # fmt: skip
        assert pictures.read_bytes() == poster  # the picture itself, not re-encoded


def test_matroska_pictures_keep_their_names(tmp_path: Path, film: Path) -> None:
    """A Matroska film's attached pictures (small_cover.jpg, cover.jpg) keep their names:
    renamed in stream order, the thumbnail became cover.jpg."""
    for name, size in (("small.jpg", "32x24"), ("big.jpg", "320x240")):
        run_ffmpeg("-f", "lavfi", "-i", f"testsrc=size={size}", "-frames:v", "1",
                   str(tmp_path / name))  # fmt: skip
    source = tmp_path / "with pictures.mkv"
    run_ffmpeg(
        "-i", str(film), "-map", "0", "-c", "copy",
        "-attach", str(tmp_path / "small.jpg"), "-metadata:s:t:0", "mimetype=image/jpeg",
        "-metadata:s:t:0", "filename=small_cover.jpg",
        "-attach", str(tmp_path / "big.jpg"), "-metadata:s:t:1", "mimetype=image/jpeg",
        "-metadata:s:t:1", "filename=cover.jpg", str(source),
    )  # fmt: skip
    out = mux_delivery(source, tmp_path / "out.mkv", [])
    pictures = [s for s in probe_streams(out) if s.cover]
    assert [s.filename for s in pictures] == ["small_cover.jpg", "cover.jpg"]


def _samples(path: Path, position: int) -> bytes:
    """Audio stream ``position`` of ``path`` decoded to 16-bit PCM."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[position]
        resampler = av.AudioResampler(format="s16", layout=stream.layout.name)
        return b"".join(
            out.to_ndarray().tobytes()
            for frame in container.decode(stream)
            for out in resampler.resample(frame)
        )


def test_audio_matroska_cannot_hold_is_kept_losslessly(tmp_path: Path, media: Path) -> None:
    """A QuickTime film's IMA ADPCM sound (old .mov) cannot be copied into Matroska: the
    mux failed after the whole dub ("Could not write header"). It is converted to FLAC,
    every decoded sample kept, with its tags and flags; copyable streams stay copies."""
    film = tmp_path / "old 'quicktime' фильм.mov"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi",
        "-i", "sine=frequency=440:sample_rate=22050", "-t", "1", "-map", "0", "-map", "1",
        "-map", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a:0", "pcm_s16le",
        "-c:a:1", "adpcm_ima_qt", "-metadata:s:a:1", "language=eng", str(film),
    )  # fmt: skip
    assert [s.codec for s in probe_streams(film) if s.type == "audio"] == [
        "pcm_s16le", "adpcm_ima_qt",
    ]  # fmt: skip
    out = mux_delivery(film, tmp_path / "out.mkv", _tracks(media)[1:2], original=1)
    audio = [s for s in probe_streams(out) if s.type == "audio"]
    assert [(s.codec, s.language, s.title, s.original) for s in audio] == [
        ("pcm_s16le", None, None, False),
        ("flac", "eng", "English (original)", True),
        ("aac", "rus", "Russian (dub)", False),
    ]
    assert _packets(out, "video") == _packets(film, "video")
    assert _samples(out, 0) == _samples(film, 0)
    assert _samples(out, 1) == _samples(film, 1)
    # An MPEG-TS film's AAC (ADTS) is copied: its trial mux needs a file, not a pipe.
    broadcast = tmp_path / "broadcast.ts"
    run_ffmpeg("-i", str(media / 'фильм "тест" 1.mp4'), "-c", "copy", str(broadcast))
    out = mux_delivery(broadcast, tmp_path / "broadcast.mkv", [])
    assert [s.codec for s in probe_streams(out) if s.type == "audio"] == ["aac"]


def test_a_data_stream_left_out_is_said(
    tmp_path: Path, film: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A QuickTime timecode track (a data stream) is not carried into the delivery: the
    log says so, as it does for a subtitle stream Matroska cannot hold."""
    timed = tmp_path / "timecoded.mov"
    run_ffmpeg("-i", str(film), "-c", "copy", "-timecode", "01:00:00:00", str(timed))
    data = [s for s in probe_streams(timed) if s.type == "data"]
    assert len(data) == 1  # its codec reads "unknown" through PyAV
    with caplog.at_level("WARNING", logger=mux.__name__):
        out = mux_delivery(timed, tmp_path / "out.mkv", [])
    assert not [s for s in probe_streams(out) if s.type == "data"]
    assert f"dropping data stream {data[0].index} (" in caplog.text

