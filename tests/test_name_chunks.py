"""Which words the second pass may change (``names.audiocheck._name_chunks``): only a
name's own words, never the words around it that the second pass heard differently."""

from __future__ import annotations

from scodub.names.audiocheck import _name_chunks
from scodub.names.correct import edge_words

EN = edge_words("en")


def _apply(heard: str, again: str, forms: list[str]) -> str:
    words = heard.split()
    for first, last, new, _ in sorted(_name_chunks(words, again.split(), forms, EN), reverse=True):
        words[first : last + 1] = new
    return " ".join(words)


def test_a_misheard_name_is_replaced_word_for_word() -> None:
    assert (
        _apply(
            "Dailor Rakhmetav brought four films.",
            "Daler Rakhmatov brought four films.",
            ["Daler Rakhmatov"],
        )
        == "Daler Rakhmatov brought four films."
    )
    assert (
        _apply(
            "The studios in Yanchu and are large.",
            "The studios in Yongchuan are large.",
            ["Yongchuan"],
        )
        == "The studios in Yongchuan are large."
    )


def test_only_the_names_share_of_a_misheard_stretch_changes() -> None:
    # the second pass echoed its prompt after the name: the rest of what was heard stays
    heard = "Samina Farsin chairs the media regulator of Pakistan"
    again = "Samina Farzin, Chris Bremble, Muhammad Usama."
    assert _apply(heard, again, ["Samina Farzin"]) == (
        "Samina Farzin, chairs the media regulator of Pakistan"
    )
    # the echoed name is a chunk of its own (the audio check refuses it alone)
    chunks = _name_chunks(heard.split(), again.split(), ["Samina Farzin", "Chris Bremble"], EN)
    assert [(first, last, form) for first, last, _, form in chunks] == [
        (0, 1, "Samina Farzin"),
        (2, 4, "Chris Bremble"),
    ]


def test_a_function_word_at_the_edge_stays() -> None:
    # "the" dropped by the second pass is not part of the name it wrote
    assert (
        _apply("The bass effect on that speaker", "Base FX on that speaker", ["Base FX"])
        == "The Base FX on that speaker"
    )
    # ... unless the name has it
    assert (
        _apply(
            "The Legend of Mola Jat was shown",
            "The Legend of Maula Jatt was shown",
            ["The Legend of Maula Jatt"],
        )
        == "The Legend of Maula Jatt was shown"
    )


def test_a_name_already_heard_or_heard_nowhere_is_no_chunk() -> None:
    said = ["Dai", "Mo", "spoke"]
    assert _name_chunks(said, said, ["Dai Mo"], EN) == []
    assert _name_chunks(["spoke"], said, ["Dai Mo"], EN) == []
