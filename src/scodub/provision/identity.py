"""What identifies a CTranslate2 model folder in cache keys.

``model.bin`` alone is not enough: its tokenizer, vocabulary and config beside it shape the
output too (another tokenizer over the same weights writes other text), so every file of
the folder is in the identity, by name, size and modification time, as ``model.bin``'s own
part always was. Hidden files and sub-folders are left out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def side_files_identity(folder: Path) -> str:
    """A short digest of the files beside ``model.bin`` (name, size, mtime in ns)."""
    entries: list[str] = []
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return ""
    for child in children:
        if child.name == "model.bin" or child.name.startswith("."):
            continue
        try:
            if not child.is_file():
                continue
            stat = child.stat()
        except OSError:
            continue
        entries.append(f"{child.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest()[:16]
