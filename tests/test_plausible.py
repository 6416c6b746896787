"""Where the second pass looks (``names.plausible.plausible_forms``): the segments where a
glossary name may have been said, and the few names to prime each with."""

from __future__ import annotations

from scodub.data import Segment, Transcript, Word
from scodub.names.glossary import Glossary, Term
from scodub.names.plausible import plausible_forms, plausible_places

GLOSSARY = Glossary((
    Term("zy", "person", {"en": "Zhang Yimou"}), Term("dr", "person", {"en": "Deng Rui"}),
    Term("yc", "place", {"en": "Yongchuan"}), Term("mp", "person", {"en": "Ma Ping"}),
    Term("jz", "person", {"en": "Jia Zhangke"}), Term("cl", "person", {"en": "Chen Liang"}),
    Term("tz", "person", {"en": "Tan Yingzi"}), Term("fl", "person", {"en": "Fan Lin"}),
))


def _transcript(*segments: tuple[str, float]) -> Transcript:
    """Segments of words, each word with the given probability."""
    segs = []
    for n, (text, probability) in enumerate(segments):
        words = tuple(Word(w, n * 10_000 + i * 400, n * 10_000 + i * 400 + 340, probability)
                      for i, w in enumerate(text.split()))
        segs.append(Segment(words[0].start_ms, words[-1].end_ms, text, words))
    return Transcript("en", 1.0, segs[-1].end_ms, tuple(segs))


def test_names_near_unsure_words_are_plausible_where_they_were_heard() -> None:
    found = plausible_forms(_transcript(("The studios in Yangtzuan are large.", 0.5),
                                        ("The weather was fine all day.", 0.9)), GLOSSARY)
    assert set(found) == {0}  # not the segment of ordinary words Whisper was sure of
    assert found[0][0] == "Yongchuan"


def test_words_whisper_was_sure_of_need_to_be_closer() -> None:
    # 93 against Deng Rui: worth a second look even when Whisper was sure of it
    found = plausible_forms(_transcript(("Written by Dingrui for the paper.", 0.9)), GLOSSARY)
    assert "Deng Rui" in found[0]
    # 67 against Yongchuan: only when Whisper was unsure
    assert plausible_forms(_transcript(("The studios in Yangtzuan are large.", 0.9)),
                           GLOSSARY) == {}


def test_a_name_written_is_not_plausible_again_and_few_names_prime_a_segment() -> None:
    assert "Zhang Yimou" not in plausible_forms(_transcript(("Zhang Yimou spoke.", 0.5)),
                                                GLOSSARY).get(0, ())
    crowded = "Gangyemu, Dingrui, Mapping, Chen Yang, Fan Ling and Tan Yingsi came."
    found = plausible_forms(_transcript((crowded, 0.5)), GLOSSARY)
    assert 1 <= len(found[0]) <= 4


def test_a_name_glued_to_the_next_word_by_a_hyphen_is_plausible() -> None:
    glossary = Glossary((Term("jh", "person", {"en": "Jiang Haiyang"}),))
    # Whisper glued the name's second word to the verb: "Hian-Directed"
    found = plausible_forms(_transcript(("John Hian-Directed the opening gala.", 0.4)),
                            glossary)
    assert found == {0: ("Jiang Haiyang",)}
    # the whole hyphenated word is no name
    assert plausible_forms(_transcript(("John Lee-Directed the opening gala.", 0.4)),
                           glossary) == {}


def test_plausible_places_say_at_which_heard_words_each_name_may_be() -> None:
    transcript = _transcript(("Yesterday Ganyamu met Dingrui in Yangtzuan.", 0.5))
    places = plausible_places(transcript, GLOSSARY)
    words = [w.text for w in transcript.segments[0].words]
    at = {form: {" ".join(words[a : b + 1]) for a, b in runs}
          for form, runs in places[0].items()}
    assert "Ganyamu" in at["Zhang Yimou"] and "Dingrui" in at["Deng Rui"]
    assert "in Yangtzuan." in at["Yongchuan"] or "Yangtzuan." in at["Yongchuan"]
    assert not any("Yesterday" in run for run in at["Deng Rui"])
    # the same names, in the same order, as plausible_forms gives
    assert tuple(places[0]) == plausible_forms(transcript, GLOSSARY)[0]


def test_no_name_is_plausible_over_words_heard_exactly_as_another_name() -> None:
    glossary = Glossary((*GLOSSARY.terms, Term("cd", "organisation", {"en": "China Daily"}),
                         Term("sf", "event", {"en": "SCO Film Festival"}),
                         Term("sc", "organisation", {"en": "SCO"})))
    # "China" of China Daily, heard exactly, sounds like Chen Liang: no place to look
    # (four names at most prime a segment: such a name crowds out the one said)
    text = "The report was written by Chen Yiming and then re-for China Daily."
    places = plausible_places(_transcript((text, 0.5)), glossary)[0]
    assert all(last < 10 for runs in places.values() for _, last in runs)
    assert "Chen Liang" in places  # where "Chen Yiming" was heard
    # unless the other name holds it: "SCO" heard, the SCO Film Festival said
    places = plausible_places(_transcript(("The SCO feeling festival opened.", 0.5)),
                              glossary)[0]
    assert "SCO Film Festival" in places
