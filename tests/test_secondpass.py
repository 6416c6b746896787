"""The second pass's choices (``names.secondpass.redecode``) with a scripted decoder and
judge: which names it takes, on what evidence, and which it leaves."""

from __future__ import annotations

from collections.abc import Sequence

from scodub.data import Segment, Transcript, Word
from scodub.names.beside import variants
from scodub.names.glossary import Glossary, Term
from scodub.names.plausible import plausible_places
from scodub.names.secondpass import Chunk, _where_plausible, redecode

GLOSSARY = Glossary((
    Term("zy", "person", {"en": "Zhang Yimou"}), Term("jz", "person", {"en": "Jia Zhangke"}),
    Term("wa", "film", {"en": "White Ant"}), Term("cl", "person", {"en": "Chen Liang"}),
    Term("yd", "place", {"en": "Yongchuan District"}),
))


def _transcript(text: str) -> Transcript:
    words = tuple(Word(w, i * 400, i * 400 + 340, 0.4) for i, w in enumerate(text.split()))
    seg = Segment(0, words[-1].end_ms, text, words)
    return Transcript("en", 1.0, seg.end_ms, (seg,))


def _run(heard: str, hypotheses: Sequence[str], scores: dict[str, float],
         glossary: Glossary = GLOSSARY) -> Transcript:
    """``redecode`` where the second pass gives ``hypotheses`` and the judge scores a text
    by ``scores`` (0 for a text not listed)."""
    def decode(seg: Segment, names: Sequence[str]) -> list[str]:
        return list(hypotheses)

    def judge(seg: Segment, texts: Sequence[str], names: Sequence[str]) -> list[float]:
        return [scores.get(t, 0.0) for t in texts]

    return redecode(_transcript(heard), glossary, judge, decode)


def test_a_name_that_explains_the_audio_better_is_taken_with_its_evidence() -> None:
    out = _run("Ganyamu spoke.", ["Zhang Yimou spoke."], {"Zhang Yimou spoke.": 1.3})
    assert out.segments[0].text == "Zhang Yimou spoke."
    (c,) = out.corrections
    assert (c.heard, c.corrected, c.term_id) == ("Ganyamu", "Zhang Yimou", "zy")
    assert (c.heard_logprob, c.written_logprob) == (0.0, 1.3)
    # not clearly better than heard: not taken
    assert _run("Ganyamu spoke.", ["Zhang Yimou spoke."],
                {"Zhang Yimou spoke.": 0.5}).corrections == ()


def test_a_change_of_letter_case_alone_needs_part_of_it_written_as_a_name() -> None:
    # heard as ordinary words: the audio cannot tell the case, so no score takes it
    heard = "Critics liked white ant more."
    for score in (0.5, 1.5, 20.0):
        assert _run(heard, ["Critics liked White Ant more."],
                    {"Critics liked White Ant more.": score}).corrections == ()
    # part of it written as a name unprimed: a tie is enough, less is not
    heard = "Critics liked White ant more."
    fixed = "Critics liked White Ant more."
    assert _run(heard, [fixed], {fixed: 0.0}).segments[0].text == fixed
    assert _run(heard, [fixed], {fixed: -0.5}).corrections == ()


def test_a_change_of_letter_case_alone_over_what_only_a_name_is_needs_no_score() -> None:
    # an acronym, or no ordinary English word: the primed language model's preference for
    # ordinary text's case does not keep the name out
    glossary = Glossary((Term("bfx", "organisation", {"en": "Base FX"}),
                         Term("pemra", "organisation", {"en": "PEMRA"})))
    for heard, fixed, basis in (("Engineers from base FX showed their work.",
                                 "Engineers from Base FX showed their work.",
                                 "an acronym heard"),
                                ("Pemra sent a delegation.", "PEMRA sent a delegation.",
                                 "'Pemra' is no ordinary word")):
        out = _run(heard, [fixed], {fixed: -3.0}, glossary)
        assert out.segments[0].text == fixed
        (c,) = out.corrections
        # the scores are reported, and what decided instead of them
        assert (c.heard_logprob, c.written_logprob, c.basis) == (0.0, -3.0, basis)
    # a name the audio decided has no such basis
    out = _run("Ganyamu spoke.", ["Zhang Yimou spoke."], {"Zhang Yimou spoke.": 1.3})
    assert out.corrections[0].basis == ""


def test_a_name_in_a_lower_hypothesis_counts_and_names_are_taken_one_at_a_time() -> None:
    heard = "Ganyamu and G. Jank sent greetings."
    both = "Zhang Yimou and Jia Zhangke sent greetings."
    only_jz = "Ganyamu and Jia Zhangke sent greetings."
    # Zhang Yimou helps only once Jia Zhangke is in: taken second
    out = _run(heard, ["Daniel and Jia Zhangke sent greetings.", both],
               {only_jz: 5.0, both: 6.5, "Zhang Yimou and G. Jank sent greetings.": -1.0})
    assert out.segments[0].text == both
    assert [c.corrected for c in out.corrections] == ["Jia Zhangke", "Zhang Yimou"]
    # ... and a weak one does not ride on a strong one
    out = _run(heard, [both], {only_jz: 5.0, both: 4.0})
    assert out.segments[0].text == only_jz


def test_a_name_heard_as_a_name_needs_only_to_explain_the_audio_as_well() -> None:
    # "Chen Yang": written as a name, spelled near Chen Liang: a tie is enough
    heard = "The jury included Chen Yang and others."
    fixed = "The jury included Chen Liang and others."
    assert _run(heard, [fixed], {fixed: 0.2}).segments[0].text == fixed
    assert _run(heard, [fixed], {fixed: -0.2}).segments[0].text == heard
    # ordinary words that sound like a name need the full margin
    heard = "His speech was about young directors."
    fixed = "His speech was about Yongchuan District."
    assert _run(heard, [fixed], {fixed: 0.65}).segments[0].text == heard


def test_a_name_that_explains_the_audio_alone_is_taken_with_that_evidence() -> None:
    heard = "Ganyamu and G. Jank sent greetings."
    zy = "Zhang Yimou and G. Jank sent greetings."
    jz = "Ganyamu and Jia Zhangke sent greetings."
    both = "Zhang Yimou and Jia Zhangke sent greetings."
    # Jia Zhangke is taken first; Zhang Yimou then adds less than the margin, but it
    # explained the segment as heard well enough on its own
    out = _run(heard, [both], {zy: 1.5, jz: 5.0, both: 5.2})
    assert out.segments[0].text == both
    c = next(c for c in out.corrections if c.corrected == "Zhang Yimou")
    assert (c.heard_logprob, c.written_logprob) == (0.0, 1.5)


def test_the_words_beside_a_name_keep_what_was_heard_where_the_audio_agrees() -> None:
    # the second pass takes the name with a misheard neighbour: "thanked" -> "thank"
    heard = "After that, Farsen thanked the hosts."
    again = "After that, Farzin thank the hosts."
    kept = "After that, Farzin thanked the hosts."
    glossary = Glossary((Term("sf", "person", {"en": "Farzin"}),))

    def run(scores: dict[str, float]) -> Transcript:
        return redecode(_transcript(heard), glossary,
                        lambda seg, texts, names: [scores.get(t, 0.0) for t in texts],
                        lambda seg, names: [again])

    out = run({again: 3.0, kept: 3.2})
    assert out.segments[0].text == kept
    (c,) = out.corrections
    assert (c.heard, c.corrected) == ("Farsen thanked", "Farzin thanked")
    assert (c.heard_logprob, c.written_logprob) == (0.0, 3.2)  # the text written, scored
    # the second pass's word scores better, but by less than the judge's margin: the
    # heard word stays; by more, the second pass's word is written
    out = run({again: 3.0, kept: 2.5})
    assert out.segments[0].text == kept
    out = run({again: 3.0, kept: 1.5})
    assert out.segments[0].text == again
    assert out.corrections[0].written_logprob == 3.0
    # the name must still clear the text without it: else the second pass's words
    out = run({again: 3.0, kept: 0.5})
    assert out.segments[0].text == again


def test_a_word_of_the_next_segment_heard_in_the_padding_is_not_written_twice() -> None:
    # the audio kept around a segment holds the next segment's first word ("for")
    first = (Word("written", 0, 300, 0.9), Word("by", 300, 500, 0.9),
             Word("Ding-Rui", 500, 1200, 0.4))
    second = (Word("for", 1500, 1700, 0.9), Word("China", 1700, 2000, 0.9),
              Word("Daily.", 2000, 2400, 0.9))
    glossary = Glossary((Term("dr", "person", {"en": "Deng Rui"}),))

    def run(next_words: tuple[Word, ...], again: str) -> str:
        segs = (Segment(0, 1200, "written by Ding-Rui", first),
                Segment(1500, 2400, " ".join(w.text for w in next_words), next_words))
        out = redecode(Transcript("en", 1.0, 2400, segs), glossary,
                       lambda seg, texts, names: [4.0 if "Deng" in t else 0.0 for t in texts],
                       lambda seg, names: [again] if seg.start_ms == 0 else [seg.text])
        return " / ".join(s.text for s in out.segments)

    assert run(second, "written by Deng Rui for") == "written by Deng Rui / for China Daily."
    # a word the next segment does not open with is the judge's to keep (a tie: kept)
    other = (Word("in", 1500, 1700, 0.9), *second[1:])
    assert run(other, "written by Deng Rui for") == "written by Deng Rui for / in China Daily."


def test_a_word_of_the_previous_segment_before_a_name_is_dropped() -> None:
    from scodub.names.beside import unechoed
    from scodub.names.secondpass import Chunk

    # "...the hosts." / "Farsen thanked them": the second pass heard "hosts" in the padding
    chunk = Chunk(0, 0, ("hosts", "Farzin"), "Farzin", None, 1, 1)
    out = unechoed(["Farsen", "thanked", "them."], chunk, ["thanked", "the", "hosts."], [])
    assert (out.new, out.name_at) == (("Farzin",), 0)
    # a word the previous segment does not end with stays for the judge
    assert unechoed(["Farsen", "thanked"], chunk, ["the", "guests."], []) == chunk


def test_variants_keep_heard_words_at_either_edge_and_the_heard_punctuation() -> None:
    from scodub.names.beside import variants
    from scodub.names.secondpass import Chunk

    heard = ["The", "report", "by", "Yingsi", "and", "Dingrui."]
    chunk = Chunk(3, 5, ("Yingzi", "in", "Deng", "Rui"), "Deng Rui", None, 2, 2)
    assert chunk.name == ("Deng", "Rui")
    found = variants(heard, chunk)
    assert ("Yingsi", "and", "Deng", "Rui.") in found  # the name ends as heard: "."
    assert ("Deng", "Rui", "and", "Dingrui.") in found
    assert all(("Deng" in v) for v in found) and chunk.new not in found
    # no text of fewer words than the chunk's: dropping a word scores higher, not worse
    assert ("Deng", "Rui.") not in found and len(found) == 3
    # a chunk that is the name alone has no variants
    assert variants(heard, Chunk(5, 5, ("Deng", "Rui."), "Deng Rui", None, 0, 2)) == []


def test_a_name_keeps_the_heard_punctuation_where_the_second_pass_wrote_none() -> None:
    glossary = Glossary((Term("cs", "company", {"en": "Coke Studio"}),))
    heard = "The music came from Koch Studio."
    out = redecode(_transcript(heard), glossary,
                   lambda seg, texts, names: [2.0 if "Coke" in t else 0.0 for t in texts],
                   lambda seg, names: ["The music came from Coke Studio"])
    assert out.segments[0].text == "The music came from Coke Studio."
    # a possessive written is kept, the heard mark added after it
    out = redecode(_transcript("It was Hai-King's."), Glossary((Term("hq", "person",
                                                                     {"en": "Hai Qing"}),)),
                   lambda seg, texts, names: [2.0 if "Qing" in t else 0.0 for t in texts],
                   lambda seg, names: ["It was Hai Qing's"])
    assert out.segments[0].text == "It was Hai Qing's."
    # inside the segment too: the heard full stop ends a sentence there
    out = redecode(_transcript("waiting for Di-Mo. Then it began."),
                   Glossary((Term("dm", "person", {"en": "Dai Mo"}),)),
                   lambda seg, texts, names: [2.0 if "Dai" in t else 0.0 for t in texts],
                   lambda seg, names: ["waiting for Dai Mo Then it began."])
    assert out.segments[0].text == "waiting for Dai Mo. Then it began."


PEOPLE = Glossary((
    Term("ma", "person", {"en": "Marat Asanaliev"}),
    Term("un", "person", {"en": "Umair Nasir Ali"}),
    Term("zy", "person", {"en": "Zhang Yimou"}), Term("jz", "person", {"en": "Jia Zhangke"}),
    Term("cl", "person", {"en": "Chen Liang"}), Term("jh", "person", {"en": "Jiang Haiyang"}),
))


def test_a_name_written_over_other_words_than_where_it_was_plausible_is_not_taken() -> None:
    heard = "Marata Sandali spoke for the cinema of Pakistan."
    # Umair Nasir Ali is plausible in this segment, but only at "Marata Sandali"
    places = plausible_places(_transcript(heard), PEOPLE)[0]
    assert places["Umair Nasir Ali"] == ((0, 1),)
    out = _run(heard, ["Marat Asanaliev spoke Umair Nasir Ali."], {
        "Marat Asanaliev spoke for the cinema of Pakistan.": 9.0,
        "Marata Sandali spoke Umair Nasir Ali.": 14.0,
        "Marat Asanaliev spoke Umair Nasir Ali.": 23.0}, PEOPLE)
    assert out.segments[0].text == "Marat Asanaliev spoke for the cinema of Pakistan."
    assert [c.corrected for c in out.corrections] == ["Marat Asanaliev"]


def test_a_name_written_elsewhere_over_words_that_sound_like_it_is_taken() -> None:
    heard = ["Yang", "Yimu", "and", "Yiankou", "and", "Pridings."]
    # Jia Zhangke plausible at "Yang" only; the second pass hears it at "Yiankou"
    chunk = Chunk(3, 3, ("Jia", "Zhangke"), "Jia Zhangke", None)
    assert _where_plausible(chunk, ((0, 0),), heard)
    assert _where_plausible(chunk, ((3, 4),), heard)  # where it was plausible
    unlike = Chunk(2, 5, ("Umair", "Nasir", "Ali."), "Umair Nasir Ali", None)
    assert not _where_plausible(unlike, ((0, 1),), heard)
    assert _where_plausible(unlike, ((0, 2),), heard)


def test_a_name_written_beside_the_part_of_it_that_was_heard_is_not_taken() -> None:
    events = Glossary((Term("cf", "event", {"en": "Cannes Film Festival"}),
                       Term("sf", "event", {"en": "SCO Film Festival"})))
    heard = "The Film Festival in our town won small this year."
    doubled = "The Film Festival Cannes Film Festival, one small this year."
    assert _run(heard, ["Film Festival, Cannes Film Festival, one small this year."],
                {doubled: 5.0}, events).corrections == ()
    # said where the part was heard: taken
    out = _run("Ken's Film Festival in our town won.",
               ["Cannes Film Festival in our town won."],
               {"Cannes Film Festival in our town won.": 5.0}, events)
    assert [c.corrected for c in out.corrections] == ["Cannes Film Festival"]


def test_a_repetition_loop_of_the_second_pass_is_not_taken() -> None:
    heard = "Chonyumu and Geo-Chonkbo sent Britons."
    loop = "Zhang Yimou, auntie, auntie, auntie, auntie, auntie."
    # the loop scores far better (each repeat is easy to predict): still not taken
    assert _run(heard, [loop], {loop: 40.0}).corrections == ()
    said = "Zhang Yimou and Geo-Chonkbo sent Britons."
    out = _run(heard, [said], {said: 10.0})
    assert [c.corrected for c in out.corrections] == ["Zhang Yimou"]


def test_heard_words_beside_a_name_compete_when_they_keep_as_many_letters() -> None:
    heard = ["We", "interviewed", "on", "dodge", "dashed", "on", "dog"]
    chunk = Chunk(1, 6, ("need", "to", "view", "Onondorj", "Dashdondog"),
                  "Onondorj Dashdondog", None, 3, 2)
    found = variants(heard, chunk)
    # one word fewer than the second pass wrote, but "interviewed" is no word dropped
    assert ("interviewed", "Onondorj", "Dashdondog") in found
    # the name alone drops the words beside it: never a variant
    assert ("Onondorj", "Dashdondog") not in found


def test_an_article_heard_after_a_name_stays() -> None:
    people = Glossary((Term("mp", "person", {"en": "Ma Ping"}),))
    heard = "He spent the morning mapping the river."
    dropped = "He spent the morning Ma Ping river."
    # the second pass dropped "the": a shorter text, which the judge's sum favours
    assert _run(heard, [dropped], {dropped: 5.0}, people).corrections == ()
    kept = "He spent the morning Ma Ping the river."
    out = _run(heard, [dropped], {kept: 5.0}, people)
    assert out.segments[0].text == kept
    assert [(c.heard, c.corrected) for c in out.corrections] == [("mapping", "Ma Ping")]


def test_a_generic_phrase_the_second_pass_heard_is_not_expanded_into_a_longer_name() -> None:
    events = Glossary((Term("sf", "event", {"en": "SCO Film Festival"}),))
    # "The film festival": near the name by letters, but "The" is not "SCO"
    heard = "The feeling festive a little town was small this year."
    expanded = "The SCO Film Festival at all was small this year."
    out = _run(heard, ["The film festival at all was small this year."],
               {expanded: 9.0, "SCO Film Festival at all was small this year.": 9.0}, events)
    assert out.corrections == ()
    # a misspelling of the whole name still counts ("SEO film festival")
    out = _run("The C.O. feeling festival opened.", ["The SEO film festival opened."],
               {"The SCO Film Festival opened.": 9.0}, events)
    assert [c.corrected for c in out.corrections] == ["SCO Film Festival"]


def test_a_longer_name_over_the_whole_stretch_wins_over_a_name_inside_it() -> None:
    # both pass the judge; the producer's surname scores higher over "Mala", but the film
    # holds the whole stretch heard: "The Legend of Malik Jatt" is neither name
    glossary = Glossary((Term("lm", "film", {"en": "The Legend of Maula Jatt"}),
                         Term("ma", "person", {"en": "Malik"})))
    heard = "The Legend of Mala Jat was screened."
    film = "The Legend of Maula Jatt was screened."
    inside = "The Legend of Malik Jatt was screened."
    out = _run(heard, [inside, film], {inside: 6.0, film: 5.0}, glossary)
    assert out.segments[0].text == film
    assert [c.corrected for c in out.corrections] == ["The Legend of Maula Jatt"]
    # the longer name must pass the judge itself
    out = _run(heard, [inside, film], {inside: 6.0, film: 0.5}, glossary)
    assert out.segments[0].text == inside
