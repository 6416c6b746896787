"""Stage cache: a stage's result is stored under a key made of everything that
determines it (input content hashes, model identity, settings), inside the output folder,
so a re-run with the same inputs reuses it and a run can resume after a failure.

Layout: ``OUT/.scodub/<stage>/<key>.json`` plus ``OUT/.scodub/film-hashes.json`` (content
hashes of inputs, remembered by path, size and mtime so a large film is hashed once).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from scodub.fsutil import sha256_file, write_json_atomic

CACHE_DIRNAME = ".scodub"


def stage_key(fields: dict[str, Any]) -> str:
    """A stable hex key of JSON-serialisable fields."""
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


class StageCache:
    def __init__(self, out_dir: Path) -> None:
        self.root = Path(out_dir) / CACHE_DIRNAME

    def path(self, stage: str, key: str, suffix: str = ".json") -> Path:
        return self.root / stage / f"{key}{suffix}"

    def load(self, stage: str, key: str) -> dict[str, Any] | None:
        path = self.path(stage, key)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or damaged: the stage runs again
        return loaded if isinstance(loaded, dict) else None

    def store(self, stage: str, key: str, result: dict[str, Any]) -> Path:
        path = self.path(stage, key)
        write_json_atomic(path, result)
        return path

    def content_hash(self, path: Path) -> str:
        """sha256 of a file's content, remembered by (path, size, mtime)."""
        path = Path(path).resolve()
        stat = path.stat()
        ident = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
        index_path = self.root / "film-hashes.json"
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        if not isinstance(index, dict):
            index = {}  # damaged (wrong shape): hashed again and rewritten
        known = index.get(ident)
        if isinstance(known, str) and len(known) == 64:
            return known
        digest = sha256_file(path)
        index[ident] = digest
        write_json_atomic(index_path, index)
        return digest
