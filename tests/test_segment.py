"""Words to cues: hard rules always hold, every word lands in exactly one cue, in order.

``tests/data/whisper_words.json`` holds real faster-whisper (Whisper base) word timings:
``en`` from the bundled sample film (JFK and LibriVox speech), ``ru`` and ``zh`` from
espeak-ng reading four sentences each (Whisper misrecognises some synthetic words; the
timings and the text are kept exactly as the model gave them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from scodub.data import Cue, Track, Word
from scodub.langs import TIMING, Language, get_language
from scodub.text.bidi import PDF, RLE, strip_direction_marks
from scodub.text.linebreak import text_width
from scodub.text.qc import check_track
from scodub.text.segment import PlannedCue, monotonic_words, plan_cues, segment_words

EN, RU, ZH, FA = (get_language(c) for c in ("en", "ru", "zh", "fa"))


def whisper_words(code: str) -> list[Word]:
    data: dict[str, Any] = json.loads((DATA / "whisper_words.json").read_text(encoding="utf-8"))
    return [Word(str(w[0]), int(w[1]), int(w[2]), float(w[3])) for w in data[code]["words"]]


def words_at(spec: Sequence[tuple[str, int, int]]) -> list[Word]:
    return [Word(text, start, end) for text, start, end in spec]


def assert_hard_rules(
    cues: Sequence[Cue], lang: Language, fps: float | None, oversized_ok: bool = False
) -> None:
    """Every hard rule, checked directly (not only through QC)."""
    gap = TIMING.frames_ms(TIMING.min_gap_frames, fps)
    for k, cue in enumerate(cues):
        assert cue.start_ms >= 0
        assert 1 <= len(cue.lines) <= TIMING.max_lines, cue
        assert all(strip_direction_marks(line).strip() for line in cue.lines), cue
        if not oversized_ok:
            assert all(text_width(x, lang) <= lang.max_chars_per_line for x in cue.lines), cue
        assert TIMING.min_duration_ms <= cue.duration_ms <= TIMING.max_duration_ms, cue
        if k + 1 < len(cues):
            assert cues[k + 1].start_ms - cue.end_ms >= gap, (cue, cues[k + 1])
    report = check_track(Track(lang.code, tuple(cues), fps))
    hard = [i for i in report.hard_issues if not (oversized_ok and i.rule == "chars_per_line")]
    assert not hard, hard


def assert_every_word_once(plan: Sequence[PlannedCue], words: Sequence[Word]) -> None:
    """The cues partition the words in order, and show exactly their characters."""
    bounds = [(p.first_word, p.end_word) for p in plan]
    assert bounds[0][0] == 0 and bounds[-1][1] == len(words)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(bounds))
    for p in plan:
        shown = "".join("".join(strip_direction_marks(x).split()) for x in p.cue.lines)
        spoken = "".join(
            "".join(strip_direction_marks(w.text).split()) for w in words[p.first_word : p.end_word]
        )
        assert shown == spoken, (p, words[p.first_word : p.end_word])


@pytest.mark.parametrize("code", ["en", "ru", "zh"])
@pytest.mark.parametrize("fps", [None, 23.976, 25.0])
def test_real_whisper_words_give_clean_cues(code: str, fps: float | None) -> None:
    words = whisper_words(code)
    lang = get_language(code)
    plan = plan_cues(words, lang, fps)
    assert_every_word_once(plan, words)
    cues = [p.cue for p in plan]
    assert_hard_rules(cues, lang, fps)
    tolerance = TIMING.frames_ms(TIMING.in_time_tolerance_frames, fps)
    gap = TIMING.frames_ms(TIMING.min_gap_frames, fps)
    for k, p in enumerate(plan):  # normal speech: in-time on the first word ...
        assert abs(p.cue.start_ms - words[p.first_word].start_ms) <= tolerance, p
        # ... and out-time after the last, unless the next cue starts right away.
        following = plan[k + 1].cue.start_ms - gap if k + 1 < len(plan) else 10**9
        assert p.cue.end_ms >= min(words[p.end_word - 1].end_ms, following), p
        assert p.cue.end_ms <= words[p.end_word - 1].end_ms + TIMING.out_time_extension_ms or (
            p.cue.end_ms == following  # chained
        ), p


def test_jfk_cues_follow_the_clauses() -> None:
    cues = segment_words(whisper_words("en"), EN, 24.0)
    texts = [" ".join(c.lines) for c in cues]
    assert texts[:3] == [
        "And so, my fellow Americans,",
        "ask not what your country can do for you,",
        "ask what you can do for your country.",
    ]
    assert all("John Dashwood" in t for t in texts if "Dashwood" in t)
    # A one-line cue whenever the text fits one line.
    for cue in cues:
        if len(cue.lines) == 2:
            assert len(" ".join(cue.lines)) > EN.max_chars_per_line


def test_matches_the_pipeline_call() -> None:
    """``scodub.stages.run`` calls segment_words(transcript.words, lang, fps) positionally."""
    words = tuple(whisper_words("en"))
    assert segment_words(words, EN, None) == tuple(p.cue for p in plan_cues(words, EN, None))


def test_short_word_gets_the_minimum_duration() -> None:
    (cue,) = segment_words(words_at([("Hi.", 1000, 1200)]), EN, 24.0)
    assert (cue.start_ms, cue.end_ms) == (1000, 1000 + TIMING.min_duration_ms)


def test_out_time_runs_half_a_second_past_speech() -> None:
    cues = segment_words(
        words_at([("Good", 0, 400), ("evening.", 400, 1200), ("Welcome.", 4000, 4900)]), EN, 24.0
    )
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1700), (4000, 5400)]


@pytest.mark.parametrize(("fps", "gap"), [(24.0, 83), (25.0, 80), (30.0, 67), (None, 83)])
def test_short_gaps_are_chained_to_two_frames(fps: float | None, gap: int) -> None:
    words = words_at([("Good", 0, 400), ("evening.", 400, 1500), ("Welcome.", 1900, 2900)])
    first, second = segment_words(words, EN, fps)
    assert second.start_ms == 1900
    assert second.start_ms - first.end_ms == gap


@pytest.mark.parametrize("fps", [24.0, 25.0, 29.97, None])
def test_a_gap_is_opened_where_chaining_would_keep_a_cue_up_long_after_its_speech(
    fps: float | None,
) -> None:
    """Speech ends at 1.2 s, the next cue starts at 1.9 s: chained, the cue would stay up
    0.6 s past its speech (the out-time may run 0.5 s past it); a gap of 13 frames keeps
    both rules."""
    words = words_at([("Good", 0, 400), ("evening.", 400, 1200), ("Welcome.", 1900, 2900)])
    first, second = segment_words(words, EN, fps)
    assert second.start_ms == 1900
    assert 1200 <= first.end_ms <= 1200 + TIMING.out_time_extension_ms
    assert second.start_ms - first.end_ms == TIMING.frames_ms(TIMING.chain_gap_frames + 1, fps)
    assert check_track(Track("en", (first, second), fps), fps).ok


def test_gap_longer_than_twelve_frames_is_kept() -> None:
    words = words_at([("Good", 0, 400), ("evening.", 400, 1200), ("Welcome.", 2300, 2900)])
    first, second = segment_words(words, EN, 24.0)
    assert second.start_ms - first.end_ms == 2300 - 1700


def test_reading_speed_extends_the_out_time_into_a_free_gap() -> None:
    text = "Ladies and gentlemen, welcome to the festival of all our nations!"
    spec, t = [], 0
    for word in text.split():
        spec.append((word, t, t + 90))
        t += 100
    (cue,) = segment_words(words_at(spec), EN, 24.0)
    assert cue.start_ms == 0 and cue.end_ms > t + TIMING.out_time_extension_ms
    assert len("".join(cue.lines)) * 1000 / cue.duration_ms <= EN.max_cps


def test_fast_speech_without_room_is_kept_and_reported() -> None:
    spec, t = [], 0
    for k in range(60):  # 60 words in 6 s, no pause: far over 20 chars/s
        spec.append((f"word{k},", t, t + 95))
        t += 100
    words = words_at(spec)
    plan = plan_cues(words, EN, 24.0)
    assert_every_word_once(plan, words)
    cues = [p.cue for p in plan]
    assert_hard_rules(cues, EN, 24.0)
    report = check_track(Track("en", tuple(cues), 24.0))
    assert report.violations().get("reading_speed", 0) > 0


def test_dense_speech_drifts_later_but_keeps_the_hard_rules() -> None:
    words = words_at([(f"w{k}", k * 10, k * 10 + 5) for k in range(300)])
    plan = plan_cues(words, RU, 25.0)
    assert_every_word_once(plan, words)
    assert_hard_rules([p.cue for p in plan], RU, 25.0)
    assert plan[-1].cue.start_ms > words[-1].end_ms  # the cues could not keep up


def test_in_time_may_move_two_frames_earlier_for_a_cramped_cue() -> None:
    # "Stop." cannot join the next sentence (together they would last over 7 s), and
    # the next sentence starts 767 ms (< 833 ms) after it: the in-time moves 2 frames.
    sentence = "the jury has decided to give its main prize to a young director today"
    words = words_at(
        [("Stop.", 1000, 1200)]
        + [(w, 1850 + 500 * k, 2300 + 500 * k) for k, w in enumerate(sentence.split())]
    )
    first, *rest = segment_words(words, EN, 24.0)
    assert first.lines == ("Stop.",)
    assert first.start_ms == 1000 - TIMING.frames_ms(TIMING.in_time_tolerance_frames, 24.0)
    assert first.duration_ms >= TIMING.min_duration_ms
    assert rest[0].start_ms == 1850 and rest[0].start_ms - first.end_ms == 83


def test_words_without_text_join_a_neighbour() -> None:
    words = words_at(
        [
            ("", 0, 100),
            ("Hello", 100, 500),
            (" ", 500, 600),
            ("world.", 600, 900),
            ("\u200f", 900, 950),
        ]
    )
    plan = plan_cues(words, EN, 24.0)
    assert [(p.first_word, p.end_word) for p in plan] == [(0, 5)]
    assert plan[0].cue.lines == ("Hello world.",)
    assert plan_cues(words_at([("", 0, 100), ("  ", 100, 200)]), EN, 24.0) == ()
    assert segment_words([], EN, 24.0) == ()


def test_broken_asr_times_are_made_monotonic() -> None:
    words = words_at([("b", 500, 400), ("a", -50, 100), ("c", 300, 900)])
    fixed = monotonic_words(words)
    assert [(w.start_ms, w.end_ms) for w in fixed] == [(500, 500), (500, 500), (500, 900)]
    assert_hard_rules(segment_words(words, EN, 24.0), EN, 24.0)


def test_protected_span_is_not_cut_at_a_pause_inside_it() -> None:
    spec = [
        ("The", 0, 200),
        ("jury", 200, 500),
        ("gave", 500, 800),
        ("him", 800, 1000),
        ("the", 1000, 1100),
        ("golden", 1100, 1500),
        ("leopard", 2600, 3000),
        ("prize", 3000, 3400),
        ("for", 3400, 3600),
        ("his", 3600, 3800),
        ("film", 3800, 4200),
        ("about", 4200, 4500),
        ("the", 4500, 4600),
        ("mountains", 4600, 5200),
        ("of", 5200, 5300),
        ("his", 5300, 5500),
        ("childhood", 5500, 6100),
        ("in", 6100, 6200),
        ("Kyrgyzstan.", 6200, 7000),
    ]
    words = words_at(spec)
    plain = [" ".join(c.lines) for c in segment_words(words, EN, 24.0)]
    assert not any("golden leopard" in t for t in plain), plain  # cut at the pause
    kept = segment_words(words, EN, 24.0, protected=["golden leopard prize"])
    assert any("golden leopard prize" in " ".join(c.lines) for c in kept), kept
    assert_hard_rules(kept, EN, 24.0)


def test_rtl_cues_carry_direction_marks() -> None:
    text = "فیلم جدید در سال 2024 در جشنواره SCO نمایش داده شد و همه آن را دیدند."
    words = words_at([(w, k * 300, k * 300 + 250) for k, w in enumerate(text.split())])
    cues = segment_words(words, FA, 24.0)
    assert_hard_rules(cues, FA, 24.0)
    for cue in cues:
        assert all(line.startswith(RLE) and line.endswith(PDF) for line in cue.lines)
    assert not check_track(Track("fa", cues, 24.0)).violations().get("rtl_marks")


def test_word_longer_than_a_cue_is_placed_alone_and_reported() -> None:
    giant = "x" * (TIMING.max_lines * EN.max_chars_per_line + 20)
    words = words_at([("Look:", 0, 300), (giant, 300, 1200), ("done.", 1300, 1600)])
    plan = plan_cues(words, EN, 24.0)
    assert_every_word_once(plan, words)
    assert_hard_rules([p.cue for p in plan], EN, 24.0, oversized_ok=True)
    alone = [p for p in plan if p.end_word - p.first_word == 1 and p.first_word == 1]
    assert alone and len(alone[0].cue.lines) == TIMING.max_lines
    report = check_track(Track("en", tuple(p.cue for p in plan), 24.0))
    assert [i.rule for i in report.hard_issues] == ["chars_per_line"]


def test_word_longer_than_a_line_is_hard_wrapped_within_the_rules() -> None:
    url = "https://example.org/" + "festival" * 6
    words = words_at([("See", 0, 300), (url, 300, 2000), ("now.", 2000, 2300)])
    plan = plan_cues(words, EN, 24.0)
    assert_every_word_once(plan, words)
    assert_hard_rules([p.cue for p in plan], EN, 24.0)


# --- Properties ------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFG.,!?'-йцукенгшщзхъЖЭ我们电影上海合作"
_TEXT = st.text(alphabet=st.sampled_from(_LETTERS), min_size=1, max_size=14)
_MAYBE_EMPTY = st.one_of(_TEXT, _TEXT, _TEXT, _TEXT, st.sampled_from(["", " ", "\u200f"]))


_STEP = st.one_of(st.integers(0, 400), st.integers(-200, 9000), st.just(0))
_LENGTH = st.one_of(st.integers(0, 800), st.integers(-100, 12000))


@st.composite
def word_sequences(draw: st.DrawFn, allow_empty: bool = False) -> list[Word]:
    """Arbitrary ASR-like words: clusters, long pauses, zero-length and overlapping
    words, occasional times that run backwards."""
    text = _MAYBE_EMPTY if allow_empty else _TEXT
    count = draw(st.integers(min_value=0, max_value=80))
    spec = draw(st.lists(st.tuples(text, _STEP, _LENGTH), min_size=count, max_size=count))
    words: list[Word] = []
    t = draw(st.integers(min_value=0, max_value=5000))
    for word, step, length in spec:
        t += step
        words.append(Word(word, t, t + length))
    return words


_CODES = st.sampled_from(["en", "ru", "zh", "fa", "hi", "kk"])
_FPS = st.sampled_from([None, 23.976, 24.0, 25.0, 29.97, 50.0, 60.0])


@settings(max_examples=100, deadline=None)
@given(words=word_sequences(), code=_CODES, fps=_FPS)
def test_any_words_give_ordered_hard_rule_clean_cues_with_every_word_once(
    words: list[Word], code: str, fps: float | None
) -> None:
    lang = get_language(code)
    plan = plan_cues(words, lang, fps)
    if not words:
        assert plan == ()
        return
    assert_every_word_once(plan, words)
    assert_hard_rules([p.cue for p in plan], lang, fps)
    timed = monotonic_words(words)
    tolerance = TIMING.frames_ms(TIMING.in_time_tolerance_frames, fps)
    for p in plan:  # never before the speech (beyond the in-time tolerance)
        assert p.cue.start_ms >= timed[p.first_word].start_ms - tolerance


@settings(max_examples=50, deadline=None)
@given(words=word_sequences(allow_empty=True), code=_CODES, fps=_FPS)
def test_words_without_text_never_make_an_empty_cue(
    words: list[Word], code: str, fps: float | None
) -> None:
    lang = get_language(code)
    plan = plan_cues(words, lang, fps)
    if not any(strip_direction_marks(w.text).strip() for w in words):
        assert plan == ()
        return
    assert_every_word_once(plan, words)
    assert_hard_rules([p.cue for p in plan], lang, fps)


def test_a_language_outside_the_table_gets_the_default_row() -> None:
    from scodub.data import Track
    from scodub.langs import subtitle_rules
    from scodub.text.qc import check_track

    french = subtitle_rules("fr")
    assert (french.max_chars_per_line, french.max_cps, french.nllb) == (42, 17, "")
    assert subtitle_rules("ja").cjk_width and subtitle_rules("ar").rtl
    words = [
        Word(w, 300 + i * 350, 300 + i * 350 + 300)
        for i, w in enumerate(
            ["Bonjour", "à", "tous,", "et", "bienvenue", "au", "festival", "de", "Chongqing."]
        )
    ]
    cues = segment_words(words, french, 25.0)
    assert " ".join(c.flat_text for c in cues) == " ".join(w.text for w in words)
    assert check_track(Track("fr", cues, 25.0), 25.0).ok


def test_no_cue_outlasts_the_film() -> None:
    """Speech up to the last second: the out-time extension, the minimum duration and the
    reading-speed extension of a translation all stop at the film's end."""
    from scodub.text.aligned import fit_tracks

    en = get_language("en")
    words = words_at([("We", 9000, 9200), ("did", 9200, 9500), ("it.", 9500, 9800)])
    free = plan_cues(words, en, 24.0)
    assert free[-1].cue.end_ms > 10_000  # without the film's end it runs past 10 s
    capped = plan_cues(words, en, 24.0, end_ms=10_000)
    assert capped[-1].cue.start_ms == free[-1].cue.start_ms
    assert 9800 <= capped[-1].cue.end_ms <= 10_000
    source = Track("en", tuple(p.cue for p in capped), 24.0)
    long_ru = [["Мы сделали это, несмотря ни на что, вместе со всеми нашими друзьями."]]
    fitted = fit_tracks(source, {"ru": long_ru}, 24.0, end_ms=10_000)
    assert fitted.tracks["ru"].cues[-1].end_ms <= 10_000
    assert fit_tracks(source, {"ru": long_ru}, 24.0).tracks["ru"].cues[-1].end_ms > 10_000


def test_a_word_in_the_films_last_moment_comes_up_early_enough() -> None:
    """A word said 0.3 s before the film ends: the cue cannot outlast the film, so it comes
    up earlier to stay the minimum time on screen, but never over the cue before it."""
    en = get_language("en")
    words = words_at([("Run!", 9700, 9950)])
    cue = plan_cues(words, en, 24.0, end_ms=10_000)[-1].cue
    assert cue.end_ms <= 10_000
    assert cue.end_ms - cue.start_ms >= TIMING.min_duration_ms
    assert check_track(Track("en", (cue,), 24.0), 24.0, film_ms=10_000).ok
    crowded = [Word("Wait", 8000, 8400, speaker="S1"), Word("for", 8400, 8600, speaker="S1"),
               Word("me.", 8600, 9300, speaker="S1"), Word("Run!", 9700, 9950, speaker="S2")]
    first, last = (p.cue for p in plan_cues(crowded, en, 24.0, end_ms=10_000))
    # the cue before ends with its speech, no later, and nothing overlaps
    assert first.end_ms == 9300 and last.start_ms - first.end_ms >= 83
    assert last.end_ms <= 10_000 and last.start_ms < 9700


def test_a_picture_of_one_frame_a_second_counts_frame_rules_at_24_fps() -> None:
    """At 1 fps, 2 frames are 2 s: the gap cut a cue from 2.6 s to 1.28 s. Below 10 fps the
    frame rules are counted at 24 fps (a frame of such a picture outlasts them all)."""
    assert TIMING.frames_ms(2, 1.0) == TIMING.frames_ms(2, None) == 83
    assert TIMING.frames_ms(2, 25.0) == 80
    words = [Word("We", 0, 300, speaker="S1"), Word("did", 300, 600, speaker="S1"),
             Word("it.", 600, 1200, speaker="S1"), Word("Yes!", 1700, 2400, speaker="S2")]
    first, second = segment_words(words, EN, 1.0)
    assert second.start_ms - first.end_ms == 83
    assert check_track(Track("en", (first, second), 1.0), 1.0).ok


def test_a_cue_moved_up_at_the_films_end_is_chained_to_the_cue_before() -> None:
    """Moved earlier to keep its minimum duration, the last cue landed 5 frames after the
    cue before: a gap chaining closes."""
    words = [Word("Wait", 6000, 6400, speaker="S1"), Word("for", 6400, 6600, speaker="S1"),
             Word("me.", 6600, 8000, speaker="S1"), Word("Run!", 9000, 9200, speaker="S2")]
    first, last = (p.cue for p in plan_cues(words, EN, 24.0, end_ms=9500))
    assert last.end_ms <= 9500 and last.duration_ms >= TIMING.min_duration_ms
    assert last.start_ms - first.end_ms == TIMING.frames_ms(TIMING.min_gap_frames, 24.0)
    assert check_track(Track("en", (first, last), 24.0), 24.0, film_ms=9500).ok


def test_a_chinese_cue_never_ends_inside_a_number() -> None:
    # Whisper gives a decimal in pieces; the pause after "3." must not end the cue there.
    words = words_at(
        [("我们", 0, 300), ("增长了", 300, 800), ("3", 800, 900), (".", 900, 950),
         ("5", 950, 1000), ("个百分点左右真的非常", 1000, 2500)]
    )
    plan = plan_cues(words, ZH, 24.0)
    assert_every_word_once(plan, words)
    assert all("3.5" in "".join(p.cue.lines) for p in plan if "3" in "".join(p.cue.lines))


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\u200c", "\u200d\u2060", "<i></i>"])
def test_a_word_of_zero_width_characters_or_tags_alone_makes_no_empty_cue(blank: str) -> None:
    # Shown nothing, it joins a neighbour's cue as a word without text does.
    words = words_at([("سلام", 0, 500), (blank, 5000, 5200), ("خوبی", 10000, 10500)])
    plan = plan_cues(words, FA, 24.0)
    assert [(p.first_word, p.end_word) for p in plan] == [(0, 2), (2, 3)]
    assert_hard_rules([p.cue for p in plan], FA, 24.0)
