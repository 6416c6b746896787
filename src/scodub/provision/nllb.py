"""Translation model provisioning: NLLB-200 names, local CTranslate2 folders, hub pulls.

``--mt-model`` is a local CTranslate2 NLLB folder or a known name
(``nllb-200-distilled-600M``, ``nllb-200-distilled-1.3B``). A name is looked up in the
scodub cache (``scodub.provision.whisper.models_dir() / "nllb" / NAME``); ``pull_nllb`` fills that
folder where a hub is reachable: it downloads the Hugging Face checkpoint and converts
it with ctranslate2's ``TransformersConverter`` (int8), copying the sentencepiece model
in, the layout ``ct2-transformers-converter --copy_files sentencepiece.bpe.model`` makes.
Every folder is checked before any heavy work (``check_nllb_folder``) so a run fails
fast, before transcription, with one line that says what to do.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from scodub.errors import ConfigError, InputError, ModelError
from scodub.inputfiles import VOCABULARY_MAX_BYTES, read_input_bytes
from scodub.provision.modelbin import check_model_bin
from scodub.provision.whisper import models_dir, read_model_config

#: Known NLLB-200 names and their Hugging Face hub repositories.
NLLB_MODELS: dict[str, str] = {
    "nllb-200-distilled-600M": "facebook/nllb-200-distilled-600M",
    "nllb-200-distilled-1.3B": "facebook/nllb-200-distilled-1.3B",
}
DEFAULT_NLLB = "nllb-200-distilled-600M"
SPM_FILE = "sentencepiece.bpe.model"
VOCAB_FILES = ("shared_vocabulary.json", "shared_vocabulary.txt")
QUANTIZATIONS = ("int8", "int8_float16", "int8_float32", "float16", "bfloat16", "float32")
_MISSING_DEPS = (
    "converting an NLLB checkpoint needs {missing}: pip install transformers torch"
)
_CONVERTER_NEEDS = ("transformers", "torch")
_OFFLINE_HINT = (
    "run `scodub models pull {name}` on a machine with internet access and copy the folder "
    "{target} here, or pass --mt-model with a local CTranslate2 NLLB folder"
)
#: NLLB language tokens look like ``rus_Cyrl``: three letters, underscore, script.
NLLB_LANG_TOKEN = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")


def nllb_dir(name: str, cache_dir: Path | None = None) -> Path:
    """Where a named NLLB model lives once pulled (``cache_dir`` overrides the cache)."""
    return Path(cache_dir) / name if cache_dir is not None else models_dir() / "nllb" / name


def _known(name: str) -> str:
    if name not in NLLB_MODELS:
        raise ConfigError(
            f"unknown translation model {name!r}; expected a local CTranslate2 folder or one "
            f"of: {', '.join(NLLB_MODELS)}"
        )
    return NLLB_MODELS[name]


def read_vocabulary(folder: Path) -> list[str]:
    """The CTranslate2 shared vocabulary of ``folder`` (json list or one token a line)."""
    for name in VOCAB_FILES:
        path = folder / name
        if path.is_file():
            try:
                raw = read_input_bytes(path, what="a vocabulary", limit=VOCABULARY_MAX_BYTES)
                text = raw.decode("utf-8")
                if name.endswith(".json"):
                    tokens = json.loads(text)
                    if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens):
                        return tokens
                    raise ValueError("not a list of tokens")
                return text.splitlines()
            except InputError as exc:
                raise ModelError(str(exc)) from exc
            except (OSError, ValueError) as exc:
                raise ModelError(f"{path}: unreadable vocabulary ({exc})") from exc
    raise ModelError(
        f"{folder}: no shared_vocabulary.json/.txt: not a CTranslate2 translation model "
        "(a Whisper or language model folder?)"
    )


def check_nllb_folder(folder: Path | str, name: str | None = None) -> Path:
    """Prove ``folder`` holds a CTranslate2 NLLB model, cheaply; ModelError otherwise.
    ``name``: the known model pulled there (a damaged one is pulled again)."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise ModelError(
            f"{folder}: translation model folder not found; pass a CTranslate2 NLLB folder or "
            f"one of: {', '.join(NLLB_MODELS)}"
        )
    if not folder.is_dir():
        raise ModelError(f"{folder}: not a folder; --mt-model takes a CTranslate2 NLLB folder")
    missing = [n for n in ("model.bin", "config.json") if not (folder / n).is_file()]
    if missing:
        raise ModelError(
            f"{folder}: not a CTranslate2 model folder (missing {', '.join(missing)})"
        )
    config = read_model_config(folder)
    if "alignment_heads" in config or "lang_ids" in config or "suppress_ids" in config:
        raise ModelError(
            f"{folder}: this is a Whisper speech model, not a translation model; "
            "--mt-model takes a CTranslate2 NLLB folder"
        )
    tokens = read_vocabulary(folder)
    if not any(NLLB_LANG_TOKEN.match(t) for t in tokens):
        raise ModelError(
            f"{folder}: its vocabulary has no NLLB language tokens (such as rus_Cyrl): "
            "not an NLLB translation model"
        )
    if not (folder / SPM_FILE).is_file():
        raise ModelError(
            f"{folder}: {SPM_FILE} is missing; copy it from the model's hub repository "
            "(ct2-transformers-converter --copy_files sentencepiece.bpe.model)"
        )
    # A truncated one fails now, not after the ASR.
    if name is None:
        check_model_bin(folder / "model.bin")
    else:
        check_model_bin(folder / "model.bin", f"fetch it again: scodub models pull {name} --force")
    return folder


def resolve_mt_model(spec: str | Path | None, cache_dir: Path | None = None) -> Path:
    """The checked folder for ``--mt-model``: a folder, or a known name already pulled.

    Called before transcription so a run without a usable model fails in a second.
    ``None`` means the default name (nllb-200-distilled-600M).
    """
    text = DEFAULT_NLLB if spec is None else str(spec)
    if text in NLLB_MODELS:
        folder = nllb_dir(text, cache_dir)
        if not (folder / "model.bin").is_file():
            raise ModelError(
                f"translation model {text} is not installed ({folder} is missing); "
                + _OFFLINE_HINT.format(name=text, target=folder)
            )
        return check_nllb_folder(folder, text)
    as_path = Path(text).expanduser()
    if as_path.exists() or "/" in text or os.sep in text or text.startswith((".", "~")):
        return check_nllb_folder(as_path)
    raise ConfigError(
        f"unknown translation model {text!r}; expected a local CTranslate2 folder or one of: "
        f"{', '.join(NLLB_MODELS)}"
    )


def require_converter(modules: tuple[str, ...] = _CONVERTER_NEEDS) -> Any:
    """ctranslate2's TransformersConverter, once ``modules`` (transformers, torch) import."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelError(_MISSING_DEPS.format(missing=" and ".join(missing)))
    from ctranslate2.converters import TransformersConverter

    return TransformersConverter


def convert_checkpoint(
    checkpoint: Path, target: Path, *, quantization: str = "int8"
) -> Path:
    """Convert a Hugging Face NLLB/M2M100 checkpoint folder to a CTranslate2 folder.

    Writes into a hidden sibling folder and renames it into place, so an interrupted
    conversion never leaves a half-written model where ``resolve_mt_model`` looks.
    """
    if quantization not in QUANTIZATIONS:
        raise ConfigError(
            f"invalid quantization {quantization!r}, expected one of: {', '.join(QUANTIZATIONS)}"
        )
    converter_class = require_converter()
    if not (Path(checkpoint) / SPM_FILE).is_file():
        raise ModelError(f"{checkpoint}: {SPM_FILE} is missing from the checkpoint")
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        converter = converter_class(str(checkpoint), copy_files=[SPM_FILE])
        converter.convert(str(partial), quantization=quantization, force=True)
        check_nllb_folder(partial)
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{checkpoint}: conversion to CTranslate2 failed ({exc})") from exc
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _weight_patterns(files: list[str]) -> list[str]:
    """Download the safetensors weights when the repo has them, else the .bin ones."""
    weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["*.bin"]
    return ["*.json", SPM_FILE, *weights]


def pull_nllb(
    name: str,
    cache_dir: Path | None = None,
    *,
    quantization: str = "int8",
    force: bool = False,
    endpoint: str | None = None,
) -> Path:
    """Download NLLB ``name`` from the hub and convert it into the cache; return the folder.

    A complete folder is reused unless ``force``. ``endpoint`` (else $HF_ENDPOINT) picks
    the hub. Offline, or without transformers+torch, one ModelError line says what to do.
    """
    repo = _known(name)
    target = nllb_dir(name, cache_dir)
    if not force and (target / "model.bin").is_file():
        try:
            return check_nllb_folder(target, name)
        except ModelError:  # damaged or incomplete: fetched and converted again
            pass
    from huggingface_hub import HfApi, snapshot_download

    hub = endpoint or os.environ.get("HF_ENDPOINT") or None
    download = target.with_name(f".{name}.download")
    try:
        # model_info fails at once offline; list_repo_files retries for ~25 s first.
        info = HfApi(endpoint=hub).model_info(repo)
        files = [sibling.rfilename for sibling in info.siblings or []]
        require_converter()  # after the cheap hub check, before the big download
        snapshot_download(
            repo, local_dir=str(download), allow_patterns=_weight_patterns(files), endpoint=hub
        )
    except ModelError:
        raise
    except Exception as exc:  # huggingface_hub raises many network error types
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(
            f"cannot fetch {repo} from the hub ({first}); "
            + _OFFLINE_HINT.format(name=name, target=target)
        ) from exc
    try:
        return convert_checkpoint(download, target, quantization=quantization)
    finally:
        shutil.rmtree(download, ignore_errors=True)
