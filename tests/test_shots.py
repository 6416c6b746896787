"""Shot changes: detection on generated films with known cuts (real ffmpeg), the cached
stage, snapping cue times to cuts under every other rule (examples and properties), the
shot-change QC rules and ``scodub qc --film`` (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, run_cli, run_ffmpeg
from films import FADES, HARD_CUTS, SIMILAR, known_cuts, make_film
from scodub.asr.whisper import AsrSettings
from scodub.data import Cue, Track
from scodub.langs import TIMING
from scodub.media.probe import probe
from scodub.media.shots import ShotSettings, detect_shots, find_cuts, frame_scores
from scodub.review.load import load_run
from scodub.stages.base import StageContext, cached
from scodub.stages.film import open_film
from scodub.stages.plan import RunSettings, plan_film
from scodub.stages.shots import ShotsStage
from scodub.text.qc import check_track
from scodub.text.shots import frames_to_cut, snap_times, snap_tracks
from scodub.text.srt import write_srt

FPS = 24.0
F = 1000 / FPS  # one frame in ms


def frame(n: float) -> int:
    return round(n * F)


@pytest.fixture(scope="session")
def films(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("films")
    return {
        "hard-cuts": make_film(folder / "hard-cuts.mp4", HARD_CUTS),
        "fades": make_film(folder / "fades.mp4", FADES),
        "similar": make_film(folder / "similar.mp4", SIMILAR),
    }


@pytest.mark.parametrize(
    ("name", "shots"), [("hard-cuts", HARD_CUTS), ("fades", FADES), ("similar", SIMILAR)]
)
def test_detects_every_known_cut_on_its_frame(
    films: dict[str, Path], name: str, shots: tuple[object, ...]
) -> None:
    frames = frame_scores(films[name], ShotSettings())
    assert find_cuts(frames, ShotSettings()) == known_cuts(shots)  # type: ignore[arg-type]
    result = detect_shots(films[name], FPS)
    assert result.cuts_ms == tuple(frame(k) for k in known_cuts(shots))  # type: ignore[arg-type]


def test_stage_is_cached_and_audio_only_films_skip_it(
    films: dict[str, Path], tmp_path: Path
) -> None:
    film = open_film(films["hard-cuts"], tmp_path, need_audio=False)
    first = cached(ShotsStage(film), StageContext(tmp_path))
    again = cached(ShotsStage(film), StageContext(tmp_path))
    assert not first.reused and again.reused and again.result.shots == first.result.shots
    other = cached(ShotsStage(film, ShotSettings(hard=0.9)), StageContext(tmp_path))
    assert not other.reused  # settings are part of the key
    settings = RunSettings(asr=AsrSettings(language="en"))
    plan = plan_film(DATA / "jfk.wav", tmp_path, settings, StageContext(tmp_path))
    assert plan.shots is None and plan.snap is None  # an audio file has no shots stage
    # Quotes, commas and colons in the film's path mean nothing to the filter graph.
    odd = tmp_path / "a film, 'cut':1.mp4"
    odd.write_bytes(films["hard-cuts"].read_bytes())
    assert detect_shots(odd, FPS).cuts_ms == first.result.shots.cuts_ms


def test_cuts_are_on_the_films_timeline_when_its_picture_starts_late(
    films: dict[str, Path], tmp_path: Path
) -> None:
    """An MPEG-TS whose picture starts 1 s after its sound: ffmpeg starts such a file's
    clock at the first stream a command reads, so the picture read alone put every cut
    1 s early against the subtitles (which are on the sound's, the film's, timeline)."""
    capture = tmp_path / "capture.ts"
    run_ffmpeg(
        "-itsoffset", "1", "-i", str(films["hard-cuts"]),
        "-f", "lavfi", "-i", "sine=f=440:d=12:sample_rate=48000",
        "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-t", "12",
        str(capture),
    )  # fmt: skip
    film = open_film(capture, tmp_path / "out")
    assert film.info.video[0].read_offset_ms == pytest.approx(1000, abs=30)
    found = ShotsStage(film).run(StageContext(tmp_path / "out")).shots.cuts_ms
    expected = detect_shots(films["hard-cuts"], FPS).cuts_ms
    assert len(found) == len(expected)
    assert all(abs(f - (e + 1000)) <= 30 for f, e in zip(found, expected, strict=True))


def test_snapping_rules_by_example() -> None:
    cut = frame(100)
    cases = {
        # in-time 5 frames before a cut: onto the cut
        frame(95): cut,
        # 3 frames after a cut: back onto it
        frame(103): cut,
        # 10 frames before: to 12 frames before
        frame(90): cut - frame(12),
        # 12 frames before, or 9 after: left alone
        frame(88): frame(88),
        frame(109): frame(109),
    }
    for start, wanted in cases.items():
        (new,), moved_in, _ = snap_times([(start, start + 2000)], [cut], FPS)
        assert new[0] == wanted, (start, new)
        assert (moved_in == (0,)) == (wanted != start)
    # out-time 4 frames before a cut or 3 after: 2 frames before it
    for end in (frame(96), frame(103)):
        (new,), _, moved_out = snap_times([(frame(40), end)], [cut], FPS)
        assert new == (frame(40), cut - frame(2)) and moved_out == (0,)
    # out-time 10 frames before a cut, the next cue 6 frames after it: to 2 frames before
    times, _, _ = snap_times([(frame(40), frame(90)), (frame(106), frame(150))], [cut], FPS)
    assert times[0][1] == cut - frame(2) and times[1][0] == cut  # next snapped onto it


def test_snapping_never_breaks_another_rule() -> None:
    cut = frame(100)
    # Moving the in-time onto the cut would leave less than the minimum duration, and the
    # out-time cannot move later (the next cue): the cue stays, QC reports it.
    times = [(frame(95), frame(95) + 900), (frame(95) + 983, frame(95) + 3000)]
    new, moved_in, _ = snap_times(times, [cut], FPS)
    assert new[0][0] == frame(95) and moved_in == ()
    # The out-time would have to come before the end of the speech: it stays.
    new, _, moved_out = snap_times([(0, frame(103))], [cut], FPS, speech_ends=[frame(102)])
    assert new == [(0, frame(103))] and moved_out == ()


def test_snapping_keeps_an_out_time_within_half_a_second_of_its_speech() -> None:
    """The out-time may run 0.5 s past the end of speech (STANDARDS.md): a move to 2
    frames before a cut that would take it further is not made, and a gap a move left for
    chaining is opened to 13 frames instead of closed, where the speech allows."""
    cut = frame(100)
    # 4 frames before a cut: moved to 2 frames before it, unless the speech ended at frame
    # 80 (the out-time may then run to frame 92)
    (new,), _, _ = snap_times([(frame(40), frame(96))], [cut], FPS)
    assert new == (frame(40), cut - frame(2))
    (new,), _, moved = snap_times([(frame(40), frame(96))], [cut], FPS, speech_ends=[frame(80)])
    assert new == (frame(40), frame(96)) and moved == ()
    # the next cue's in-time moves 7 frames later onto a cut, leaving a 9-frame gap
    times = [(frame(0), frame(60)), (frame(62), frame(120))]
    chained, _, _ = snap_times(times, [frame(69)], FPS)
    assert chained == [(frame(0), frame(67)), (frame(69), frame(120))]
    spoken = [frame(50), frame(110)]  # closed, the first would stay up 17 frames past it
    opened, _, _ = snap_times(times, [frame(69)], FPS, speech_ends=spoken)
    assert opened == [(frame(0), frame(56)), (frame(69), frame(120))]


def test_a_slow_picture_snaps_and_checks_at_the_same_rate() -> None:
    """Under 10 fps the frame rules count at 24 fps: snapping and QC agree (an out-time
    snapped at 5 fps was flagged by QC at 24)."""
    for end, wanted in ((2800, 2800), (3250, 3400 - frame(2))):  # 14 and 4 frames before
        (new,), _, _ = snap_times([(1000, end)], [3400], 5.0)
        assert new == (1000, wanted)
        cue = Cue(new[0], new[1], ("Go on.",))
        assert check_track(Track("en", (cue,), 5.0), 5.0, cuts=[3400]).ok


def test_aligned_tracks_move_together_and_respect_every_reading_speed() -> None:
    en = Track("en", (Cue(frame(95), frame(95) + 1200, ("Go.",)),), FPS)
    ru = Track("ru", (Cue(frame(95), frame(95) + 1200, ("Это очень длинная реплика.",)),), FPS)
    result = snap_tracks({"en": en, "ru": ru}, [frame(100)], FPS)
    times = {code: [(c.start_ms, c.end_ms) for c in t.cues] for code, t in result.tracks.items()}
    assert times["en"] == times["ru"]
    start, end = times["ru"][0]
    assert start == frame(100)
    # The Russian text needs its reading time at 17 chars/s: the out-time moved later.
    assert end - start >= 26 * 1000 / 17 - 1
    assert result.moved_in == (0,) and result.in_on_cut == 1


@st.composite
def timelines(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[int]]:
    """Cue times that meet every hard rule and chaining, and cuts anywhere near them."""
    gap, chain = frame(2), frame(12)
    times: list[tuple[int, int]] = []
    at = draw(st.integers(0, 2000))
    for _ in range(draw(st.integers(1, 8))):
        duration = draw(st.integers(TIMING.min_duration_ms, TIMING.max_duration_ms))
        times.append((at, at + duration))
        pause = draw(st.one_of(st.just(gap), st.integers(chain + 1, 3000)))
        at += duration + pause
    cuts = draw(st.lists(st.integers(0, at + 1000), max_size=10, unique=True))
    return times, sorted(cuts)


def _hard_ok(times: list[tuple[int, int]], needs: list[int]) -> None:
    for i, (s, e) in enumerate(times):
        assert needs[i] <= e - s <= TIMING.max_duration_ms, (i, times)
        if i + 1 < len(times):
            gap = times[i + 1][0] - e
            assert gap >= frame(2) - 1, (i, times)
            assert not frame(2) + 1 < gap <= frame(12), ("chaining", i, times)


@settings(max_examples=300, deadline=None)
@given(timelines(), st.data())
def test_snapped_times_keep_every_rule(
    case: tuple[list[tuple[int, int]], list[int]], data: st.DataObject
) -> None:
    times, cuts = case
    needs = [data.draw(st.integers(TIMING.min_duration_ms, e - s)) for s, e in times]
    ends = [data.draw(st.integers(s, e)) for s, e in times]
    new, moved_in, _ = snap_times(times, cuts, FPS, min_ms=needs, speech_ends=ends)
    _hard_ok(new, needs)
    for i, ((s, e), (s2, e2)) in enumerate(zip(times, new, strict=True)):
        if s2 != s:  # a moved in-time is on a cut or 12 frames before one
            assert i in moved_in
            assert any(s2 == c or s2 == c - frame(12) for c in cuts), (s, s2, cuts)
        if e2 < e:  # an out-time pulled back never before the speech ends
            assert e2 >= ends[i]


def test_qc_reports_shot_rules_and_snapping_clears_them() -> None:
    cut = frame(100)
    track = Track(
        "en",
        (
            Cue(frame(20), frame(97), ("Out-time three frames before the cut.",)),
            Cue(frame(104), frame(160), ("In-time four frames after it.",)),
        ),
        FPS,
    )
    rules = {(i.index, i.rule) for i in check_track(track, FPS, [cut]).issues}
    assert {(0, "shot_out"), (1, "shot_in")} <= rules
    snapped = snap_tracks({"en": track}, [cut], FPS).tracks["en"]
    assert [(c.start_ms, c.end_ms) for c in snapped.cues] == [
        (frame(20), cut - frame(2)),
        (cut, frame(160)),
    ]
    report = check_track(snapped, FPS, [cut])
    assert not [i for i in report.issues if i.rule.startswith("shot_")]
    assert frames_to_cut(snapped.cues[0].end_ms, cut, FPS) == 2


def test_cli_qc_with_film(
    films: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first_cut = frame(known_cuts(HARD_CUTS)[0])
    srt = write_srt(
        Track("en", (Cue(first_cut - frame(5), first_cut + 2000, ("Hello there.",)),), FPS),
        tmp_path / "film.en.srt",
    )
    code, out, _ = run_cli(
        ["qc", str(srt), "--lang", "en", "--film", str(films["hard-cuts"]), "--json"], capsys
    )
    report = json.loads(out)
    assert code == 0  # soft rules only
    assert report["cuts_ms"][0] == first_cut
    assert [i["rule"] for i in report["issues"]] == ["shot_in"]
    code, _, err = run_cli(
        ["qc", str(srt), "--lang", "en", "--film", str(DATA / "jfk.wav")], capsys
    )
    assert code == 0 and "no picture" in err
    # The SRT of another cut: a cue after the film's end is a hard rule broken.
    length = probe(films["hard-cuts"]).duration_ms
    late = write_srt(
        Track("en", (Cue(1000, 2500, ("Hello.",)), Cue(length - 500, length + 1500, ("Bye.",)))),
        tmp_path / "late.en.srt",
    )
    code, out, _ = run_cli(
        ["qc", str(late), "--lang", "en", "--film", str(films["hard-cuts"]), "--json"], capsys
    )
    issues = [i for i in json.loads(out)["issues"] if i["rule"] == "after_end"]
    assert code == 1 and [i["index"] for i in issues] == [1], out


@pytest.mark.slow
def test_run_snaps_the_film_s_subtitles_to_its_cuts(
    whisper_model: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from films import ShotSpec
    from scodub.text.srt import read_srt

    # JFK speaks from 0.32 s: a cut 2 frames later (frame 10) takes the first in-time.
    shots = (
        ShotSpec("testsrc2", 10),
        ShotSpec("smptebars", 78),
        ShotSpec("mandelbrot", 112),
        ShotSpec("rgbtestsrc", 64),
    )
    film = make_film(tmp_path / "jfk-film.mp4", shots, FPS, audio=DATA / "jfk.wav")
    out = tmp_path / "out"
    args = ["run", str(film), "--lang", "en", "--out", str(out), "--json", "-q"]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    report = json.loads(stdout)
    stage = report["stages"]["shots"]
    assert stage["cuts"] == 3 and stage["cached"] is False
    # the cuts themselves are kept for the review page's shot rules
    assert len(stage["cuts_ms"]) == 3 and load_run(out, "jfk-film").cuts == tuple(stage["cuts_ms"])
    assert stage["in_times_moved"] >= 1 and stage["in_times_on_cuts"] >= 1
    track = read_srt(out / "jfk-film.en.srt", "en")
    assert track.cues[0].start_ms == frame(10)
    qc = report["stages"]["subtitles"]["en"]["qc"]
    assert qc["summary"]["hard_violations"] == 0
    code, stdout, _ = run_cli([a for a in args if a not in ("--json", "-q")], capsys)
    assert code == 0 and "shot changes: 3 cuts" in stdout
    again = json.loads((out / "jfk-film.report.json").read_text(encoding="utf-8"))
    assert again["stages"]["shots"]["cached"] is True
