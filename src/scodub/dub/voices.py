"""Voices for dubbing: the TTS backend interface, the default voice per language, and
``--voice LANG=SPEC`` resolution (Piper voice files, pulled Piper voices, espeak-ng).

Defaults: Piper's neural en_US-joe-medium for English; espeak-ng for every other
language (no offline neural voice exists for them); Tajik, which espeak-ng lacks, is
respelled for its Persian voice (see ``scodub.dub.tajik``). Real users can pull Piper
voices from the hub (``scodub models pull piper:ru_RU-irina-medium``) and pick them
with ``--voice ru=ru_RU-irina-medium`` or ``--voice ru=/path/to/voice.onnx``.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from scodub.dub.espeak import EspeakVoice, espeak_variants
from scodub.dub.piper_voice import (
    config_path_for,
    load_piper_voice,
    split_speaker,
)
from scodub.dub.tajik import tajik_to_pinglish
from scodub.errors import ConfigError, LanguageError, ModelError, ScodubError
from scodub.fsutil import atomic_path
from scodub.langs import ESPEAK_VOICES, get_language
from scodub.provision.piper import EMBEDDED_VOICE, embedded_english_model, piper_cache_dir

PIPER_HUB_REPO = "rhasspy/piper-voices"


@runtime_checkable
class Voice(Protocol):
    """A text-to-speech voice for one language."""

    @property
    def name(self) -> str: ...

    @property
    def language(self) -> str: ...  # ISO 639-1

    @property
    def sample_rate(self) -> int: ...

    @property
    def scripts(self) -> frozenset[str]: ...  # writing systems it can read

    @property
    def route(self) -> str: ...  # how it speaks the language, for the voice report

    def synthesize(self, text: str, *, rate: float = 1.0) -> np.ndarray:
        """Float32 mono samples; ``rate`` > 1 speaks faster (done by the engine itself)."""
        ...




def espeak_voice(language: str, variant: str = "") -> EspeakVoice:
    """The espeak-ng voice for a language (Tajik through the Persian voice), optionally in
    one of espeak-ng's voice variants (``m1``..``m8`` lower, ``f1``..``f5`` higher)."""
    lang = get_language(language)
    if lang.code not in ESPEAK_VOICES:
        raise LanguageError(
            f"no espeak-ng voice for {lang.name} ({lang.code}); voices exist for: "
            + ", ".join(ESPEAK_VOICES)
        )
    known = espeak_variants()
    if variant and known and variant not in known:  # espeak-ng would ignore it silently
        kinds = sorted(v for v in known if re.fullmatch(r"[mf]\d", v))
        raise ConfigError(
            f"--voice {lang.code}=espeak+{variant}: espeak-ng has no voice variant "
            f"{variant!r}; variants: {', '.join(kinds)} and {len(known) - len(kinds)} more"
        )
    # espeak-ng switches to its English rules for Latin-script names in any voice.
    scripts = frozenset({lang.script, "Latin"})
    suffix = f"+{variant}" if variant else ""
    if lang.code == "tg":
        return EspeakVoice(
            "tg", ESPEAK_VOICES["tg"] + suffix, scripts, transliterate=tajik_to_pinglish,
            route="espeak-ng Persian phonemes (fa-Latn): Tajik Cyrillic respelled letter by "
            "letter (dub.tajik)",
        )
    return EspeakVoice(lang.code, ESPEAK_VOICES[lang.code] + suffix, scripts)


def _piper_model_in(folder: Path, language: str) -> Path:
    models = sorted(folder.glob("*.onnx"))
    if not models:
        raise ModelError(f"{folder}: no Piper voice (.onnx file) in this folder")
    if len(models) == 1:
        return models[0]
    matching = [m for m in models if m.name.split("_")[0].split("-")[0].lower() == language]
    if len(matching) == 1:
        return matching[0]
    raise ConfigError(
        f"{folder}: holds several Piper voices; name one file: "
        + ", ".join(m.name for m in models)
    )


def _is_path_like(spec: str) -> bool:
    return spec.startswith((".", "/", "~")) or "/" in spec or "\\" in spec or spec.endswith(".onnx")


def _pulled_voice_names() -> list[str]:
    folder = piper_cache_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.onnx")))


def resolve_voice(language: str, spec: str | None = None) -> Voice:
    """The voice that dubs ``language``.

    ``spec``: ``None`` (the default voice), ``espeak`` (or a variant: ``espeak+f2``),
    ``piper`` (the embedded English voice), a Piper ``.onnx`` file or a folder holding
    one, or the name of a pulled voice; any Piper voice followed by ``#SPEAKER`` (a name or
    number) for one speaker of a multi-speaker model.
    """
    lang = get_language(language)
    if spec is None or spec.strip() == "":
        spec = "piper" if lang.code == "en" else "espeak"
    spec = spec.strip()
    if spec == "espeak":
        return espeak_voice(lang.code)
    if spec.startswith("espeak+"):
        return espeak_voice(lang.code, spec.removeprefix("espeak+"))
    if spec.startswith("espeak:"):  # as reports name it: espeak:VOICE or espeak:VOICE+VARIANT
        return _named_espeak_voice(lang.code, spec)
    if lang.code == "en" and spec == EMBEDDED_VOICE and not (piper_cache_dir() / spec).is_dir():
        spec = "piper"  # the embedded voice, by the name reports give it
    speaker: str | None = None
    if not Path(spec).expanduser().exists():  # a path may itself hold a "#"
        spec, speaker = split_speaker(spec)
    if spec == "piper":
        if lang.code != "en":
            raise ModelError(
                f"no embedded Piper voice for {lang.name}; pull one "
                f"(scodub models pull piper:NAME) and pass --voice {lang.code}=NAME, or use "
                f"--voice {lang.code}=espeak"
            )
        model = embedded_english_model()
    elif _is_path_like(spec) or Path(spec).expanduser().exists():
        path = Path(spec).expanduser()
        if not path.exists():
            raise ModelError(f"{path}: voice file or folder does not exist")
        model = _piper_model_in(path, lang.code) if path.is_dir() else path
    else:
        folder = piper_cache_dir() / spec
        if not folder.is_dir():
            pulled = _pulled_voice_names()
            raise ModelError(
                f"unknown voice {spec!r} for {lang.code}: expected espeak, piper, a Piper "
                ".onnx file or folder, or a pulled voice"
                + (f" ({', '.join(pulled)})" if pulled else "")
                + f"; fetch it with `scodub models pull piper:{spec}`"
            )
        model = _piper_model_in(folder, lang.code)
    voice = load_piper_voice(model, speaker)
    if voice.language != lang.code:
        raise LanguageError(
            f"{model}: this Piper voice speaks {voice.language!r}, not {lang.name} ({lang.code})"
        )
    return voice


def _named_espeak_voice(language: str, spec: str) -> EspeakVoice:
    name, _, variant = spec.removeprefix("espeak:").partition("+")
    own = espeak_voice(language)
    if name != own.espeak_voice:
        raise ConfigError(
            f"--voice {language}={spec}: {get_language(language).name} is spoken by the "
            f"espeak-ng voice {own.espeak_voice}, not {name!r}; write espeak or espeak+VARIANT"
        )
    return espeak_voice(language, variant)


def parse_voice_options(values: Iterable[str]) -> dict[str, str]:
    """``["ru=espeak", "en=/v/en.onnx"]`` (repeated ``--voice``) to ``{code: spec}``."""
    chosen: dict[str, str] = {}
    for value in values:
        code, sep, spec = value.partition("=")
        if ":" in code:
            continue  # LANG:SPEAKER=VOICE casts one speaker (scodub.dub.casting)
        if not sep or not code.strip() or not spec.strip():
            raise ConfigError(
                f"--voice {value!r}: expected LANG=VOICE, e.g. ru=espeak, en=piper, "
                "kk=kk_KZ-issai-high or fa=/voices/fa_IR-amir-medium.onnx"
            )
        lang = get_language(code).code
        if lang in chosen and chosen[lang] != spec.strip():
            raise ConfigError(
                f"--voice {value!r}: {lang} already has the voice {chosen[lang]!r}; "
                "give one voice per language"
            )
        chosen[lang] = spec.strip()
    return chosen


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    """Which voice spoke a language and how (for the dubbing report)."""

    language: str
    voice: str
    route: str
    sample_rate: int

    def to_json(self) -> dict[str, str | int]:
        return {
            "language": self.language,
            "voice": self.voice,
            "route": self.route,
            "sample_rate": self.sample_rate,
        }


def describe_voice(voice: Voice) -> VoiceInfo:
    return VoiceInfo(voice.language, voice.name, voice.route, voice.sample_rate)


_PIPER_NAME = re.compile(
    r"^(?P<locale>(?P<family>[a-z]{2,3})_[A-Z]{2})-(?P<dataset>[A-Za-z0-9_]+)-"
    r"(?P<quality>x_low|low|medium|high)$"
)


def piper_hub_files(name: str) -> tuple[str, str]:
    """Hub paths of a voice: ``en_US-joe-medium`` -> ``en/en_US/joe/medium/...onnx(.json)``."""
    match = _PIPER_NAME.match(name)
    if match is None:
        raise ConfigError(
            f"piper voice name {name!r}: expected LOCALE-NAME-QUALITY such as "
            "en_US-joe-medium or kk_KZ-issai-high (quality: x_low, low, medium, high)"
        )
    folder = "/".join(match.group("family", "locale", "dataset", "quality"))
    return f"{folder}/{name}.onnx", f"{folder}/{name}.onnx.json"


def _default_endpoint() -> str:
    try:
        from huggingface_hub import constants
    except ImportError:
        return "https://huggingface.co"
    return str(constants.ENDPOINT)


def _unreachable(endpoint: str, timeout_s: float = 5.0) -> str:
    """Why the hub cannot be reached ("" if a connection opens): fails fast offline,
    where huggingface_hub would retry for half a minute."""
    url = urllib.parse.urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout_s):
            return ""
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__


def _pull_hint(name: str, folder: Path) -> str:
    return (
        f"run `scodub models pull piper:{name}` where the hub is reachable and copy "
        f"{folder} here, or pass --voice LANG=/path/to/{name}.onnx"
    )


def pull_piper_voice(
    name: str, cache_dir: Path | None = None, *, endpoint: str | None = None
) -> Path:
    """Download a Piper voice (``.onnx`` and ``.onnx.json``) from the hub.

    Returns the ``.onnx`` path in ``cache_dir/<name>/`` (default: the scodub cache).
    ``endpoint`` overrides the hub address (a mirror; tests use a local server).
    """
    remote_model, remote_config = piper_hub_files(name)
    target = Path(cache_dir) if cache_dir is not None else piper_cache_dir()
    folder = target / name
    model = folder / f"{name}.onnx"
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:
        raise ModelError("pulling Piper voices needs the huggingface-hub package") from exc
    damaged: ModelError | None = None
    if model.is_file() and config_path_for(model).is_file():
        try:
            load_piper_voice(model)  # pulled before: prove it still loads, no network needed
            return model
        except ModelError as exc:  # damaged in the cache: fetched again (renamed over it)
            damaged = exc
    hub = endpoint or _default_endpoint()
    problem = _unreachable(hub)
    if problem and damaged is not None:
        raise ModelError(
            f"{damaged}; cannot fetch it again: the hub {hub} is unreachable ({problem})"
        ) from damaged
    if problem:
        raise ModelError(
            f"cannot fetch Piper voice {name!r}: the hub {hub} is unreachable ({problem}); "
            + _pull_hint(name, folder)
        )
    # One download folder per voice: a pull finishing removes its own, never the one
    # another voice's pull is downloading into.
    staging = target / ".downloads" / name
    try:
        fetched = [
            Path(hf_hub_download(PIPER_HUB_REPO, remote, cache_dir=staging, endpoint=endpoint))
            for remote in (remote_config, remote_model)
        ]
        for source, final in zip(fetched, (config_path_for(model), model), strict=True):
            with atomic_path(final) as tmp:
                shutil.copyfile(source, tmp)
    except ScodubError:
        raise
    except Exception as exc:  # huggingface_hub raises many network error types
        if model.is_file() and config_path_for(model).is_file():
            # A pull of the same voice at once delivered it (and removed the download
            # folder they shared): its files are whole, each was renamed into place.
            load_piper_voice(model)
            return model
        reason = str(exc).split(". ")[0].splitlines()[0][:200] if str(exc) else ""
        raise ModelError(
            f"cannot fetch Piper voice {name!r} from {PIPER_HUB_REPO} "
            f"({reason or type(exc).__name__}); " + _pull_hint(name, folder)
        ) from exc
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):  # kept while other voices download into it
        staging.parent.rmdir()
    load_piper_voice(model)  # prove it loads before reporting success
    return model
