"""Fitting translations into the source timing: aligned tracks, n-best choice, shared
out-time extensions, protected names, RTL marks, and what is left reported."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scodub.data import Cue, Track, Word
from scodub.errors import LanguageError
from scodub.langs import TIMING, get_language
from scodub.text.aligned import fit_tracks
from scodub.text.bidi import PDF, RLE, strip_direction_marks
from scodub.text.linebreak import min_duration_for_cps, reading_chars
from scodub.text.qc import check_track
from scodub.text.segment import segment_words

ZH = get_language("zh")

# The segmenter's cues for the JFK/LibriVox sample (tests/data/whisper_words.json), 24 fps.
SOURCE = Track(
    "en",
    (
        Cue(0, 2580, ("And so, my fellow Americans,",)),
        Cue(3300, 7617, ("ask not what your country can do for you,",)),
        Cue(7700, 10880, ("ask what you can do for your country.",)),
        Cue(12330, 14707, ("And Mr. John Dashwood had then leisure",)),
        Cue(
            14790,
            19490,
            ("to consider how much there might be", "prudently in his power to do for them."),
        ),
    ),
    24.0,
)

CANDIDATES: dict[str, list[list[str]]] = {
    "ru": [
        ["Итак, мои дорогие американцы,"],
        ["не спрашивайте, что ваша страна может сделать для вас,"],
        ["спрашивайте, что вы можете сделать для своей страны."],
        ["Тогда у мистера Джона Дэшвуда было время"],
        ["обдумать, сколько он мог бы благоразумно сделать для них."],
    ],
    "zh": [
        ["所以，我的美国同胞们，"],
        ["不要问你的国家能为你做什么，"],
        ["要问你能为你的国家做什么。"],
        ["约翰·达什伍德先生当时有空"],
        ["考虑他能谨慎地为她们做多少事。"],
    ],
    "fa": [
        ["پس، هموطنان آمریکایی من،"],
        ["نپرسید کشورتان چه کاری می‌تواند برای شما انجام دهد،"],
        ["بپرسید شما چه کاری می‌توانید برای کشورتان انجام دهید."],
        ["و آقای جان دشوود آن موقع فرصت داشت"],
        ["تا فکر کند چقدر در توانش هست که عاقلانه برایشان انجام دهد."],
    ],
}


def times(track: Track) -> list[tuple[int, int]]:
    return [(c.start_ms, c.end_ms) for c in track.cues]


def test_translations_fit_the_source_timing_unchanged() -> None:
    result = fit_tracks(SOURCE, CANDIDATES, 24.0)
    assert result.source == SOURCE and result.extended == ()
    assert set(result.tracks) == {"ru", "zh", "fa"}
    assert set(result.stats) == {"ru", "zh", "fa", "en"}
    for code, track in result.tracks.items():
        assert track.language == code and times(track) == times(SOURCE)
        stats = result.stats[code]
        assert stats.cues == 5 and stats.alternates == 0 and stats.extensions == 0
        assert stats.qc.ok and not stats.violations, (code, stats.violations)
    assert [len(c.lines) for c in result.tracks["ru"].cues] == [1, 2, 2, 1, 2]
    json.dumps(result.to_json(), allow_nan=False)


def test_rtl_track_lines_carry_direction_marks() -> None:
    result = fit_tracks(SOURCE, {"fa": CANDIDATES["fa"]}, 24.0)
    for cue, texts in zip(result.tracks["fa"].cues, CANDIDATES["fa"], strict=True):
        assert all(line.startswith(RLE) and line.endswith(PDF) for line in cue.lines)
        assert " ".join(strip_direction_marks(line) for line in cue.lines) == texts[0]
    assert "rtl_marks" not in result.stats["fa"].violations


def test_first_candidate_that_meets_the_rules_wins() -> None:
    too_long = "не спрашивайте никогда и ни при каких обстоятельствах, что именно ваша страна"
    candidates = [list(c) for c in CANDIDATES["ru"]]
    candidates[1] = [
        too_long + " может сделать для вас лично,",
        "не спрашивайте, что страна даст вам,",
    ]
    result = fit_tracks(SOURCE, {"ru": candidates}, 24.0)
    assert result.tracks["ru"].cues[1].lines == ("не спрашивайте, что страна даст вам,",)
    assert result.stats["ru"].alternates == 1 and result.stats["ru"].qc.ok


def test_when_nothing_fits_the_shortest_is_taken_and_reported() -> None:
    candidates = [list(c) for c in CANDIDATES["ru"]]
    long_a = "очень длинный перевод " * 5
    long_b = "ещё более длинный перевод этой реплики " * 4
    candidates[0] = [long_b, long_a]
    result = fit_tracks(SOURCE, {"ru": candidates}, 24.0)
    assert " ".join(result.tracks["ru"].cues[0].lines) == long_a.strip()
    stats = result.stats["ru"]
    assert stats.alternates == 1 and not stats.qc.ok
    assert stats.violations["chars_per_line"] == 1


def test_fast_cue_is_extended_in_every_track_and_the_short_gap_closed() -> None:
    candidates = [list(c) for c in CANDIDATES["zh"]]
    candidates[0] = ["所以我亲爱的美国同胞们，朋友们，大家晚上好，欢迎"]
    need = min_duration_for_cps(candidates[0][0], ZH)
    assert reading_chars(candidates[0][0]) == 24 and need == 2667
    result = fit_tracks(SOURCE, {"zh": candidates, "ru": CANDIDATES["ru"]}, 24.0)
    gap = TIMING.frames_ms(TIMING.min_gap_frames, 24.0)
    assert result.extended == (0,)
    # 2667 ms leaves a 633 ms gap: more than 12 frames, so it stays open.
    assert result.source.cues[0].end_ms == need
    for track in (result.source, *result.tracks.values()):
        assert times(track) == times(result.source)
        assert [c.start_ms for c in track.cues] == [c.start_ms for c in SOURCE.cues]
    assert result.stats["zh"].extensions == 1 and result.stats["ru"].extensions == 0
    assert result.stats["zh"].qc.ok and "reading_speed" not in result.stats["zh"].violations
    # Three more characters: 3000 ms would leave 300 ms (< 12 frames): closed to 2 frames.
    candidates[0] = ["所以我亲爱的美国同胞们，朋友们，大家晚上好，欢迎来到这"]
    result = fit_tracks(SOURCE, {"zh": candidates}, 24.0)
    assert result.source.cues[0].end_ms == SOURCE.cues[1].start_ms - gap
    assert result.tracks["zh"].cues[0].end_ms == SOURCE.cues[1].start_ms - gap


def test_extension_stops_at_the_next_cue_and_the_rest_is_reported() -> None:
    candidates = [list(c) for c in CANDIDATES["zh"]]
    candidates[2] = ["要问你自己能为你的国家和人民做些什么，朋友们"]  # 22 chars: 2.44 s
    candidates[3] = ["约翰·达什伍德先生当时有空闲时间，可以考虑很多事"]  # 24 chars > 2377 ms room
    result = fit_tracks(SOURCE, {"zh": candidates}, None)
    gap = TIMING.frames_ms(TIMING.min_gap_frames, None)
    assert result.source.cues[3].end_ms == SOURCE.cues[4].start_ms - gap
    assert result.stats["zh"].violations.get("reading_speed") == 1
    assert result.stats["zh"].qc.ok  # hard rules still hold
    for a, b in zip(result.source.cues, result.source.cues[1:], strict=False):
        assert b.start_ms - a.end_ms >= gap


def test_last_cue_extension_is_capped_at_the_maximum_duration() -> None:
    source = Track("en", (Cue(0, 1000, ("Hello.",)),), 25.0)
    result = fit_tracks(source, {"zh": [["你好" * 40]]}, None)
    assert result.source.cues[0].end_ms == TIMING.max_duration_ms
    assert result.source.fps == 25.0


def test_protected_names_are_not_split_across_lines() -> None:
    candidates = [list(c) for c in CANDIDATES["zh"]]
    candidates[4] = ["导演王小明在哈萨克斯坦拍摄了三年电影"]
    plain = fit_tracks(SOURCE, {"zh": candidates}, 24.0)
    assert not any("哈萨克斯坦" in line for line in plain.tracks["zh"].cues[4].lines)
    protected = {"zh": [[], [], [], [], ["哈萨克斯坦"]]}
    kept = fit_tracks(SOURCE, {"zh": candidates}, 24.0, protected=protected)
    assert any("哈萨克斯坦" in line for line in kept.tracks["zh"].cues[4].lines)


def test_empty_translation_is_reported_not_dropped() -> None:
    candidates = [list(c) for c in CANDIDATES["ru"]]
    candidates[2] = []
    candidates[3] = ["   "]
    result = fit_tracks(SOURCE, {"ru": candidates}, 24.0)
    assert len(result.tracks["ru"].cues) == 5
    assert result.stats["ru"].violations == {"empty": 2}


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="ru: 2 candidate lists for 5 source cues"):
        fit_tracks(SOURCE, {"rus": [["a"], ["b"]]}, 24.0)
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        fit_tracks(SOURCE, {"xx": [["a"]] * 5}, 24.0)


_TEXT = st.text(alphabet=st.sampled_from("abc дежз 我们电影，。 ,.SCO"), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.tuples(st.integers(0, 3000), st.integers(50, 3000)), min_size=1, max_size=12),
    texts=st.data(),
    fps=st.sampled_from([None, 23.976, 25.0, 30.0]),
)
def test_any_fit_keeps_tracks_aligned_and_timing_rules(
    gaps: list[tuple[int, int]], texts: st.DataObject, fps: float | None
) -> None:
    words, t = [], 0
    for pause, length in gaps:
        t += pause
        words.append(Word("word,", t, t + length))
        t += length
    source = Track("en", segment_words(words, get_language("en"), fps), fps)
    count = len(source.cues)
    candidates = {
        code: [texts.draw(st.lists(_TEXT, max_size=3)) for _ in range(count)]
        for code in ("zh", "ru", "ur")
    }
    result = fit_tracks(source, candidates, fps)
    assert [c.start_ms for c in result.source.cues] == [c.start_ms for c in source.cues]
    assert all(
        new.end_ms >= old.end_ms for new, old in zip(result.source.cues, source.cues, strict=True)
    )
    timing_rules = {"min_duration", "max_duration", "min_gap", "order"}
    for track in (result.source, *result.tracks.values()):
        assert times(track) == times(result.source)
        assert not [i for i in check_track(track, fps).hard_issues if i.rule in timing_rules]
