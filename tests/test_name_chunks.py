"""Which words the second pass changes (``names.audiocheck._name_chunks``): a name's own
words, or the misheard stretch it stands in, never words it already heard."""

from __future__ import annotations

from scodub.names.audiocheck import _name_chunks


def _apply(heard: str, again: str, forms: list[str]) -> str:
    words = heard.split()
    for first, last, new, _ in sorted(_name_chunks(words, again.split(), forms), reverse=True):
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
    # a name heard as two words ("Yanchu and") is replaced as a whole
    assert (
        _apply(
            "The studios in Yanchu and are large.",
            "The studios in Yongchuan are large.",
            ["Yongchuan"],
        )
        == "The studios in Yongchuan are large."
    )


def test_a_name_already_heard_or_heard_nowhere_is_no_chunk() -> None:
    said = ["Dai", "Mo", "spoke"]
    assert _name_chunks(said, said, ["Dai Mo"]) == []
    assert _name_chunks(["spoke"], said, ["Dai Mo"]) == []
