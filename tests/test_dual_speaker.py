"""Subtitles that follow speakers: segmentation (scodub.text.segment), QC of dual-speaker
cues (scodub.text.qc), and dual cues kept through translation and fitting
(scodub.mt.localize, scodub.text.aligned) in every language."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from fakes import IdentityTranslator
from scodub.data import Cue, Segment, Track, Transcript, Word
from scodub.langs import SCO_LANGUAGES, subtitle_rules
from scodub.mt.localize import localize, words_per_cue
from scodub.mt.units import speaker_units
from scodub.names.glossary import Glossary
from scodub.text.bidi import strip_direction_marks
from scodub.text.linebreak import speaker_lines
from scodub.text.qc import check_track
from scodub.text.segment import plan_cues, segment_words

EN = subtitle_rules("en")


def _words(turns: Sequence[tuple[str, str, int, int]]) -> list[Word]:
    """(speaker, text, ms per word, pause after) -> timed words."""
    out: list[Word] = []
    t = 0
    for speaker, text, per_word, pause in turns:
        for token in text.split():
            out.append(Word(token, t, t + per_word, 1.0, speaker))
            t += per_word
        t += pause
    return out


def test_quick_exchange_becomes_a_dual_speaker_cue() -> None:
    words = _words(
        [
            ("S1", "Are you coming?", 200, 80),
            ("S2", "In a minute.", 200, 1500),
            ("S1", "Then hurry, the film starts at eight and we are late.", 300, 0),
        ]
    )
    cues = segment_words(words, EN, 24.0)
    assert cues[0].lines == ("-Are you coming?", "-In a minute.")
    assert cues[0].speakers == ("S1", "S2")
    assert cues[1].speakers == ("S1",)
    assert not check_track(Track("en", cues, 24.0)).hard_issues


def test_long_turns_get_a_cue_each() -> None:
    words = _words(
        [
            ("S1", "I have been waiting here for a very long time.", 350, 400),
            ("S2", "I know, the traffic was terrible tonight.", 350, 0),
        ]
    )
    cues = segment_words(words, EN, 24.0)
    assert [c.speakers for c in cues] == [("S1",), ("S2",)]
    assert all(not line.startswith("-") for c in cues for line in c.lines)


def test_a_speaker_change_is_a_cue_boundary_even_without_a_pause() -> None:
    # Without speakers these words would share one cue (no pause, no punctuation).
    plain = _words([(None, "we should go now before it rains", 250, 0)])  # type: ignore[list-item]
    assert len(segment_words(plain, EN, 24.0)) == 1
    words = _words([("S1", "we should go now", 500, 0), ("S2", "before it rains today", 500, 0)])
    plans = plan_cues(words, EN, 24.0)
    assert [p.cue.speakers for p in plans] == [("S1",), ("S2",)]
    assert [(p.first_word, p.end_word) for p in plans] == [(0, 4), (4, 8)]


def test_persian_dual_cue_keeps_direction_marks() -> None:
    words = _words([("S1", "می‌آیی؟", 300, 100), ("S2", "یک دقیقه.", 300, 1200)])
    cue = segment_words(words, subtitle_rules("fa"), 24.0)[0]
    assert cue.speakers == ("S1", "S2")
    assert all(line.startswith("\u202b-") and line.endswith("\u202c") for line in cue.lines)
    assert speaker_lines(cue.lines) == ("می‌آیی؟", "یک دقیقه.")
    assert not check_track(Track("fa", (cue,), 24.0)).hard_issues


_SPEAKERS = st.sampled_from(["S1", "S2", "S3"])
_TOKENS = st.sampled_from(["yes", "no", "wait!", "the", "film", "is", "here.", "Anna", "go?"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_SPEAKERS, st.lists(_TOKENS, min_size=1, max_size=8), st.integers(0, 900)),
        min_size=1,
        max_size=8,
    )
)
def test_never_two_speakers_on_one_line(turns: list[tuple[str, list[str], int]]) -> None:
    words = _words([(s, " ".join(tokens), 220, pause) for s, tokens, pause in turns])
    plans = plan_cues(words, EN, 24.0)
    assert [i for p in plans for i in range(p.first_word, p.end_word)] == list(range(len(words)))
    for plan in plans:
        spoken = [w.speaker for w in words[plan.first_word : plan.end_word]]
        runs = [s for k, s in enumerate(spoken) if k == 0 or s != spoken[k - 1]]
        assert plan.cue.speakers == tuple(dict.fromkeys(runs))
        assert len(runs) <= 2
        if len(runs) == 2:  # one line per speaker, each opened by the hyphen
            assert len(plan.cue.lines) == 2
            assert all(line.startswith("-") for line in plan.cue.lines)
    report = check_track(Track("en", tuple(p.cue for p in plans), 24.0))
    assert not [i for i in report.hard_issues if i.rule == "dual_speaker"]


def _qc_rules(cue: Cue) -> list[str]:
    return [i.rule for i in check_track(Track("en", (cue,), 24.0)).issues]


def test_qc_checks_dual_speaker_cues() -> None:
    good = Cue(0, 2000, ("-Are you coming?", "-In a minute."), ("S1", "S2"))
    assert "dual_speaker" not in _qc_rules(good)
    assert "one_line" not in _qc_rules(good)  # two speakers never share a line
    spaced = Cue(0, 2000, ("- Are you coming?", "- In a minute."), ("S1", "S2"))
    assert "dual_speaker" in _qc_rules(spaced)
    one_dash = Cue(0, 2000, ("-Are you coming?", "In a minute."), ("S1", "S2"))
    assert "dual_speaker" in _qc_rules(one_dash)
    no_dash = Cue(0, 2000, ("Are you coming?", "In a minute."), ("S1", "S2"))
    assert "dual_speaker" in _qc_rules(no_dash)
    double = Cue(0, 2000, ("--Are you coming?", "-In a minute."), ("S1", "S2"))
    assert "dual_speaker" in _qc_rules(double)
    # Read from a file (speakers unknown): a cue opened by a dash is checked (soft).
    assert "speaker_dash" in _qc_rules(Cue(0, 2000, ("-Are you coming?", "In a minute.")))
    assert "speaker_dash" not in _qc_rules(Cue(0, 2000, ("-Are you coming?", "-In a minute.")))
    # A word that opens with a hyphen on the second line is no dialogue dash.
    assert "speaker_dash" not in _qc_rules(Cue(0, 2000, ("a state", "-based approach")))


def _dialogue() -> Track:
    return Track(
        "en",
        (
            Cue(1000, 3000, ("Anna, the film starts soon",), ("S1",)),
            Cue(3083, 4500, ("-Are you coming?", "-In a minute."), ("S1", "S2")),
            Cue(5000, 7000, ("and the tickets", "are in my bag"), ("S2",)),
            Cue(7083, 9000, ("so we can go.",), ("S1",)),
        ),
        24.0,
    )


def test_translation_units_follow_speakers() -> None:
    units = speaker_units(_dialogue())
    assert [(u.cue, u.text, u.new_speaker) for u in units] == [
        (0, "Anna, the film starts soon", False),
        (1, "Are you coming?", True),
        (1, "In a minute.", True),
        (2, "and the tickets are in my bag", False),  # S2 goes on speaking
        (3, "so we can go.", True),
    ]


class _Recorder(IdentityTranslator):
    """Copies, and remembers every text it was asked to translate."""

    seen: list[str]

    def translate(self, texts, source, target, *, n_best=1):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        return super().translate(texts, source, target, n_best=n_best)


def test_dual_cues_stay_dual_in_every_language() -> None:
    translator = _Recorder()
    translator.seen = []
    targets = tuple(t for t in SCO_LANGUAGES if t != "en")
    result = localize(_dialogue(), ("en", *targets), Glossary(), translator=translator)
    # Each speaker's line is translated on its own, without its dash, and no sentence
    # runs across a change of speaker.
    assert "Are you coming?" in translator.seen and "In a minute." in translator.seen
    assert not any(text.startswith("-") for text in translator.seen)
    assert not any("soon Are" in text or "bag so" in text for text in translator.seen)
    for lang, track in result.tracks.items():
        cue = track.cues[1]
        assert cue.speakers == ("S1", "S2"), lang
        assert speaker_lines(cue.lines) == ("Are you coming?", "In a minute."), lang
        assert [strip_direction_marks(x)[:1] for x in cue.lines] == ["-", "-"], lang
        assert [c.speakers for c in track.cues] == [c.speakers for c in _dialogue().cues]
        report = check_track(track)
        assert not [i for i in report.hard_issues if i.rule == "dual_speaker"], lang


class _Broken(IdentityTranslator):
    """Answers "Are you\ncoming?" (a line break inside one speaker's line, as an LLM
    may write it)."""

    def translate(self, texts, source, target, *, n_best=1):  # type: ignore[no-untyped-def]
        answers = super().translate(texts, source, target, n_best=n_best)
        return [[a.replace("you coming", "you\ncoming") for a in many] for many in answers]


def test_a_line_break_inside_a_speakers_line_stays_on_that_speakers_line() -> None:
    result = localize(_dialogue(), ("en", "ru"), Glossary(), translator=_Broken())
    cue = result.tracks["ru"].cues[1]
    assert speaker_lines(cue.lines) == ("Are you coming?", "In a minute."), cue.lines


def test_whisper_english_splits_a_dual_cue_at_the_speaker_change() -> None:
    source = Track("ru", (Cue(0, 2000, ("-Ты идёшь?", "-Через минуту."), ("S1", "S2")),))
    words = (
        Word("Are", 0, 200, 1.0, "S1"), Word("you", 200, 400, 1.0, "S1"),
        Word("coming?", 400, 800, 1.0, "S1"), Word("In", 1000, 1200, 1.0, "S2"),
        Word("a", 1200, 1300, 1.0, "S2"), Word("minute.", 1300, 1800, 1.0, "S2"),
    )  # fmt: skip
    english = Transcript("en", 1.0, 2000, (Segment(0, 1800, "", words),), task="translate")
    assert words_per_cue(source, english) == ["Are you coming?\nIn a minute."]
    result = localize(source, ("ru", "en"), Glossary(), whisper_english=english)
    assert result.tracks["en"].cues[0].lines == ("-Are you coming?", "-In a minute.")
