"""Glossary work grows linearly with the glossary (issue 7: a 10,000-term glossary made
``transcribe`` take 83 s instead of 3 s, through a pairwise merge at load time).

No timing here: each test counts the elementary steps (match keys computed, string
comparisons made) at two sizes; linear work doubles with the glossary, quadratic work
quadruples. bench/bench_glossary_load.py measures the times.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary_synth import synthetic_glossary_yaml
from scodub.names import io as glossary_io
from scodub.names.glossary import Glossary, Term
from scodub.names.prompt import hotwords

SIZES = (200, 400)


def _merge_steps(tmp_path: Path, terms: int, monkeypatch: pytest.MonkeyPatch) -> int:
    festival = tmp_path / f"festival-{terms}.yaml"
    film = tmp_path / f"film-{terms}.yaml"
    festival.write_text(synthetic_glossary_yaml(terms, seed=1, id_prefix="f"), encoding="utf-8")
    # The film glossary overrides every tenth festival term by reusing its name.
    film.write_text(synthetic_glossary_yaml(terms // 10, seed=1, id_prefix="g"), "utf-8")
    calls = 0
    real = glossary_io.match_key  # type: ignore[attr-defined]

    def counting(text: str) -> str:
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(glossary_io, "match_key", counting)
    merged = glossary_io.load_glossaries([festival, film])
    assert len(merged) == terms  # each film term replaced the festival term of its name
    return calls


def test_merging_glossaries_is_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = (_merge_steps(tmp_path, n, monkeypatch) for n in SIZES)
    assert large <= 2.2 * small, f"match keys: {small} at {SIZES[0]}, {large} at {SIZES[1]}"


class _CountingStr(str):
    """A name that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        _CountingStr.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _hotword_comparisons(terms: int) -> int:
    glossary = Glossary(
        terms=tuple(
            Term(id=f"t-{n}", kind="person", forms={"en": _CountingStr(f"Name{n} Surname{n}")})
            for n in range(terms)
        )
    )
    _CountingStr.compared = 0
    hotwords(glossary, "en")
    return _CountingStr.compared


def test_ranking_hotwords_is_linear() -> None:
    small, large = (_hotword_comparisons(n) for n in SIZES)
    assert large <= 2.2 * max(small, 1), f"comparisons: {small} then {large}"


def test_lookup_by_id_does_not_scan() -> None:
    terms = [
        Term(id=_CountingStr(f"t-{n}"), kind="person", forms={"en": f"N{n}"}) for n in range(500)
    ]
    glossary = Glossary(terms=tuple(terms))
    _CountingStr.compared = 0
    assert glossary.by_id("t-499") is terms[-1]
    assert _CountingStr.compared <= 2


def _terms_tried(terms: int, monkeypatch: pytest.MonkeyPatch) -> int:
    from scodub.names import termcheck

    glossary = Glossary(
        terms=tuple(
            Term(id=f"t-{n}", kind="person", forms={"en": f"{n:04d}x Surname"})
            for n in range(terms)
        )
    )
    calls = 0
    real = termcheck.find_forms  # type: ignore[attr-defined]

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(termcheck, "find_forms", counting)
    text = "Tonight 0007x Surname meets 0012x Surname at the festival."
    for _ in range(10):  # ten cues: the index is built once per glossary
        spans = termcheck.find_terms(text, "en", glossary)
    assert [s.term_id for s in spans] == ["t-7", "t-12"]
    return calls


def test_finding_terms_in_a_cue_does_not_try_every_term(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = (_terms_tried(n, monkeypatch) for n in SIZES)
    # Only terms whose first word shares a prefix with a word of the text are tried.
    assert large <= 2.2 * small and large < SIZES[1], f"terms tried: {small} then {large}"


def test_correcting_a_film_keeps_its_score_matrices_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASR correction scores every word run against every name, 4000 runs at a time:
    against a 10,000-term glossary that was 1.2 GB of score matrices (a 50 MB glossary,
    the most scodub reads, would need tens of GB). The runs per chunk now shrink as the
    glossary grows."""
    from scodub.data import Segment, Transcript, Word
    from scodub.names import correct as correct_module

    path = tmp_path / "big.yaml"
    path.write_text(synthetic_glossary_yaml(3000, seed=2, id_prefix="b"), encoding="utf-8")
    glossary = glossary_io.load_glossaries([path])
    words = ["the", "film", "festival", "director", "said", "we", "will", "see", "it", "then"]
    segments = []
    for n in range(300):  # 3,300 words: over 4,000 runs of one to four words
        texts = [*words, "Kalomi"] if n % 7 == 0 else words
        ms = n * 4000
        timed = tuple(Word(w, ms + k * 300, ms + k * 300 + 250, 0.5) for k, w in enumerate(texts))
        segments.append(Segment(ms, ms + 4000, " ".join(texts), timed))
    transcript = Transcript("en", 1.0, 300 * 4000, tuple(segments))
    cells: list[int] = []
    real = correct_module.process.cdist

    def measured(queries: list[str], choices: list[str], **kwargs: object) -> object:
        cells.append(len(queries) * len(choices))
        return real(queries, choices, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(correct_module.process, "cdist", measured)
    correct_module.correct(transcript, glossary, "en")
    assert cells and max(cells) <= 4_000_000, f"largest score matrix: {max(cells)} cells"
