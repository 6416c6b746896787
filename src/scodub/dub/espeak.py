"""espeak-ng voices through the library that the ``espeakng-loader`` package ships.

The library (espeak-ng 1.52 with its data) is driven through ctypes in synchronous
mode: a synthesis call returns when the callback has received all 16-bit samples. The
engine is one process-wide state machine, so every call holds one lock. Debian's
espeak-ng 1.51 binary is deliberately not used: it reads Mandarin tone digits aloud.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scodub.dub.scripts import require_speakable
from scodub.errors import ModelError

# speak_lib.h (espeak-ng 1.52): enum values and flags used here.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_PARAM_RATE = 1
_RATE_MINIMUM, _RATE_MAXIMUM = 80, 450  # espeakRATE_MINIMUM / espeakRATE_MAXIMUM (words/min)
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakEngine:
    """The loaded libespeak-ng: voice selection, synthesis and phoneme output."""

    def __init__(self, library: Path, data_parent: Path) -> None:
        try:
            lib = ctypes.CDLL(str(library))
        except OSError as exc:
            raise ModelError(f"{library}: cannot load the espeak-ng library ({exc})") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_GetParameter.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.espeak_GetParameter.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        # The path is the folder that holds espeak-ng-data, not the data folder itself.
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, bytes(data_parent), 0)
        if rate <= 0:
            raise ModelError(f"{data_parent}: espeak-ng could not read its data folder")
        self._lib: Any = lib
        self.sample_rate: int = rate
        self.default_wpm: int = lib.espeak_GetParameter(_PARAM_RATE, 0)
        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._receive)  # kept alive as long as the engine
        lib.espeak_SetSynthCallback(self._callback)

    def _receive(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0 = go on synthesizing

    def _select(self, voice: str) -> None:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise ModelError(f"espeak-ng has no voice {voice!r}")

    def wpm(self, rate: float) -> int:
        """Words per minute for a speaking-rate factor (1.0 = the engine's default)."""
        return int(min(max(round(self.default_wpm * rate), _RATE_MINIMUM), _RATE_MAXIMUM))

    def synthesize(self, voice: str, text: str, rate: float) -> np.ndarray:
        """Float32 mono samples in [-1, 1] at ``self.sample_rate``."""
        data = text.encode("utf-8") + b"\0"
        with self._lock:
            self._select(voice)
            self._lib.espeak_SetParameter(_PARAM_RATE, self.wpm(rate), 0)
            self._chunks = []
            status = self._lib.espeak_Synth(
                data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            chunks, self._chunks = self._chunks, []
        if status != _EE_OK:
            raise ModelError(f"espeak-ng voice {voice!r} failed on {text[:40]!r} (code {status})")
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)

    def phonemes(self, voice: str, text: str) -> str:
        """The IPA espeak-ng derives from ``text`` (clauses joined by spaces)."""
        pointer = ctypes.c_char_p(text.encode("utf-8"))
        parts: list[str] = []
        with self._lock:
            self._select(voice)
            while pointer.value:
                result = self._lib.espeak_TextToPhonemes(
                    ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA
                )
                if result:
                    parts.append(result.decode("utf-8", errors="replace").strip())
        return " ".join(p for p in parts if p)


@functools.cache
def espeak_engine() -> EspeakEngine:
    """The process-wide engine (the library keeps global state: load it once)."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise ModelError(
            "espeak voices need the espeakng-loader package: pip install 'scodub[dub]'"
        ) from exc
    library = Path(espeakng_loader.get_library_path())
    try:
        data = Path(espeakng_loader.get_data_path())
    except RuntimeError as exc:
        raise ModelError(f"espeakng-loader is installed without its voice data ({exc})") from exc
    return EspeakEngine(library, data.parent)


@functools.cache
def espeak_variants() -> frozenset[str]:
    """The voice variants espeak-ng's data holds (``m1``..``m8``, ``f1``..``f5``, ...);
    empty when the data cannot be found (the engine then says why)."""
    try:
        import espeakng_loader

        folder = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
        return frozenset(p.name for p in folder.iterdir() if p.is_file())
    except (ImportError, RuntimeError, OSError):
        return frozenset()


class EspeakVoice:
    """One espeak-ng voice, optionally reading text through a transliteration first.

    ``rate`` scales the engine's words-per-minute setting (175 wpm at 1.0), so a
    faster line is spoken faster by the engine itself, with its pitch unchanged.
    """

    engine_name = "espeak-ng"

    def __init__(
        self,
        language: str,
        espeak_voice: str,
        scripts: frozenset[str],
        *,
        transliterate: Callable[[str], str] | None = None,
        route: str = "",
    ) -> None:
        self.language = language
        self.espeak_voice = espeak_voice
        self.scripts = scripts
        self._transliterate = transliterate
        self.route = route or f"espeak-ng 1.52 formant voice {espeak_voice!r} (espeakng-loader)"
        self.name = f"espeak:{espeak_voice}"
        self._engine = espeak_engine()
        self._engine._select(espeak_voice)  # fail now, not on the first cue
        self.sample_rate = self._engine.sample_rate

    def _spoken_text(self, text: str) -> str:
        return self._transliterate(text) if self._transliterate else text

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        require_speakable(text, voice=self.name, language=self.language, scripts=self.scripts)
        return self._engine.synthesize(self.espeak_voice, self._spoken_text(text), rate)

    def phonemes(self, text: str) -> str:
        """The IPA the voice speaks for ``text`` (after any transliteration)."""
        return self._engine.phonemes(self.espeak_voice, self._spoken_text(text))

    def __repr__(self) -> str:
        return f"EspeakVoice({self.language!r}, {self.espeak_voice!r})"
