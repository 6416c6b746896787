"""SRT I/O: round trips, strict reading with line numbers, encodings, awkward file names."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pysrt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scodub.data import Cue, Track
from scodub.errors import ConfigError, LanguageError, SubtitleError
from scodub.text.srt import (
    MAX_MS,
    compose_srt,
    format_timestamp,
    parse_srt,
    read_srt,
    write_srt,
)

CUES = (
    Cue(0, 2580, ("And so, my fellow Americans,",)),
    Cue(3300, 7617, ("ask not what your country", "can do for you,")),
    Cue(3_723_004, 3_725_000, ("Привет, 世界!", "\u202bسلام SCO\u202c")),
)

ODD_NAMES = ["film with spaces.srt", 'it\'s "quoted".srt', "фильм «кино» 电影.srt", "a;b&c$d.srt"]


def test_format_timestamp() -> None:
    assert format_timestamp(0) == "00:00:00,000"
    assert format_timestamp(3_723_004) == "01:02:03,004"
    assert format_timestamp(99 * 3_600_000 + 5) == "99:00:00,005"
    with pytest.raises(ValueError, match="negative"):
        format_timestamp(-1)


def test_compose_matches_the_srt_layout_exactly() -> None:
    assert compose_srt(CUES[:2]) == (
        "1\n00:00:00,000 --> 00:00:02,580\nAnd so, my fellow Americans,\n\n"
        "2\n00:00:03,300 --> 00:00:07,617\nask not what your country\ncan do for you,\n"
    )
    assert compose_srt(()) == ""


def test_writer_drops_blank_lines_and_joins_broken_ones() -> None:
    text = compose_srt([Cue(0, 1000, ("one\ntwo ", "   ", "three"))])
    assert text == "1\n00:00:00,000 --> 00:00:01,000\none two\nthree\n"
    with pytest.raises(ValueError, match="ends"):
        compose_srt([Cue(2000, 1000, ("x",))])


@pytest.mark.parametrize("name", ODD_NAMES)
def test_write_then_read_with_awkward_file_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / "out folder" / name
    assert write_srt(Track("ru", CUES), path) == path
    data = path.read_bytes()
    assert not data.startswith(codecs.BOM_UTF8) and b"\r" not in data  # UTF-8, LF
    track = read_srt(path, "rus", fps=25.0)
    assert track == Track("ru", CUES, 25.0)
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary files left
    # pysrt reads our output the same way.
    items = pysrt.open(str(path), encoding="utf-8", error_handling=pysrt.ERROR_RAISE)
    assert [(i.start.ordinal, i.end.ordinal, i.text) for i in items] == [
        (c.start_ms, c.end_ms, "\n".join(c.lines)) for c in CUES
    ]


def test_write_accepts_a_plain_sequence_of_cues(tmp_path: Path) -> None:
    path = write_srt(list(CUES), tmp_path / "cues.srt")
    assert read_srt(path, "en").cues == CUES


def test_failed_write_keeps_the_existing_file(tmp_path: Path) -> None:
    path = write_srt(CUES, tmp_path / "keep.srt")
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_srt([Cue(-5, 10, ("x",))], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.srt"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nhi\n2\n00:00:03,000 --> 00:00:04,000\nx\n",
            5,
            "blank line is missing",
        ),
        ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", 2, "expected a timing line"),
        ("1\n00:00:01,000 --> 00:00:02,000\nhi\n\nhello there\n", 5, "expected a cue number"),
        ("\n\n1\n00:61:01,000 --> 00:62:02,000\nhi\n", 4, "below 60"),
        ("1\n00:00:03,000 --> 00:00:02,000\nhi\n", 2, "before it starts"),
        ("1\n100:00:01,000 --> 100:00:03,000\nhi\n", 2, "100 hours is past 99:59:59,999"),
        ("1\n" + "9" * 20 + ":00:01,000 --> " + "9" * 20 + ":00:03,000\nhi\n", 2, "hours is past"),
        ("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n", 5, "no timing line"),
        # thousands of digits: no int() (Python refuses over 4,300), one line instead
        ("9" * 5000 + "\n00:00:01,000 --> 00:00:02,000\nhi\n", 1, "cue number '9999"),
        ("1\n" + "9" * 5000 + ":00:01,000 --> 00:00:03,000\nhi\n", 2, "9999"),
        ("1\n" + "0" * 5000 + "123:00:01,000 --> 00:00:03,000\nhi\n", 2, "123 hours is past"),
        ("00:00:01,000 --> 00:00:02,000\nno number\n", 1, "without a cue number"),
        ("1\n00:00:01,00 --> 00:00:02,000\nshort millis\n", 2, "expected a timing line"),
        (
            "1\r\n00:00:01,000 --> 00:00:02,000\r\nok\r\n\r\n"
            "x\r\n00:00:03,000 --> 00:00:04,000\r\n",
            5,
            "expected a cue number",
        ),
    ],
)
def test_malformed_srt_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "broken «фильм».srt"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(SubtitleError) as info:
        read_srt(path, "en")
    assert info.value.line == line and info.value.path == path
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_a_position_after_a_tab_or_hours_in_many_digits_read_as_times() -> None:
    """pysrt's parser split the position off at a space only and int()'ed every digit:
    a tab before it, or an hour field of 5,000 zeros, raised instead of reading."""
    text = (
        "1\n00:00:01,000 --> 00:00:03,000\tX1:10 X2:20 Y1:5 Y2:9\nHello  \n\n"
        "2\n" + "0" * 5000 + "1:00:00,000 --> 01:00:02,500\u00a0X1:1\ne\u0301\n"
    )
    assert parse_srt(text) == (
        Cue(1000, 3000, ("Hello",)),
        Cue(3_600_000, 3_602_500, ("\u00e9",)),
    )


def test_pysrt_default_would_have_dropped_the_bad_cue() -> None:
    """Why the strict reader exists: pysrt's default skips what it cannot parse."""
    text = "1\n00:00:01,000 -> 00:00:02,000\nlost\n\n2\n00:00:03,000 --> 00:00:04,000\nkept\n"
    assert [i.text for i in pysrt.from_string(text)] == ["kept"]
    with pytest.raises(SubtitleError):
        parse_srt(text)


def test_non_utf8_file_suggests_encoding_then_reads_with_it(tmp_path: Path) -> None:
    path = tmp_path / "cp1251 file.srt"
    path.write_bytes(compose_srt((*CUES[:2], Cue(9000, 10000, ("Привет",)))).encode("cp1251"))
    with pytest.raises(SubtitleError) as info:
        read_srt(path, "ru")
    assert info.value.line == 12 and "--encoding" in str(info.value)  # "Привет"
    track = read_srt(path, "ru", encoding="cp1251")
    assert track.cues[-1].lines == ("Привет",)


def test_byte_order_marks_are_accepted(tmp_path: Path) -> None:
    text = compose_srt(CUES)
    for name, data in [
        ("utf8-bom.srt", codecs.BOM_UTF8 + text.encode("utf-8")),
        ("utf16.srt", text.encode("utf-16")),  # writes a BOM
        ("utf16-crlf.srt", text.replace("\n", "\r\n").encode("utf-16")),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        assert read_srt(path, "en").cues == CUES, name


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_without_a_byte_order_mark_names_its_encoding(tmp_path: Path, order: str) -> None:
    path = tmp_path / f"utf16-{order} ё.srt"
    path.write_bytes(compose_srt(CUES).encode(f"utf-16-{order}"))
    with pytest.raises(SubtitleError) as info:
        read_srt(path, "en")
    assert info.value.line == 1 and f"--encoding utf-16-{order}" in str(info.value)
    assert "\n" not in str(info.value)
    assert read_srt(path, "en", encoding=f"utf-16-{order}").cues == CUES


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_stray_nul_is_named_as_one_not_as_utf16(tmp_path: Path, encoding: str) -> None:
    """A NUL pasted into UTF-8 (or UTF-16) text is no sign of UTF-16 read as 8-bit:
    --encoding utf-16-le, which the message said, would only garble the file."""
    path = tmp_path / "nul «x».srt"
    text = compose_srt(CUES).replace("\n", "\r\n").replace("country", "coun\x00try", 1)
    path.write_bytes(text.encode(encoding))
    with pytest.raises(SubtitleError) as info:
        read_srt(path, "en")
    line = text[: text.index("\x00")].count("\n") + 1
    assert info.value.line == line and "NUL character (U+0000)" in str(info.value)
    assert "utf-16" not in str(info.value)


def test_unknown_encoding_lists_examples(tmp_path: Path) -> None:
    path = write_srt(CUES, tmp_path / "a.srt")
    with pytest.raises(ConfigError, match="unknown text encoding 'latin-9000'.*utf-8"):
        read_srt(path, "en", encoding="latin-9000")


def test_missing_folder_unknown_language_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="file does not exist"):
        read_srt(tmp_path / "nope.srt", "en")
    with pytest.raises(SubtitleError, match="is a folder"):
        read_srt(tmp_path, "en")
    path = write_srt(CUES, tmp_path / "a.srt")
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        read_srt(path, "xx")
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"\n\n")
    assert read_srt(empty, "en").cues == ()


def test_full_stop_millisecond_separator_and_positions_are_accepted() -> None:
    text = "7\n00:00:01.500 --> 00:00:02.000 X1:10 X2:20\n  indented\n"
    assert parse_srt(text) == (Cue(1500, 2000, ("  indented",)),)


# --- Round-trip properties -------------------------------------------------------------

_LINE = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\n"),
        min_size=1,
        max_size=50,
    )
    # composed (NFC), as reading gives every line: U+F900 reads back as U+8C48
    .map(lambda s: unicodedata.normalize("NFC", s).rstrip())
    .filter(lambda s: bool(s.strip()) and "-->" not in s)
)


@st.composite
def cue_lists(draw: st.DrawFn) -> list[Cue]:
    cues: list[Cue] = []
    t = 0
    for _ in range(draw(st.integers(0, 6))):
        t += draw(st.integers(0, 4 * 10**7))
        end = t + draw(st.integers(0, 10**7))
        cues.append(Cue(t, end, tuple(draw(st.lists(_LINE, max_size=3)))))
        t = end
    return cues


@settings(max_examples=200, deadline=None)
@given(ms=st.integers(min_value=0, max_value=MAX_MS - 1))
def test_timestamp_round_trip(ms: int) -> None:
    text = f"1\n{format_timestamp(ms)} --> {format_timestamp(ms + 1)}\nx\n"
    assert parse_srt(text) == (Cue(ms, ms + 1, ("x",)),)


def test_a_time_past_the_hour_field_is_not_written() -> None:
    assert format_timestamp(MAX_MS) == "99:59:59,999"
    with pytest.raises(ValueError, match="past 99:59:59,999"):
        format_timestamp(MAX_MS + 1)


@settings(max_examples=200, deadline=None)
@given(cues=cue_lists())
def test_cues_to_srt_to_cues(cues: list[Cue]) -> None:
    assert parse_srt(compose_srt(cues)) == tuple(cues)
