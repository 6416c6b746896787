"""Which words the second pass changes (``names.secondpass.name_chunks``): a name's own
words, or the misheard stretch it stands in, never words it already heard; and where
the words around it rule a name out (``names.context``)."""

from __future__ import annotations

import random

from scodub.data import Word
from scodub.names.context import is_honorific, opens_question, takes_article
from scodub.names.glossary import Term
from scodub.names.secondpass import (
    NameIndex,
    _number_changed,
    _occurrences,
    name_chunks,
    retimed,
)


def _term(id_: str, kind: str, en: str) -> Term:
    return Term(id=id_, kind=kind, forms={"en": en})


TERMS = {t.forms["en"]: t for t in (
    _term("minsk", "place", "Minsk"), _term("fan-lin", "person", "Fan Lin"),
    _term("base-fx", "organisation", "Base FX"),
    _term("cff", "festival", "Cannes Film Festival"),
    _term("alesya", "person", "Alesya Rulkova"), _term("cfg", "organisation", "China Film Group"),
    _term("zy", "person", "Zhang Yimou"), _term("rk", "person", "Daler Rakhmatov"),
    _term("yc", "place", "Yongchuan"), _term("jh", "person", "Jiang Haiyang"),
    _term("sco", "organisation", "SCO"), _term("scoff", "festival", "SCO Film Festival"),
    _term("cd", "organisation", "China Daily"), _term("if", "person", "Irfan"),
    _term("ary", "organisation", "ARY Films"), _term("res", "film", "Resurrection"),
)}


def _apply(heard: str, again: str, forms: list[str]) -> str:
    words = heard.split()
    for c in sorted(name_chunks(words, again.split(), forms, TERMS), key=lambda c: -c.first):
        words[c.first : c.last + 1] = c.new
    return " ".join(words)


def test_a_misheard_name_is_replaced_word_for_word() -> None:
    assert _apply("Dailor Rakhmetav brought four films.", "Daler Rakhmatov brought four films.",
                  ["Daler Rakhmatov"]) == "Daler Rakhmatov brought four films."
    # a name heard as two words ("Yanchu and") is replaced as a whole
    assert _apply("The studios in Yanchu and are large.", "The studios in Yongchuan are large.",
                  ["Yongchuan"]) == "The studios in Yongchuan are large."


def test_a_name_the_second_pass_nearly_wrote_is_written_as_the_form() -> None:
    assert _apply("Ganyamu spoke about it.", "Jiang Yimou spoke about it.",
                  ["Zhang Yimou"]) == "Zhang Yimou spoke about it."
    assert _apply("Ganyamu's film.", "Jiang Yimou's film.", ["Zhang Yimou"]) == (
        "Zhang Yimou's film.")
    # one sound off in a two-word name (79): still the name the pass was primed with
    assert _apply("Gangnamu and friends.", "Tang Yimou and friends.", ["Zhang Yimou"]) == (
        "Zhang Yimou and friends.")
    # far from the form: nothing
    assert _apply("Daniel spoke.", "Daniel Mu spoke.", ["Zhang Yimou"]) == "Daniel spoke."


def test_a_name_already_heard_or_heard_nowhere_is_no_chunk() -> None:
    said = ["Dai", "Mo", "spoke"]
    assert name_chunks(said, said, ["Dai Mo"]) == []
    assert name_chunks(["spoke"], said, ["Dai Mo"]) == []
    # a name heard inside a longer one is no obstacle to the longer one ...
    heard = "The SCO film festival opened."
    assert _apply(heard, "The SCO Film Festival opened.", ["SCO Film Festival"]) == (
        "The SCO Film Festival opened.")
    # ... but a name heard is not replaced by another that does not hold it
    assert _apply("The SCO film.", "The Cannes Film.", ["Cannes Film Festival"]) == (
        "The SCO film.")


def test_a_name_whose_letters_were_heard_is_not_taken_for_the_words_around_it() -> None:
    heard = "She served the tea and fine-china daily."
    assert _apply(heard, "She served the tea and fined China Daily.", ["China Daily"]) == heard
    # the same letters, only case or spacing changed: a chunk (the judge decides)
    assert _apply("They read china daily.", "They read China Daily.", ["China Daily"]) == (
        "They read China Daily.")
    # letters glued to another word's are no name heard: "DSCO" is "The SCO"
    assert _apply("DSCO Film Festival opened.", "The SCO Film Festival opened.",
                  ["SCO Film Festival"]) == "The SCO Film Festival opened."


def test_no_name_without_an_article_is_written_after_one() -> None:
    assert _apply("The mink ran across the farm.", "The Minsk ran across the farm.",
                  ["Minsk"]) == "The mink ran across the farm."
    assert _apply("The family ended under the bed.", "The Fan Lin gathered under the bed.",
                  ["Fan Lin"]) == "The family ended under the bed."
    # a heard article swallowed by the second pass is kept, and rules the name out
    assert _apply("The bass effect on that speaker.", "Base FX on that speaker.",
                  ["Base FX"]) == "The bass effect on that speaker."
    # ... or stays before a name that takes one
    assert _apply("The canned film festival is old.", "Cannes Film Festival is old.",
                  ["Cannes Film Festival"]) == "The Cannes Film Festival is old."
    # an article heard for the name's first syllable goes
    assert _apply("It is run by a serial cover.", "It is run by Alesya Rulkova.",
                  ["Alesya Rulkova"]) == "It is run by Alesya Rulkova."
    # names after other words, and names that take an article, are written
    assert _apply("Run by the mink.", "Run in Minsk.", ["Minsk"]) == "Run in Minsk."
    assert _apply("The China film grip showed it.", "The China Film Group showed it.",
                  ["China Film Group"]) == "The China Film Group showed it."


def test_after_a_title_only_a_persons_name_is_written() -> None:
    # "Mr. Young Nash": a title stands before a person, not a place or a company
    assert _apply("Mr. Young Nash walked down.", "Mr. Yongchuan walked down.",
                  ["Yongchuan"]) == "Mr. Young Nash walked down."
    assert _apply("Dr Bass Effects spoke.", "Dr Base FX spoke.", ["Base FX"]) == (
        "Dr Bass Effects spoke.")
    # a person's name after one is written; a place after other words too
    assert _apply("Mr. Fan Ling spoke.", "Mr. Fan Lin spoke.", ["Fan Lin"]) == (
        "Mr. Fan Lin spoke.")
    assert _apply("We met in Young Chuan.", "We met in Yongchuan.", ["Yongchuan"]) == (
        "We met in Yongchuan.")
    assert is_honorific("Mrs.,", "en") and is_honorific("г-н", "ru")
    # a title in lower case is an ordinary word in English: "miss" is a verb there
    assert _apply("I miss young Chuan.", "I miss Yongchuan.", ["Yongchuan"]) == (
        "I miss Yongchuan.")
    assert not is_honorific("miss", "en") and is_honorific("Miss", "en")
    assert is_honorific("господин", "ru")
    assert not is_honorific("Mr.", "zh") and not is_honorific("mister-y", "en")


def test_which_names_take_an_article() -> None:
    def takes(kind: str, form: str, lang: str = "en") -> bool:
        return takes_article(_term("x", kind, form), form, lang)

    assert not takes("person", "Fan Lin") and not takes("place", "Minsk")
    assert not takes("organisation", "Base FX") and not takes("organisation", "Reuters")
    assert takes("organisation", "China Film Group") and takes("place", "Yongchuan District")
    assert takes("organisation", "Department of Cinematography of Kyrgyzstan")
    assert takes("organisation", "SCO")  # initials of an institution
    assert takes("festival", "FilmMart") and takes("film", "White Ant")  # not judged
    assert takes("organisation", "The Times Group")
    assert takes("person", "Fan Lin", "ru")  # no articles in Russian: no rule


def test_retiming_keeps_the_times_of_words_both_passes_heard() -> None:
    old = [Word("Trap", 18970, 20070), Word("News", 20070, 20330), Word("Global", 20330, 20750)]
    new = retimed(old, ["StratNews", "Global"])
    assert [(w.text, w.start_ms, w.end_ms) for w in new] == [
        ("StratNews", 18970, 20330), ("Global", 20330, 20750)]
    # an inserted word shares the time of its neighbour
    two = retimed(old[:1], ["Jia", "Zhangke"])
    assert [w.text for w in two] == ["Jia", "Zhangke"]
    assert two[0].start_ms == 18970 and two[-1].end_ms == 20070
    assert retimed(old, []) == []


def test_a_second_pass_copying_its_prompt_or_dropping_speech_is_not_taken() -> None:
    # a name heard exactly is never replaced by another
    assert _apply("They waited for Fan Lin.", "They waited for Zhang Yimou.",
                  ["Zhang Yimou"]) == "They waited for Fan Lin."
    # the prompt copied: a name twice, or names listed
    assert _apply("Zhang Yiyang directed the gala.", "Zhang Yimou. Zhang Yimou.",
                  ["Zhang Yimou"]) == "Zhang Yiyang directed the gala."
    assert _apply("And he meant the well known cinema in Pakistan.",
                  "Daler Rakhmatov, Fan Lin Pakistan.", ["Daler Rakhmatov", "Fan Lin"]) == (
        "And he meant the well known cinema in Pakistan.")
    # a long stretch of speech replaced by a short name
    assert _apply("We went to the opening of the new hall.", "We went to Minsk hall.",
                  ["Minsk"]) == "We went to the opening of the new hall."
    # half the syllables of the words replaced, or twice theirs ("young directors" has four)
    assert _apply("His speech was about young directors.", "His speech was about Yongchuan.",
                  ["Yongchuan"]) == "His speech was about young directors."
    assert _apply("The Resort Institute hired a chemist.",
                  "The Resurrection Institute hired a chemist.",
                  ["Resurrection"]) == "The Resort Institute hired a chemist."


def test_a_sentence_added_by_the_second_pass_is_not_a_name() -> None:
    assert _apply("John Hayeon directed the gala.", "Jiang Lin. Jiang Haiyang directed the gala.",
                  ["Jiang Haiyang"]) == "John Hayeon directed the gala."
    # a misheard word beside the name is re-heard with it
    assert _apply("The studios in Yanchu and Arman, the largest.",
                  "The studios in Yongchuan are among the largest.", ["Yongchuan"]) == (
        "The studios in Yongchuan are among the largest.")


def test_a_name_does_not_take_the_verb_that_opens_a_question() -> None:
    question = "Can Philip Festival organizers ever rest in summer?"
    assert _apply(question, "Cannes Film Festival organizers ever rest in summer?",
                  ["Cannes Film Festival"]) == question
    assert opens_question(["Yes.", "Can", "Minsk", "wait?"], 1, "Minsk", "en")
    assert not opens_question(["Yes,", "can", "Minsk", "wait?"], 1, "Minsk", "en")
    assert not opens_question(["Can", "Minsk", "wait."], 0, "Minsk", "en")  # no question
    assert not opens_question(["Is", "it", "?"], 0, "Is It", "en")  # the name's own word
    assert not opens_question(["Can", "Minsk", "wait?"], 0, "Minsk", "ru")
    # a run Whisper left without punctuation may be a question
    assert opens_question(["Can", "Minsk", "wait", "our", "films"], 0, "Minsk", "en")
    # the same words in a statement are the name
    assert _apply("The Can's film festival has a longer history.",
                  "The Cannes Film Festival has a longer history.",
                  ["Cannes Film Festival"]) == "The Cannes Film Festival has a longer history."


def test_the_name_index_finds_what_a_search_of_every_form_finds() -> None:
    """``NameIndex.found`` (by first word) equals looking for every form in turn."""
    index = NameIndex.of(TERMS)
    vocab = ["Fan", "Lin", "Lin.", "Minsk's", "Zhang", "Yimou,", "China", "Film", "Group",
             "the", "film", "Base", "FX", "fan", "(Minsk)", "Alesya", "Rulkova"]
    rng = random.Random(8)
    for _ in range(300):
        words = [rng.choice(vocab) for _ in range(rng.randint(0, 9))]
        brute = {(lo, hi, form) for form in TERMS
                 for lo, hi, _ in _occurrences(words, form, near=False)}
        assert set(index.found(words)) == brute, words


def test_a_near_form_needs_one_word_exact_below_the_correction_threshold() -> None:
    # "Irman" is one letter from the one-word name Irfan (75), "A film" near ARY Films
    heard = "The studio is in Yantu and Irma in the largest."
    assert _apply(heard, "The studio is in Yanchu and Irman the largest.", ["Irfan"]) == heard
    heard = "A thin and airy film of dust."
    assert _apply(heard, "A film and very film and dust.", ["ARY Films"]) == heard


def test_a_second_pass_that_changes_the_number_of_a_heard_word_is_not_taken() -> None:
    # the -s added or dropped on words it heard: the second pass fits its words to the
    # name it was primed with, the audio did not ask for it
    heard = "A film where shortly in the library."
    assert _apply(heard, "ARY Films, we are short in the library.", ["ARY Films"]) == heard
    heard = "The colors die mostly in the shade."
    assert _apply(heard, "The color Dai Mo's long in the shade.", ["Dai Mo"]) == heard
    # a possessive is another word; the name's own letters may change
    assert not _number_changed(["Bremble"], ["Bremble's"])
    assert _number_changed(["cinemas", "of"], ["Cinema", "Fund"])
    assert _apply("And why films brought a comedy.", "ARY Films brought a comedy.",
                  ["ARY Films"]) == "ARY Films brought a comedy."
