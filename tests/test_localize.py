"""The translation stage end to end with fake translators: every track aligned with the
source, every glossary name right in every language after enforcement."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from fakes import FAKES
from scodub.data import Cue, Segment, Track, Transcript, Word
from scodub.langs import SCO_LANGUAGES
from scodub.mt.localize import localize, words_per_cue
from scodub.names.enforce import PLACEHOLDER_RE
from scodub.names.io import load_glossary

FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"


@pytest.fixture(scope="module")
def glossary():  # type: ignore[no-untyped-def]
    return load_glossary(FESTIVAL)


def _source() -> Track:
    cues = (
        Cue(1000, 3500, ("Zhang Yimou spoke in Chongqing",)),
        Cue(3583, 6000, ("about the Golden Camellia Awards.",)),
        Cue(7000, 9500, ("Samina Farzin leads PEMRA.",)),
        Cue(10000, 11200, ("Thank you.",)),
        Cue(12000, 15000, ("Jia Zhangke met Dai Mo and Hai Qing", "at the SCO Film Festival.")),
    )
    return Track("en", cues, 24.0)


@pytest.mark.parametrize("fake", sorted(FAKES))
def test_every_language_aligned_and_glossary_true(fake: str, glossary) -> None:  # type: ignore[no-untyped-def]
    source = _source()
    targets = tuple(t for t in SCO_LANGUAGES if t != "en")
    result = localize(source, ("en", *targets), glossary, translator=FAKES[fake](), n_best=2)
    times = [(c.start_ms, c.end_ms) for c in result.source.cues]
    assert len(times) == len(source.cues)
    assert all(
        a.start_ms == b.start_ms for a, b in zip(result.source.cues, source.cues, strict=True)
    )
    for lang in targets:
        track = result.tracks[lang]
        assert [(c.start_ms, c.end_ms) for c in track.cues] == times, lang
        report = result.reports[lang]
        assert report.glossary_misses == 0, (fake, lang, report.misses)
        assert report.glossary_hits >= 8, (fake, lang)
        text = " ".join(c.flat_text for c in track.cues)
        assert not PLACEHOLDER_RE.search(text), (fake, lang, text)
        form = glossary.by_id("zhang-yimou").form(lang)
        assert form and form in text.replace("\u202b", "").replace("\u202c", "")


def test_sentence_over_two_cues_keeps_names_whole(glossary) -> None:  # type: ignore[no-untyped-def]
    result = localize(_source(), ("ru",), glossary, translator=FAKES["identity"]())
    first, second = result.tracks["ru"].cues[:2]
    assert "Чжан Имоу" in first.flat_text and "Чунцин" in first.flat_text + second.flat_text
    assert result.reports["ru"].route == "mt:identity"


def test_whisper_english_is_laid_over_source_cues(glossary) -> None:  # type: ignore[no-untyped-def]
    source = Track("ru", (Cue(0, 2000, ("Привет.",)), Cue(2500, 5000, ("Как дела?",))), 25.0)
    words = (
        Word("Hello.", 100, 900),
        Word("How", 2600, 2900),
        Word("are", 2950, 3100),
        Word("you?", 3150, 3600),
    )
    english = Transcript(
        "en", 1.0, 5000, (Segment(0, 5000, "Hello. How are you?", words),), task="translate"
    )
    assert words_per_cue(source, english) == ["Hello.", "How are you?"]
    result = localize(source, ("en",), glossary, whisper_english=english)
    assert [c.flat_text for c in result.tracks["en"].cues] == ["Hello.", "How are you?"]
    assert result.reports["en"].route == "whisper-translate"


def test_unknown_target_language(glossary) -> None:  # type: ignore[no-untyped-def]
    from scodub.errors import LanguageError

    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        localize(_source(), ("xx",), glossary, translator=FAKES["identity"]())


def test_editor_path_stage_is_cached(tmp_path: Path, glossary) -> None:  # type: ignore[no-untyped-def]
    from scodub.mt.localize import MtSettings
    from scodub.stages.base import StageContext, cached
    from scodub.stages.glossary import GlossaryRef
    from scodub.stages.localize import LocalizeStage

    stage = LocalizeStage.build("en", (), GlossaryRef(), MtSettings(), source_track=_source())
    first = cached(stage, StageContext(tmp_path))
    again = cached(stage, StageContext(tmp_path))
    assert not first.reused and again.reused
    assert again.result.tracks["en"].cues == first.result.tracks["en"].cues


def test_a_cue_of_thousands_of_digits_is_translated(glossary) -> None:  # type: ignore[no-untyped-def]
    """A digit run over 4300 digits in a sentence with a name stopped ``localize`` with a
    ValueError (``int()``'s limit) while the slot numbers were picked."""
    digits = "4" * 5000
    cues = (Cue(1000, 3500, ("Zhang Yimou wrote",)), Cue(3600, 6000, (f"{digits} 1.",)))
    result = localize(Track("en", cues, 24.0), ("ru",), glossary, translator=FAKES["identity"]())
    text = " ".join(c.flat_text for c in result.tracks["ru"].cues)
    assert "Чжан Имоу" in text and digits in text.replace(" ", "").replace("\n", "")
