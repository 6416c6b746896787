"""The glossary of a run as stages carry it: its files and their content hash.

Stages hold a ``GlossaryRef`` (plain data) rather than the loaded glossary; ``load``
reads the files once per process and context.
"""

from __future__ import annotations

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

    def load(self, ctx: StageContext | None = None) -> Glossary:
        if not self.files:
            return Glossary()
        name = f"glossary:{self.fingerprint}"
        if ctx is not None and name in ctx.models:
            loaded: Glossary = ctx.models[name]
            return loaded
        glossary = load_glossaries(self.files)
        if ctx is not None:
            ctx.models[name] = glossary
        return glossary
