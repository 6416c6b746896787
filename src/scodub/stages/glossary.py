"""The glossary of a run as stages carry it: its files and their content hash.

Stages hold a ``GlossaryRef`` (plain data) rather than the loaded glossary; ``load``
reads the files once per process and context.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from scodub.inputfiles import GLOSSARY_MAX_BYTES, read_input_bytes
from scodub.names.glossary import Glossary
from scodub.names.io import load_glossaries
from scodub.stages.base import StageContext
from scodub.stages.cache import stage_key


@dataclass(frozen=True, slots=True)
class GlossaryRef:
    files: tuple[Path, ...] = ()
    fingerprint: str = ""  # content hash of the files ("" without a glossary)

    @classmethod
    def of(cls, files: tuple[Path, ...]) -> GlossaryRef:
        if not files:
            return cls()
        # Read as the glossary reader reads them: regular files of a sane size (a device
        # such as /dev/zero would be hashed forever), one clear line otherwise.
        contents = [read_input_bytes(f, what="a glossary", limit=GLOSSARY_MAX_BYTES) for f in files]
        digest = stage_key({"files": [hashlib.sha256(data).hexdigest() for data in contents]})
        return cls(tuple(Path(f) for f in files), digest)

    def terms_key(self, lang: str | None = None) -> str:
        """What a stage working in ``lang`` (in every language when None) takes from the
        glossary: per term, its id, kind, keep flag, aliases and forms (those of ``lang``
        only, when given). A comment, a note or the layout changes no stage, and a form
        in a language the film is not transcribed in does not transcribe it again (a
        feature film on CPU: an hour)."""
        if not self.files:
            return ""
        glossary = _read(self.files, self.fingerprint)
        terms = [
            [
                t.id, t.kind, t.keep, list(t.aliases), next(iter(t.forms), None),
                [dict(t.forms), {k: list(v) for k, v in t.variants.items()}]
                if lang is None else list(t.accepted(lang)),
            ]
            for t in glossary.terms
        ]  # fmt: skip
        return stage_key({"lang": lang, "terms": terms})

    def load(self, ctx: StageContext | None = None) -> Glossary:
        if not self.files:
            return Glossary()
        name = f"glossary:{self.fingerprint}"
        if ctx is not None and name in ctx.models:
            loaded: Glossary = ctx.models[name]
            return loaded
        glossary = _read(self.files, self.fingerprint)
        if ctx is not None:
            ctx.models[name] = glossary
        return glossary


@functools.lru_cache(maxsize=4)
def _read(files: tuple[Path, ...], fingerprint: str) -> Glossary:
    """The merged glossary of ``files`` as they were when ``fingerprint`` was taken (a
    plan keys its stages, then runs them: one read)."""
    return load_glossaries(files)
