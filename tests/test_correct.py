"""Post-ASR glossary correction: misheard names fixed, ordinary words never touched."""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections.abc import Collection

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import DATA, JFK_REFERENCE, SHARED, librivox_references
from glossary_cases import asr_cases, case_glossary, festival_glossary, sentences
from scodub.data import Segment, Transcript, Word
from scodub.names.context import is_article
from scodub.names.correct import correct
from scodub.names.glossary import Glossary, Term
from scodub.names.prompt import hotwords
from scodub.provision.whisper import ResolvedModel

GLOSSARIES = [case_glossary()] + ([g] if (g := festival_glossary()) else [])
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")


SURE, UNSURE = 0.95, 0.4  # word probabilities as Whisper gives them (see correct.py)


def transcript(text: str, lang: str = "en", unsure: Collection[str] = (),
               step_ms: int = 400) -> Transcript:
    """One segment of evenly timed words, as faster-whisper would hand it on; the words in
    ``unsure`` get a low probability, as Whisper gives the names it mishears."""
    words = tuple(Word(w, i * step_ms, i * step_ms + step_ms - 60,
                       UNSURE if w in unsure else SURE)
                  for i, w in enumerate(text.split()))
    end = words[-1].end_ms if words else 0
    return Transcript(lang, 1.0, end, (Segment(0, end, " " + text, words),))


def misheard(heard: str, expected: str) -> set[str]:
    """The words of ``heard`` that the reference does not have: what Whisper got wrong."""
    a, b = heard.split(), expected.split()
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return {w for tag, i1, i2, _, _ in ops if tag != "equal" for w in a[i1:i2]}


def article_lines() -> list[str]:
    """Prose lines of the festival articles (the names in them are spelt right)."""
    lines = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        lines += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
                  if len(ln.split()) > 5]
    return lines


@pytest.mark.parametrize("case", asr_cases(), ids=lambda c: c.heard[:30])
def test_misheard_names_are_corrected(case) -> None:  # type: ignore[no-untyped-def]
    before = transcript(case.heard, case.lang, misheard(case.heard, case.expected))
    after = correct(before, case_glossary())
    assert after.text == case.expected
    assert {c.term_id for c in after.corrections} == set(case.terms)
    for c in after.corrections:
        assert 0.8 <= c.score <= 1.0
        assert c.heard in case.heard and c.corrected in case.expected
        # the correction keeps the heard span's time: first word's start, last word's end
        spans = [w for w in before.words if w.start_ms >= c.start_ms and w.end_ms <= c.end_ms]
        assert " ".join(w.text for w in spans) == c.heard


@pytest.mark.parametrize("glossary", GLOSSARIES, ids=lambda g: g.sources[0].rsplit("/", 1)[-1])
def test_real_english_speech_transcripts_get_no_correction(glossary: Glossary) -> None:
    texts = [*librivox_references().values(), JFK_REFERENCE, JFK_TEXT]
    for text in texts:
        assert correct(transcript(text), glossary).corrections == ()
        # even if Whisper had been unsure of every word
        assert correct(transcript(text, unsure=text.split()), glossary).corrections == ()


@pytest.mark.parametrize("glossary", GLOSSARIES, ids=lambda g: g.sources[0].rsplit("/", 1)[-1])
def test_festival_articles_get_no_correction(glossary: Glossary) -> None:
    """3,000 words of real festival prose: names spelt right, ordinary words all around."""
    lines = article_lines()
    assert sum(len(ln.split()) for ln in lines) > 3000
    for line in lines:
        fixed = correct(transcript(line), glossary)
        assert fixed.corrections == (), line


def test_lower_case_asr_output_gets_the_names_capitalised() -> None:
    glossary = case_glossary()
    for sentence in sentences():
        heard = sentence.text.lower()
        fixed = correct(transcript(heard), glossary)
        assert {c.term_id for c in fixed.corrections} <= set(sentence.terms)
        assert all(c.score == 1.0 for c in fixed.corrections)
        # only the names changed, word for word
        for old, new in zip(heard.split(), fixed.text.split(), strict=False):
            assert old == new or old == new.lower() or new.lower() in heard


def test_exact_names_are_never_corrected_and_correction_is_idempotent() -> None:
    glossary = case_glossary()
    for sentence in sentences():
        assert correct(transcript(sentence.text), glossary).corrections == ()
    heard = "director jah jang kuh said, samina farseen agreed"
    once = correct(transcript(heard, unsure={"jah", "jang", "kuh", "farseen"}), glossary)
    twice = correct(once, glossary)
    assert len(once.corrections) == 2 and twice.corrections == once.corrections
    assert twice.text == once.text


def test_timings_and_punctuation_of_a_rewritten_span() -> None:
    words = (Word("\u201cdirector", 0, 500), Word("jah", 600, 800, 0.4),
             Word("jang", 800, 1000, 0.5), Word("kuh,", 1000, 1300, 0.3),
             Word("said", 1400, 1700))
    before = Transcript("en", 1.0, 1700, (Segment(0, 1700, " x", words),))
    after = correct(before, case_glossary())
    new = after.words
    assert [w.text for w in new] == ["\u201cdirector", "Jia", "Zhangke,", "said"]
    assert (new[1].start_ms, new[2].end_ms) == (600, 1300)  # first start, last end
    assert new[1].end_ms == new[2].start_ms  # the span is shared out without a gap
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(new))
    assert new[1].probability == pytest.approx(0.4)
    assert after.segments[0].text == " \u201cdirector Jia Zhangke, said"
    (c,) = after.corrections
    assert (c.heard, c.corrected, c.term_id, c.start_ms, c.end_ms) == (
        "jah jang kuh,", "Jia Zhangke", "jia-zhangke", 600, 1300)


def test_possessive_and_same_word_count_keep_each_word_time() -> None:
    before = transcript("irfan malick's studio", unsure={"malick's"})
    after = correct(before, case_glossary())
    assert after.text == "Irfan Malik's studio"
    assert [(w.start_ms, w.end_ms) for w in after.words] == [
        (w.start_ms, w.end_ms) for w in before.words]


def test_longest_term_wins_and_corrections_never_overlap() -> None:
    studio = Term("yc-studio", "place", {"en": "Yongchuan Technology Studio"})
    place = Term("yongchuan", "place", {"en": "Yongchuan"})
    glossary = Glossary((place, studio))
    unsure = {"yong", "chwan"}
    after = correct(transcript("we toured the yong chwan technology studio today", "en",
                               unsure), glossary)
    assert after.text == "we toured the Yongchuan Technology Studio today"
    assert [c.term_id for c in after.corrections] == ["yc-studio"]
    after = correct(transcript("yong chwan and the yong chwan technology studio", "en",
                               unsure), glossary)
    assert [c.term_id for c in after.corrections] == ["yongchuan", "yc-studio"]
    assert after.corrections[0].end_ms < after.corrections[1].start_ms


def test_partial_and_look_alike_names_are_left_alone() -> None:
    glossary = case_glossary()
    for text in ("the Cannes Film Festival opened", "the film festival opened",
                 "China is a large market", "the premier spoke", "young man chuckled",
                 "the Eurasian plate", "Chongqing's hills", "our films.", "they aim to win",
                 "BY TAN YINGZI"):
        assert correct(transcript(text, unsure=text.split()), glossary).corrections == (), text


def test_whisper_confidence_decides_between_a_word_and_a_name() -> None:
    """"Mapping" is Ma Ping misheard (Whisper base does it) and an everyday word."""
    glossary = case_glossary()
    assert correct(transcript("mapping leads the institute"), glossary).corrections == ()
    fixed = correct(transcript("mapping leads the institute", unsure={"mapping"}), glossary)
    assert fixed.text == "Ma Ping leads the institute"
    # a spelling-level difference needs no doubt: "list a pad" is Listapad
    fixed = correct(transcript("she runs list a pad"), glossary)
    assert fixed.text == "she runs Listapad"


def test_no_name_is_written_after_an_article_it_cannot_take() -> None:
    """"the mapping" is not "the Ma Ping": English puts no article before a person's
    name; the same unsure word after another word is the name."""
    glossary = case_glossary()
    kept = correct(transcript("the mapping leads the institute", unsure={"mapping"}), glossary)
    assert kept.corrections == ()
    fixed = correct(transcript("then mapping leads the institute", unsure={"mapping"}),
                    glossary)
    assert fixed.text == "then Ma Ping leads the institute"


def test_a_variant_heard_is_written_as_that_variant() -> None:
    term = Term("listapad", "festival", {"en": "Minsk International Film Festival Listapad"},
                variants={"en": ("Listapad",)})
    fixed = correct(transcript("the listipad jury", unsure={"listipad"}), Glossary((term,)))
    assert fixed.text == "the Listapad jury"


def test_russian_transcript_inflected_name_is_not_rewritten() -> None:
    glossary = case_glossary()
    fixed = correct(transcript("фильмы Чжана Имоу показали в Чунцине", "ru"), glossary)
    assert fixed.corrections == ()
    fixed = correct(transcript("фильм джан имоу показали", "ru", {"джан"}), glossary)
    assert fixed.text == "фильм Чжан Имоу показали"


def test_aliases_only_in_the_transcript_script_and_chinese_exact_only() -> None:
    term = Term("zhang-yimou", "person", {"en": "Zhang Yimou", "zh": "张艺谋"},
                aliases=("张一谋", "jang ee mo"))
    glossary = Glossary((term,))
    zh = Transcript("zh", 1.0, 900, (Segment(0, 900, "张一谋说", (
        Word("张一谋", 0, 600), Word("说", 600, 900))),))
    fixed = correct(zh, glossary)
    assert fixed.text == "张艺谋说" and fixed.corrections[0].score == 1.0
    # a Han near miss that is no alias stays: one character in three is no evidence
    zh2 = Transcript("zh", 1.0, 900, (Segment(0, 900, "张义谋说", (
        Word("张义谋", 0, 600), Word("说", 600, 900))),))
    assert correct(zh2, glossary).corrections == ()
    # a Latin alias does not apply to a Russian transcript
    assert correct(transcript("jang ee mo", "ru", {"jang", "ee", "mo"}),
                   glossary).corrections == ()


ORDINARY = sorted({w.strip(",.").lower() for t in librivox_references().values()
                   for w in t.split()} | set(JFK_REFERENCE.split()))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(ORDINARY), min_size=1, max_size=14))
def test_ordinary_words_are_never_rewritten(words: list[str]) -> None:
    text = " ".join(words)
    fixed = correct(transcript(text, unsure=words), case_glossary())
    assert fixed.corrections == () and fixed.text == text


@pytest.mark.xfail(strict=True, reason="known gap of the text-only path: two ordinary words "
                   "Whisper was unsure of sound like a one-word name (83 against Yongchuan): "
                   "only the audio judge (names.audiocheck) can refuse it. The property above "
                   "found it at random, so it runs on a fixed sample.")
def test_two_unsure_ordinary_words_that_sound_like_a_name() -> None:
    fixed = correct(transcript("young john", unsure={"young", "john"}), case_glossary())
    assert fixed.corrections == ()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ORDINARY), max_size=6),
       st.sampled_from([c for c in asr_cases() if c.lang == "en"]),
       st.lists(st.sampled_from(ORDINARY), max_size=6))
def test_a_misheard_name_is_fixed_in_any_surroundings(before: list[str], case,  # type: ignore[no-untyped-def]
                                                      after: list[str]) -> None:
    # an article right before rules out a name that takes none ("a Samina Farzin"):
    # by design (names.context), not a surrounding the name must survive
    assume(not before or not is_article(before[-1], "en"))
    heard = case.heard.rstrip(",.")
    text = " ".join([*before, heard, *after])
    fixed = correct(transcript(text, unsure=misheard(heard, case.expected)), case_glossary())
    assert {c.term_id for c in fixed.corrections} >= set(case.terms)
    words = fixed.words
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(words))
    assert fixed.text.startswith(" ".join(before)) and fixed.text.endswith(" ".join(after))


def test_an_added_letter_is_a_mishearing_a_suffix_is_a_word() -> None:
    glossary = Glossary((Term("fan-lin", "person", {"en": "Fan Lin"}),
                         Term("eurasia", "place", {"en": "Eurasia"})))
    fixed = correct(transcript("said fan ling today", unsure={"fan", "ling"}), glossary)
    assert fixed.text == "said Fan Lin today"
    same = correct(transcript("the eurasian plate", unsure={"eurasian"}), glossary)
    assert same.corrections == ()


def test_a_spelling_variant_heard_is_written_canonically() -> None:
    term = Term("chongqing", "place", {"en": "Chongqing"}, variants={"en": ("Chungking",)})
    fixed = correct(transcript("in chunking today", unsure={"chunking"}), Glossary((term,)))
    assert fixed.text == "in Chongqing today"


def test_prompt_echo_is_removed_and_reported() -> None:
    """Whisper base primed with hotwords, on a Piper-spoken festival sentence, really
    ended the segment with this list (probabilities as it gave them)."""
    said = [("Ma", 0.06), ("Ping", 0.64), ("leads", 0.9), ("a", 0.8), ("research", 0.39),
            ("institute", 0.9)]
    echo = [("Chen", 0.0), ("Liang,", 0.0), ("Jia", 0.0), ("Zhangke,", 0.0), ("Dai", 0.0),
            ("Mo,", 0.0), ("Hai", 0.0), ("Qing,", 0.02), ("Chen", 0.12), ("Liang,", 0.07)]
    words = tuple(Word(t, i * 300, i * 300 + 250, p) for i, (t, p) in enumerate(said + echo))
    glossary = Glossary((*case_glossary().terms,
                         Term("dai-mo", "person", {"en": "Dai Mo"})))
    text = " " + " ".join(w.text for w in words)
    heard = Transcript("en", 1.0, 6000, (Segment(0, 6000, text, words),))
    fixed = correct(heard, glossary)
    assert fixed.text == "Ma Ping leads a research institute"
    (echoed,) = fixed.corrections
    assert echoed.corrected == "" and echoed.heard.startswith("Chen Liang, Jia")
    assert fixed.segments[0].end_ms == words[len(said) - 1].end_ms
    # the same names really said, with some confidence, stay
    spoken = tuple(Word(w.text, w.start_ms, w.end_ms, 0.5) for w in words)
    kept = correct(Transcript("en", 1.0, 6000, (Segment(0, 6000, text, spoken),)), glossary)
    assert kept.corrections == () and "Hai Qing, Chen Liang," in kept.text


@pytest.mark.slow
def test_real_whisper_with_festival_hotwords_then_correction(
        whisper_model: ResolvedModel) -> None:
    """The whole ASR side on real speech: primed with the glossary's names, Whisper still
    hears JFK and LibriVox right, and correction then changes nothing."""
    from scodub.asr.whisper import AsrSettings, transcribe_audio
    from scodub.media.decode import decode_audio
    from scodub.media.probe import choose_audio_stream, probe
    from scodub.text.metrics import wer

    glossary = GLOSSARIES[-1]
    prompt = hotwords(glossary, "en")
    clips = [(DATA / "jfk.wav", JFK_REFERENCE)] + [
        (DATA / "librivox" / f"{k}.wav", v) for k, v in list(librivox_references().items())[:2]]
    for path, reference in clips:
        audio = decode_audio(path, choose_audio_stream(probe(path)))
        heard = transcribe_audio(audio, AsrSettings(language="en", hotwords=prompt),
                                 whisper_model)
        assert wer(reference, re.sub(r"[^\w' ]", " ", heard.text.lower())) <= 0.15
        assert correct(heard, glossary).corrections == ()


def test_the_margin_is_smaller_only_for_a_name_heard_as_a_name_and_spelled_near() -> None:
    from scodub.names.context import heard_as_name
    from scodub.names.correct import JUDGE_MARGIN, SPELLING_MARGIN, judge_margin

    words = _words("The jury included Chen Yang and Fan Lin.")
    assert heard_as_name(words, 3, 4)
    assert judge_margin(words, 3, 4, "Chen Liang", "en") == SPELLING_MARGIN
    # a name far from what was heard ("John" for Zhang) needs the full margin
    words = _words("He met John Dashwood by the river.")
    assert heard_as_name(words, 2, 2)
    assert judge_margin(words, 2, 2, "Zhang", "en") == JUDGE_MARGIN
    # ... also where the shared surname makes the whole stretches look close (90): the
    # words that differ are another name (44), not a respelling
    assert judge_margin(words, 2, 3, "Zhang Dashwood", "en") == JUDGE_MARGIN
    words = _words("The prize went to Bridget Young last night.")
    assert judge_margin(words, 4, 5, "Bridget Yang", "en") == SPELLING_MARGIN
    # lower case, a capital only a sentence start explains, a run in title case: no name
    assert not heard_as_name(_words("about young directors."), 1, 2)
    assert not heard_as_name(_words("Mapping the river."), 0, 0)
    assert heard_as_name(_words("Hai-King's new film."), 0, 0)  # a capital inside
    assert heard_as_name(_words("Bridget Young moderated."), 0, 1)
    assert not heard_as_name(_words("Critics Like White Ant More Than Any Film."), 2, 3)
    assert not heard_as_name(_words("你好 陈亮"), 1, 1)  # no letter case


def test_letter_case_alone_is_taken_only_where_part_was_written_as_a_name() -> None:
    from scodub.names.context import partly_heard_as_name
    from scodub.names.correct import JUDGE_MARGIN, SPELLING_MARGIN, judge_margin

    words = _words("engineers from China daily showed their work.")
    assert partly_heard_as_name(words, 2, 3) and not partly_heard_as_name(words, 3, 3)
    assert judge_margin(words, 2, 3, "China Daily", "en") == SPELLING_MARGIN
    # nothing of it written as a name: only the primed language model would judge the
    # case, so no score is enough
    words = _words("She served the tea in fine china daily.")
    assert judge_margin(words, 6, 7, "China Daily", "en") == math.inf
    # letters split otherwise are a respelling ("Daimo" -> Dai Mo): the full margin
    assert judge_margin(_words("Daimo spoke."), 0, 0, "Dai Mo", "en") == JUDGE_MARGIN
    # a capital a sentence start explains says nothing; a run in title case neither
    assert not partly_heard_as_name(_words("White ant crawled out."), 0, 1)
    assert not partly_heard_as_name(_words("A White Ant Crawled Out Of The Door."), 1, 2)
    # other letters than heard are a respelling, not a change of case
    assert judge_margin(_words("engineers from bass FX showed."), 2, 3, "Base FX",
                        "en") == JUDGE_MARGIN


def test_letter_case_alone_is_taken_where_the_words_say_it_is_a_name() -> None:
    """The audio cannot judge a change of case, and the primed language model prefers
    ordinary text's case ("base FX" over Base FX on 7 of 12 voices): every word changed
    no ordinary word of the language, an acronym Whisper wrote, or a naming word before
    says the stretch is a name."""
    from scodub.names.context import case_basis
    from scodub.names.correct import judge_margin, letter_case_basis

    for text, first, last, name, lang, basis in (
            ("engineers from base FX showed their work.", 2, 3, "Base FX", "en",
             "an acronym heard"),
            ("Pemra sent a delegation to the festival.", 0, 0, "PEMRA", "en",
             "'Pemra' is no ordinary word"),  # a capital the sentence start explains
            ("officials from Pemra said it.", 2, 2, "PEMRA", "en",  # heard as a name too
             "'Pemra' is no ordinary word"),
            ("мы говорили с пемра вчера.", 3, 3, "ПЕМРА", "ru", "'пемра' is no ordinary word"),
            ("The Russian entry was called resurrection.", 5, 5, "Resurrection", "en",
             "after 'called'"),
            ("a film titled white ant.", 3, 4, "White Ant", "en", "after 'titled'"),
            ("фильм под названием воскресение.", 3, 3, "Воскресение", "ru",
             "after 'названием'"),
    ):
        words = _words(text)
        assert letter_case_basis(words, first, last, name, lang) == basis, text
        assert judge_margin(words, first, last, name, lang) == -math.inf, text
    # ordinary words stay as heard, rare ones too ("camellia" 2.5, "ocelot" 2.3), and an
    # ordinary word beside a rare one; as do words in a run in capitals or title case;
    # a naming word's own verb ("he called home"), or one across a sentence end
    for text, first, last, name, lang in (
            ("She served the tea in fine china daily.", 6, 7, "China Daily", "en"),
            ("A white ant crawled out.", 1, 2, "White Ant", "en"),
            ("A tale of resurrection.", 3, 3, "Resurrection", "en"),
            ("she saw an ocelot in the film.", 3, 3, "Ocelot", "en"),
            ("the festival gave a golden camellia to her.", 4, 5, "Golden Camellia", "en"),
            ("это было воскресение.", 2, 2, "Воскресение", "ru"),
            ("это было воскресением.", 2, 2, "Воскресением", "ru"),
            ("фестиваль white ant прошёл.", 1, 2, "White Ant", "ru"),  # English, in Russian
            ("A WHITE ANT CRAWLED OUT.", 1, 2, "White Ant", "en"),
            ("ZHANG YIMOU SPOKE TODAY.", 0, 1, "Zhang Yimou", "en"),
            ("The Jury Of Pemra Spoke Today.", 3, 3, "PEMRA", "en"),
            ("he called home yesterday.", 2, 2, "Home", "en"),
            ("They called. resurrection came.", 2, 2, "Resurrection", "en"),
            ("Then came resurrection.", 2, 2, "Resurrection", "en"),
            ("биз пемра", 1, 1, "ПЕМРА", "tg"),  # no list for Tajik, no naming words
    ):
        words = _words(text)
        assert letter_case_basis(words, first, last, name, lang) == "", text
        assert judge_margin(words, first, last, name, lang) == math.inf, text
    assert case_basis(_words("called resurrection"), 1, 1, ["Resurrection"], "en")


def test_an_ordinary_word_is_one_its_language_uses_often() -> None:
    from scodub.text.ordinary import has_word_list, is_ordinary

    assert is_ordinary("Resurrection", "en") and is_ordinary("ant", "en")
    assert is_ordinary("ocelot", "en") and is_ordinary("воскресением", "ru")
    assert is_ordinary("pemra", "en") is False and is_ordinary("Yimou", "en") is False
    assert is_ordinary("каналы", "ru") and is_ordinary("пемра", "ru") is False
    assert is_ordinary("2025", "en") is None and is_ordinary("салом", "tg") is None
    assert has_word_list("ur") and not has_word_list("kk")
    # Latin letters in a Russian or Hindi transcript: English words; other scripts: none
    assert is_ordinary("ant", "ru") and is_ordinary("ant", "hi")
    assert is_ordinary("пемра", "en") is None
    # Chinese needs jieba to segment, which wordfreq does not ship: no list (and no case)
    assert not has_word_list("zh") and is_ordinary("电影", "zh") is None
    from scodub.names.correct import judge_margin

    # a Chinese transcript's Latin letters in another case: looked up in English
    assert judge_margin(["sco电影节"], 0, 0, "SCO电影节", "zh") == -math.inf


def _words(text: str) -> list[str]:
    return text.split()
