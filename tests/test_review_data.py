"""The review page's data, without a browser: reading a run, glossary and ASR notes per
cell, the rules export, WebVTT, which media a browser plays, and saving an edit."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from scodub.data import Correction, Cue, Segment, Speaker, Track, Transcript, Word
from scodub.errors import InputError
from scodub.media.probe import AudioStream, MediaInfo, VideoStream
from scodub.names.io import load_glossary
from scodub.naming import srt_stem
from scodub.review.edits import save_edited
from scodub.review.load import FilmRun, find_runs, load_run
from scodub.review.media import browser_playable
from scodub.review.page import compose_vtt, vtt_line
from scodub.review.pagedata import asr_notes, cue_speakers, film_data, glossary_cells
from scodub.review.rules import rules_export, unicode_tables
from scodub.text.srt import read_srt, write_srt

FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"


def _media(fmt: str, video: str, audio: str) -> MediaInfo:
    return MediaInfo(
        Path("film"),
        fmt,
        1000,
        (AudioStream(1, 0, audio, 2, 48000, "en", None),),
        (VideoStream(0, video, 1920, 1080, 24.0),),
    )


def test_browser_playable_media() -> None:
    assert browser_playable(_media("mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac"))
    assert browser_playable(_media("matroska,webm", "vp9", "opus")) is False  # Matroska
    assert not browser_playable(_media("mov,mp4,m4a,3gp,3g2,mj2", "hevc", "aac"))
    assert not browser_playable(_media("mov,mp4,m4a,3gp,3g2,mj2", "h264", "ac3"))
    assert not browser_playable(_media("avi", "h264", "mp3"))


def test_rules_export_comes_from_the_table() -> None:
    exported = rules_export(("en", "zh", "fa"), 25.0)
    zh = exported["languages"]["zh"]
    assert zh["limits"]["max_chars_per_line"] == 16 and zh["cjk_width"] is True
    assert zh["words"]["reading_speed"] == "at most 9 characters per second"
    assert exported["languages"]["fa"]["rtl"] is True
    assert exported["languages"]["en"]["limits"]["min_gap_ms"] == 80  # 2 frames at 25 fps
    tables = unicode_tables()

    def inside(ranges: list[list[int]], char: str) -> bool:
        return any(a <= ord(char) <= b for a, b in ranges)

    for char in "中，“a1 ۲آ":
        wide = unicodedata.east_asian_width(char) in ("F", "W", "A")
        assert inside(tables["full_width"], char) == wide, char
        assert inside(tables["rtl"], char) == (unicodedata.bidirectional(char) in ("R", "AL"))


def test_vtt_escapes_markup_and_keeps_direction_marks() -> None:
    vtt = compose_vtt(
        [Cue(0, 1500, ("a < b & c",)), Cue(3_723_004, 3_724_000, ("\u202bسلام\u202c",))]
    )
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\na &lt; b &amp; c\n")
    assert "01:02:03.004 --> 01:02:04.000\n\u202bسلام\u202c" in vtt


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("<i>Where</i> are <B>you</B>?", "<i>Where</i> are <b>you</b>?"),
        ('{\\an8}<font color="#ff0000">Red</font> <u>line</u>', "Red <u>line</u>"),
        ("<s>gone</s> a < b > c, <b >bold", "gone a &lt; b &gt; c, <b>bold"),
        ("<i/>self-closed, <span>unknown</span> & -->", "self-closed, unknown &amp; --&gt;"),
    ],
)
def test_vtt_shows_srt_markup_as_webvtt_and_leaves_out_the_rest(line: str, shown: str) -> None:
    assert vtt_line(line) == shown


def test_vtt_leaves_out_a_line_of_markup_only() -> None:
    vtt = compose_vtt([Cue(0, 1500, ("{\\an8}", "<i>Up here.</i>")), Cue(2000, 2500, ("{\\an8}",))])
    assert "00:00:00.000 --> 00:00:01.500\n<i>Up here.</i>\n" in vtt
    assert "00:00:02.000 --> 00:00:02.500\n \n" in vtt  # a blank line would end the cue


def test_glossary_names_per_cell_hit_repaired_missing() -> None:
    glossary = load_glossary(FESTIVAL)
    tracks = {
        "en": Track("en", (Cue(0, 2000, ("Zhang Yimou arrived in Chongqing.",)),)),
        "ru": Track("ru", (Cue(0, 2000, ("Чжан Имоу прибыл в город.",)),)),
    }
    cells = glossary_cells({k: t.cues for k, t in tracks.items()}, "en", glossary, {"ru": set()})
    assert [t[2] for t in cells["en"]["0"]] == ["hit", "hit"]
    statuses = {t[1]: t[2] for t in cells["ru"]["0"]}
    assert statuses == {"Чжан Имоу": "hit", "Чунцин": "miss"}
    term_id = next(t[0] for t in cells["ru"]["0"] if t[2] == "hit")
    repaired = glossary_cells({k: t.cues for k, t in tracks.items()}, "en", glossary,
                              {"ru": {term_id}})
    assert [t[2] for t in repaired["ru"]["0"]] == ["repaired", "miss"]


def _run(folder: Path, transcript: Transcript | None) -> FilmRun:
    source = Track("en", (Cue(0, 1000, ("Hello there.",)), Cue(1200, 3000, ("Zang Yimou came.",))))
    return FilmRun(folder, "film", {}, {"en": source}, {}, "en", transcript)


def test_asr_notes_put_corrections_and_unsure_words_on_their_cue(tmp_path: Path) -> None:
    words = (
        Word("Hello", 0, 400, 0.95),
        Word("there.", 400, 900, 0.31),
        Word("Zang", 1200, 1500, 0.2),
        Word("Yimou", 1500, 1900, 0.9),
    )
    transcript = Transcript(
        "en",
        1.0,
        3000,
        (Segment(0, 3000, "", words),),
        corrections=(Correction("Zang Yimou", "Zhang Yimou", "zhang-yimou", 1200, 1900, 0.87),),
    )
    run = _run(tmp_path, transcript)
    notes = asr_notes(run, run.tracks["en"])
    assert notes == {
        "0": {"corrections": [], "unsure": [["there.", 0.31]]},
        "1": {"corrections": [["Zang Yimou", "Zhang Yimou", 0.87]], "unsure": [["Zang", 0.2]]},
    }


def test_reading_a_run_and_its_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match="no <film>.report.json"):
        find_runs(tmp_path)
    code, _, err = run_cli(["review", str(tmp_path)], capsys)
    assert code != 0 and err.count("\n") == 1 and "scodub run" in err
    (tmp_path / "film.report.json").write_text(
        json.dumps({"film": "film.mp4", "stages": {"transcribe": {"language": "en"}}})
    )
    write_srt(Track("en", (Cue(0, 1000, ("One.",)),)), tmp_path / "film.en.srt")
    write_srt(Track("ru", (Cue(0, 1000, ("Один.",)),)), tmp_path / "film.ru.srt")
    (tmp_path / "other.en.srt").write_text("")  # another film's: not read
    run = load_run(tmp_path, "film")
    assert run.languages == ("en", "ru") and not run.edited and run.source_language == "en"
    # saving: beside the machine output, which is never touched; earlier edits kept
    machine = (tmp_path / "film.ru.srt").read_bytes()
    path, track, _ = save_edited(tmp_path, "film", "ru", [[0, 1200, "Раз."]])
    assert path.name == "film.ru.edited.srt" and track.cues == (Cue(0, 1200, ("Раз.",)),)
    save_edited(tmp_path, "film", "ru", [[0, 1200, "Два."]])
    save_edited(tmp_path, "film", "ru", [[0, 1200, "Три."]])
    assert read_srt(path, "ru").cues[0].lines == ("Три.",)
    assert read_srt(tmp_path / "film.ru.edited.srt.~1~", "ru").cues[0].lines == ("Раз.",)
    assert read_srt(tmp_path / "film.ru.edited.srt.~2~", "ru").cues[0].lines == ("Два.",)
    assert (tmp_path / "film.ru.srt").read_bytes() == machine
    assert load_run(tmp_path, "film").edited["ru"].cues[0].lines == ("Три.",)
    for bad in ([[0, 0, "x"]], [[0, 100, " \n "]], [["0", 100, "x"]], [], [[0, 100]]):
        with pytest.raises(InputError, match="film.ru.edited.srt"):
            save_edited(tmp_path, "film", "ru", bad)
    assert read_srt(path, "ru").cues[0].lines == ("Три.",)  # a refused save changes nothing


def test_speakers_per_cue_and_the_edited_source_stem() -> None:
    """Each cue lists the speakers of the words it holds, in order (a word belongs to
    the cue it overlaps most); an editor's source translates into the film's own names."""
    words = (
        Word("Hello", 0, 400, 0.9, "S2"),
        Word("there.", 400, 900, 0.9, "S2"),
        Word("Hi!", 1000, 1300, 0.9, "S1"),
        Word("Who?", 1300, 1500, 0.9, "S2"),
        Word("Me.", 3050, 3400, 0.9, "S1"),  # after the second cue ends
    )
    cues = (
        Cue(0, 950, ("Hello there.",)),
        Cue(1000, 3000, ("-Hi!", "-Who?")),
        Cue(3000, 4000, ("Me.",)),
    )
    speakers = (Speaker("S1", 1000), Speaker("S2", 900))
    transcript = Transcript("en", 1.0, 4000, (Segment(0, 4000, "", words),), speakers=speakers)
    assert cue_speakers(transcript, cues) == [["S2"], ["S1", "S2"], ["S1"]]
    assert cue_speakers(Transcript("en", 1.0, 4000, (Segment(0, 4000, "", words),)), cues) == [
        [],
        [],
        [],
    ]
    assert srt_stem("out/film.en.edited.srt", "en") == srt_stem("film.en.srt", "en") == "film"
    assert srt_stem("film.edited.srt", "en") == "film.edited"  # not an editor's version


@pytest.mark.parametrize(
    "report",
    [
        {"film": "film.mp4", "stages": []},
        {"film": "film.mp4", "stages": {"transcribe": {"media": "x", "language": "en"}}},
        {"stages": {"transcribe": "x", "shots": {"cuts_ms": 5}, "subtitles": []}},
    ],
)
def test_a_run_with_stray_tracks_and_a_damaged_report_is_read_as_far_as_it_goes(
    tmp_path: Path, report: dict[str, object]
) -> None:
    """Copies such as film.old.srt are no tracks; report and dub files whose parts are of
    the wrong kind (edited by hand, another version) give what they can."""
    (tmp_path / "film.report.json").write_text(json.dumps(report))
    (tmp_path / "film.dub.json").write_text(json.dumps({"languages": 5}))
    write_srt(Track("en", (Cue(0, 1000, ("One.",)),)), tmp_path / "film.en.srt")
    for stray in ("film.old.srt", "film.bak.srt", "film.en.old.srt"):
        (tmp_path / stray).write_text("not a subtitle file")
    run = load_run(tmp_path, "film")
    assert run.languages == ("en",) and run.source_language == "en"
    assert run.media == {} and run.cuts == () and run.fps is None
    assert run.subtitles_report("en") == {} and run.dub_language("en") == {}


def test_a_film_name_with_a_line_break_has_its_tracks(tmp_path: Path) -> None:
    (tmp_path / "new\nline.report.json").write_text(json.dumps({"stages": {}}))
    write_srt(Track("en", (Cue(0, 1000, ("One.",)),)), tmp_path / "new\nline.en.srt")
    assert load_run(tmp_path, "new\nline").languages == ("en",)


def test_a_file_where_the_review_folder_goes_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "film.report.json").write_text(json.dumps({"stages": {}}))
    write_srt(Track("en", (Cue(0, 1000, ("One.",)),)), tmp_path / "film.en.srt")
    (tmp_path / "review").write_text("my notes")
    code, _, err = run_cli(["review", str(tmp_path)], capsys)
    assert code != 0 and err.count("\n") == 1 and f"{tmp_path / 'review'}: " in err, err
    assert (tmp_path / "review").read_text() == "my notes"


def test_a_film_in_a_language_outside_the_table_keeps_its_track(tmp_path: Path) -> None:
    report = {"stages": {"transcribe": {"language": "de"}}}
    (tmp_path / "film.report.json").write_text(json.dumps(report))
    write_srt(Track("de", (Cue(0, 1000, ("Eins.",)),)), tmp_path / "film.de.srt")
    write_srt(Track("ru", (Cue(0, 1000, ("Один.",)),)), tmp_path / "film.ru.srt")
    (tmp_path / "film.old.srt").write_text("a copy, not a track")
    run = load_run(tmp_path, "film")
    assert run.languages == ("de", "ru") and run.source_language == "de" and not run.changed()


def test_a_folder_of_runs_and_a_batch_shows_them_all(tmp_path: Path) -> None:
    for folder in (tmp_path, tmp_path / "film-2", tmp_path / "review"):
        folder.mkdir(exist_ok=True)
        (folder / "film.report.json").write_text("{}", encoding="utf-8")
    assert find_runs(tmp_path) == [(tmp_path, "film"), (tmp_path / "film-2", "film")]


def test_a_run_file_nested_too_deeply_or_a_device_is_one_line(tmp_path: Path) -> None:
    """A ``<film>.transcript.json`` nested ten thousand deep was a RecursionError
    traceback; a report that links to ``/dev/zero`` was read until memory ran out."""
    (tmp_path / "film.report.json").write_text(json.dumps({"stages": {}}))
    write_srt(Track("en", (Cue(0, 1000, ("One.",)),)), tmp_path / "film.en.srt")
    (tmp_path / "film.transcript.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"transcript\.json: not valid JSON \(nested too deeply"):
        load_run(tmp_path, "film")
    (tmp_path / "film.transcript.json").unlink()
    (tmp_path / "film.report.json").unlink()
    (tmp_path / "film.report.json").symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"report\.json: is a character device"):
        load_run(tmp_path, "film")


def _line(index: int, start: int, text: str, fitted: bool = True) -> dict[str, object]:
    return {"index": index, "text": text, "start_ms": start, "duration_ms": 500,
            "engine_rate": 1.0, "stretch": 1.0 if fitted else 1.25, "fitted": fitted,
            "overflow_ms": 0 if fitted else 300}  # fmt: skip


def test_a_dub_line_shows_on_its_cue_s_row(tmp_path: Path) -> None:
    """The dub's facts per line go on the row of the cue the line was spoken in: a
    dual-speaker cue is spoken as two lines, and a cue an editor deleted has none; by the
    line's number, every row after them showed another line's speed-up ("NOT FITTED" on
    a line that fitted)."""
    machine = Track("en", (
        Cue(0, 2000, ("-Are you coming?", "-In a minute.")),
        Cue(3000, 5000, ("Then go.",)),
        Cue(6000, 8000, ("Fine.",)),
        Cue(9000, 11000, ("Good night.",)),
    ))  # fmt: skip
    edited = Track("en", (machine.cues[0], machine.cues[1], machine.cues[3]))
    (tmp_path / "film.dub.json").write_text(json.dumps({"languages": {"en": {
        "voice": {"route": "espeak"},
        "lines": [_line(1, 0, "Are you coming?"), _line(2, 1000, "In a minute."),
                  _line(3, 3000, "Then go.", fitted=False), _line(4, 6000, "Fine."),
                  _line(5, 9000, "Good night.", fitted=False)],
    }}}))  # fmt: skip
    dub = json.loads((tmp_path / "film.dub.json").read_text())
    run = FilmRun(tmp_path, "film", {}, {"en": machine}, {"en": edited}, "en", None, dub)
    column = film_data(run, None, {})["columns"][0]
    lines = column["dub"]["lines"]
    assert {row: cell[1] for row, cell in lines.items()} == {"0": True, "1": False, "3": False}
