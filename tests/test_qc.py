"""QC of a track: every hard and soft rule, the report's JSON and table, the qc command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scodub.cli.qc import qc
from scodub.data import Cue, Track
from scodub.errors import ConfigError, LanguageError, SubtitleError
from scodub.langs import TIMING
from scodub.text.bidi import PDF, RLE
from scodub.text.qc import RULES, check_track
from scodub.text.srt import write_srt

CLEAN = (
    Cue(0, 2580, ("And so, my fellow Americans,",)),
    Cue(3300, 7617, ("ask not what your country can do for you,",)),
    Cue(7700, 10880, ("ask what you can do for your country.",)),
)


def rules_of(track: Track, fps: float | None = None) -> list[tuple[int, str]]:
    return [(i.index, i.rule) for i in check_track(track, fps).issues]


def test_clean_track_passes_every_rule() -> None:
    report = check_track(Track("en", CLEAN))
    assert report.ok and report.issues == ()
    assert report.share_ok() == {rule.id: 1.0 for rule in RULES}
    empty = check_track(Track("zh", ()))
    assert empty.ok and empty.cue_count == 0 and set(empty.share_ok().values()) == {1.0}


@pytest.mark.parametrize(
    ("cue", "rule", "measured", "limit"),
    [
        (Cue(0, 2000, ()), "empty", 0, 1),
        (Cue(0, 2000, (f"{RLE}{PDF}",)), "empty", 0, 1),
        (Cue(0, 3000, ("one", "two", "three")), "max_lines", 3, 2),
        (Cue(0, 5000, ("x" * 43,)), "chars_per_line", 43, 42),
        (Cue(0, 832, ("Hi.",)), "min_duration", 832, 833),
        (Cue(0, 7001, ("Hello there.",)), "max_duration", 7001, 7000),
        (Cue(0, 1000, ("a" * 21,)), "reading_speed", 21.0, 20),
        (Cue(0, 3000, ("Short text", "on two lines")), "one_line", 23, 42),
    ],
)
def test_each_cue_rule(cue: Cue, rule: str, measured: float, limit: float) -> None:
    report = check_track(Track("en", (cue,)))
    issue = next(i for i in report.issues if i.rule == rule)
    assert (issue.index, issue.measured, issue.limit) == (0, measured, limit)
    assert issue.severity == next(r.severity for r in RULES if r.id == rule)
    assert report.ok == (issue.severity == "soft")


def test_chinese_width_and_reading_speed_limits() -> None:
    wide = Cue(0, 5000, ("我们今天为大家放映一部关于上海合作组织",))  # 19 full-width
    half = Cue(6000, 11000, ("SCO Film Festival 2025 in Qingdao",))  # 33 half-width = 16.5
    fits = Cue(12000, 17000, ("SCO Film Festival 2025 in Qing",))  # 15
    assert rules_of(Track("zh", (wide, half, fits))) == [
        (0, "chars_per_line"),
        (1, "chars_per_line"),
    ]
    fast = Cue(0, 1000, ("我们今天为大家放映一部",))  # 10 chars in 1 s > 9
    assert rules_of(Track("zh", (fast,))) == [(0, "reading_speed")]


def test_gap_rules_depend_on_fps() -> None:
    def pair(gap: int) -> Track:
        return Track("en", (Cue(0, 1000, ("First.",)), Cue(1000 + gap, 2500, ("Second.",))))

    assert rules_of(pair(83), 24.0) == []
    assert rules_of(pair(80), 25.0) == []
    assert rules_of(pair(80), 24.0) == [(0, "min_gap")]
    assert rules_of(pair(67), 29.97) == []  # 2 frames at 29.97 fps = 66.7 ms
    assert rules_of(pair(66), 29.97) == []  # within SRT's 1 ms rounding
    assert rules_of(pair(300), 24.0) == [(0, "chaining")]
    assert rules_of(pair(501), 24.0) == []
    assert rules_of(pair(-10), 24.0) == [(0, "order")]
    backwards = Track("en", (Cue(5000, 6000, ("Later.",)), Cue(1000, 2000, ("Earlier.",))))
    assert rules_of(backwards) == [(0, "order")]
    # The track's own fps is used when none is given.
    assert rules_of(Track("en", pair(80).cues, 25.0)) == []


def test_rtl_lines_without_marks_are_reported() -> None:
    plain = Cue(
        0, 5000, ("فیلم جشنواره سازمان همکاری شانگهای SCO", "دیروز در شهر آستانه نمایش داده شد.")
    )
    marked = Cue(6000, 11000, tuple(f"{RLE}{line}{PDF}" for line in plain.lines))
    inner = Cue(12000, 14000, ("فیلم جدید را دیدیم",))  # RTL at both ends: fine without marks
    report = check_track(Track("fa", (plain, marked, inner)))
    assert [(i.index, i.rule, i.measured) for i in report.issues] == [(0, "rtl_marks", 2)]
    # Marks do not count towards the width.
    long_marked = Cue(0, 5000, (f"{RLE}{'ب' * 42}{PDF}",))
    assert check_track(Track("ur", (long_marked,))).ok


def test_json_report_is_serialisable_and_summarised() -> None:
    cues = (*CLEAN, Cue(11000, 11500, ("x" * 50,)), Cue(11400, 12000, ("",)))
    report = check_track(Track("en", cues), 25.0)
    data = report.to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    summary = data["summary"]
    assert summary["ok"] is False
    assert summary["hard_violations"] == len(report.hard_issues) > 0
    assert summary["share_ok"]["chars_per_line"] == pytest.approx(4 / 5)
    assert summary["violations"]["order"] == 1
    assert data["limits"]["min_gap_ms"] == TIMING.frames_ms(2, 25.0) == 80
    described = {r["id"]: r["description"] for r in data["rules"]}
    assert described["chars_per_line"] == "every line at most 42 characters wide"
    assert described["chaining"] == "a gap of 480 ms (12 frames) or less is closed to 80 ms"
    issue = next(i for i in data["issues"] if i["rule"] == "chars_per_line")
    assert issue == {
        "cue": 4,
        "index": 3,
        "rule": "chars_per_line",
        "severity": "hard",
        "measured": 50.0,
        "limit": 42,
        "detail": "line 1",
    }


def test_table_lists_issues_and_shares() -> None:
    report = check_track(Track("en", (*CLEAN, Cue(11000, 11500, ("x" * 50,)))))
    table = report.render_table()
    assert "QC en: 4 cues at 24 fps" in table
    assert "chars_per_line" in table and "00:00:11,000" in table
    assert "min_duration" in table and "75.0%" in table


# --- The qc command --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["clean file.srt", 'it\'s "quoted" фильм 电影.srt'])
def test_qc_command_passes_a_clean_file(tmp_path: Path, name: str) -> None:
    path = write_srt(CLEAN, tmp_path / name)
    result = CliRunner().invoke(qc, [str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "QC en: 3 cues" in result.output and "0 hard" in result.output


def test_qc_command_exits_1_on_a_hard_rule_and_prints_json(tmp_path: Path) -> None:
    path = write_srt((*CLEAN, Cue(12000, 12300, ("Hm.",))), tmp_path / "bad.srt")
    result = CliRunner().invoke(qc, [str(path), "--lang", "eng", "--fps", "24", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["file"] == str(path) and data["fps"] == 24.0
    assert [i["rule"] for i in data["issues"]] == ["min_duration"]
    # Soft issues only: exit 0.
    path = write_srt((*CLEAN, Cue(12000, 13000, ("a" * 30,))), tmp_path / "soft.srt")
    result = CliRunner().invoke(qc, [str(path), "--lang", "en"])
    assert result.exit_code == 0 and "reading_speed" in result.output


def test_qc_command_reads_other_encodings(tmp_path: Path) -> None:
    path = tmp_path / "русский.srt"
    path.write_bytes(
        b"1\n00:00:01,000 --> 00:00:03,000\n" + "Привет, мир!".encode("cp1251") + b"\n"
    )
    result = CliRunner().invoke(qc, [str(path), "--lang", "ru"])
    assert isinstance(result.exception, SubtitleError) and "--encoding" in str(result.exception)
    result = CliRunner().invoke(qc, [str(path), "--lang", "ru", "--encoding", "cp1251"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "name", ["rot13", "base64", "zlib", "hex", "undefined", "punycode", "nope"]
)
def test_an_encoding_that_is_no_text_encoding_is_one_line(tmp_path: Path, name: str) -> None:
    path = write_srt(CLEAN, tmp_path / "clean.srt")
    result = CliRunner().invoke(qc, [str(path), "--lang", "en", "--encoding", name])
    assert isinstance(result.exception, ConfigError), result.exception
    assert f"unknown text encoding {name!r}" in str(result.exception)


def test_qc_command_bad_input_raises_scodub_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n\nnot a number\n", encoding="utf-8")
    result = CliRunner().invoke(qc, [str(broken), "--lang", "en"])
    assert isinstance(result.exception, SubtitleError)
    assert str(result.exception).startswith(f"{broken}:5: ")
    result = CliRunner().invoke(qc, [str(broken), "--lang", "klingon"])
    assert isinstance(result.exception, LanguageError)
    result = CliRunner().invoke(qc, [str(tmp_path / "missing.srt"), "--lang", "en"])
    assert isinstance(result.exception, SubtitleError) and "does not exist" in str(result.exception)
    result = CliRunner().invoke(qc, [str(broken)])
    assert result.exit_code == 2 and "--lang" in result.output


@pytest.mark.parametrize("fps", ["nan", "inf", "0"])
def test_qc_and_translate_refuse_a_frame_rate_that_is_not_one(tmp_path: Path, fps: str) -> None:
    from scodub.cli.translate import translate

    path = write_srt(CLEAN, tmp_path / "a.srt")
    for command, args in ((qc, ["--lang", "en"]), (translate, ["--to", "ru"])):
        result = CliRunner().invoke(command, [str(path), *args, "--fps", fps])
        assert result.exit_code == 2 and "Invalid value for '--fps'" in result.output, fps


def test_what_a_viewer_cannot_see_is_no_text_and_no_width() -> None:
    """Zero-width characters are no text (a lone speaker dash is shown: it is text for QC,
    though translate and dub refuse it as a cue with nothing to say); a decomposed accent
    (NFD) is one letter wide, as it is shown."""
    import unicodedata

    composed = "Café déjà vu, naïve résumé, élève à Noël."
    assert len(composed) == 41
    decomposed = unicodedata.normalize("NFD", composed)
    cues = (
        Cue(1000, 3000, ("\u200b\u200b\u2060\ufeff",)),
        Cue(4000, 6000, ("-", "-")),
        Cue(7000, 10000, (decomposed,)),
        Cue(11000, 14000, (composed,)),
    )
    report = check_track(Track("en", cues), 25.0)
    by_cue = {i: sorted(x.rule for x in report.issues if x.index == i) for i in range(4)}
    assert "empty" in by_cue[0] and "empty" not in by_cue[1]
    assert by_cue[2] == by_cue[3] and "chars_per_line" not in by_cue[2]


def test_rtl_lines_under_a_left_to_right_mark_are_reported() -> None:
    # An LRE, LRM, LRI, FSI or a stray PDF before the line does not make it right-to-left:
    # the full stop still shows on the wrong side. RLE, RLO, RLI, RLM and ALM do.
    text = "این فیلم را SCO نمایش داد."
    wrong = [f"{mark}{text}\u202c" for mark in "\u202a\u200e\u2066\u2068\u202c\u202d"]
    right = [f"{mark}{text}\u202c" for mark in "\u202b\u202e\u2067\u200f\u061c"]
    cues = tuple(Cue(k * 4000, k * 4000 + 2500, (line,)) for k, line in enumerate(wrong + right))
    report = check_track(Track("fa", cues))
    assert [(i.index, i.rule) for i in report.issues] == [(k, "rtl_marks") for k in range(6)]
    # A line right-to-left at both ends needs no mark, whatever stray marks it carries.
    assert check_track(Track("fa", (Cue(0, 2500, ("\u200eفیلم را دیدیم\u202c",)),))).ok
    assert not check_track(Track("fa", (Cue(0, 2500, ("\u200eفیلم را دیدیم\u202c",)),))).issues


def test_chinese_lines_that_fit_one_line_are_measured_without_a_joining_space() -> None:
    # Chinese joins its lines with no space (only two Latin words get one): 8 + 8 is 16.
    def one_line(*lines: str) -> list[float]:
        report = check_track(Track("zh", (Cue(0, 6000, lines),)))
        return [i.measured for i in report.issues if i.rule == "one_line"]

    assert one_line("我们今天去北京看", "电影了好不好啊朋") == [16]
    assert one_line("我们今天去北京", "看电影了好不好啊") == [15]
    assert one_line("我们昨天看了Star", "Wars很好") == [6 + 2 + 0.5 + 2 + 2]
