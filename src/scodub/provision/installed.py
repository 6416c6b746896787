"""What models and voices are installed, and where (``scodub models list``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scodub.errors import ModelError
from scodub.provision.piper import embedded_english_model
from scodub.provision.whisper import EMBEDDED_NAME, embedded_folder, embedded_status, models_dir


@dataclass(frozen=True, slots=True)
class InstalledModel:
    kind: str  # whisper, nllb, piper
    name: str
    path: Path
    status: str


def list_installed() -> list[InstalledModel]:
    """What is installed and where (for ``scodub models list``)."""
    found: list[InstalledModel] = []
    found.append(InstalledModel("whisper", EMBEDDED_NAME, embedded_folder(), embedded_status()))
    try:
        voice = embedded_english_model()
        found.append(InstalledModel("piper", voice.stem, voice, "embedded default voice (en)"))
    except ModelError:  # no dub extra: no embedded voice to list
        pass
    hub = models_dir() / "hub"
    if hub.is_dir():
        for config in sorted(hub.glob("models--*/snapshots/*/config.json")):
            repo = config.parents[2].name.removeprefix("models--").replace("--", "/")
            found.append(InstalledModel("whisper", repo, config.parent, "pulled from hub"))
    for kind in ("nllb", "piper"):
        folder = models_dir() / kind
        if folder.is_dir():
            for entry in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
                found.append(InstalledModel(kind, entry.name, entry, "pulled"))
    return found
