"""The glossary test set (tests/data/glossary_sentences.yaml) as typed objects.

Shared by the correction and enforcement tests and by bench/bench_glossary.py. The
test glossary's Term objects are built here directly from the YAML mapping, not through
the project's glossary loader, so these tests do not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scodub.names.glossary import Glossary, Term

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "glossary_sentences.yaml"
FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AsrCase:
    lang: str
    heard: str
    expected: str
    terms: tuple[str, ...]


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def case_glossary() -> Glossary:
    """The glossary written for these tests (20 festival names, 11 languages)."""
    terms = []
    for entry in _raw()["terms"]:
        terms.append(Term(
            id=entry["id"], kind=entry["kind"], forms=dict(entry["forms"]),
            variants={k: tuple(v) for k, v in entry.get("variants", {}).items()},
            aliases=tuple(entry.get("aliases", ())), keep=bool(entry.get("keep", False)),
            notes=entry.get("notes", ""), source_file=str(CASES)))
    return Glossary(terms=tuple(terms), sources=(str(CASES),))


def sentences(key: str = "sentences") -> list[Sentence]:
    return [Sentence(s["text"], tuple(s["terms"])) for s in _raw()[key]]


def asr_cases() -> list[AsrCase]:
    return [AsrCase(c["lang"], c["heard"], c["expected"], tuple(c["terms"]))
            for c in _raw()["asr"]]


def festival_glossary() -> Glossary | None:
    """The project's festival glossary, once its file is there; None before."""
    if not FESTIVAL.exists():
        return None
    from scodub.names.io import load_glossary

    return load_glossary(FESTIVAL)
