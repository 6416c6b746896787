"""Which translation backend serves which language: NLLB folders and OpenAI-compatible
servers side by side, checked before any heavy work.

A backend is named by a *spec*: an NLLB name or folder (``nllb-200-distilled-600M``,
``/models/nllb``) or ``openai:MODEL`` (a chat model on the server at ``--mt-url``).
``--mt-model SPEC`` is the default for every language; ``--mt LANG=SPEC,LANG=SPEC`` routes
single languages elsewhere, e.g. ``zh=openai:qwen2.5,ru=openai:qwen2.5,kk=nllb-200-distilled-600M``.
The report's ``route`` says which backend made each language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scodub.errors import ConfigError
from scodub.langs import get_language

if TYPE_CHECKING:
    from scodub.mt.llm import AnswerCache
    from scodub.mt.localize import MtSettings
    from scodub.mt.nllb import Translator
    from scodub.mt.openai_client import ChatClient

OPENAI_PREFIX = "openai:"


def parse_routes(spec: str) -> tuple[tuple[str, str], ...]:
    """``zh=openai:MODEL,kk=nllb-200-distilled-600M`` -> ((zh, ...), (kk, ...))."""
    routes: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        lang, sep, backend = part.partition("=")
        if not sep or not backend.strip():
            raise ConfigError(
                f"--mt {part.strip()!r}: expected LANG=BACKEND, such as zh=openai:MODEL or "
                "kk=nllb-200-distilled-600M"
            )
        code = get_language(lang.strip()).code
        if code in routes:
            raise ConfigError(f"--mt: {code} is routed twice")
        routes[code] = backend.strip()
    return tuple(routes.items())


def is_llm(spec: str | None) -> bool:
    return spec is not None and spec.startswith(OPENAI_PREFIX)


def llm_model(spec: str) -> str:
    model = spec[len(OPENAI_PREFIX) :].strip()
    if not model:
        raise ConfigError(f"{spec!r}: name the model after openai:, e.g. openai:qwen2.5")
    return model


def backend_for(settings: MtSettings, lang: str) -> str | None:
    """The spec serving ``lang``: its route, else ``--mt-model`` (None: the default NLLB)."""
    return dict(settings.routes).get(get_language(lang).code, settings.model)


def make_client(settings: MtSettings, spec: str) -> ChatClient:
    from scodub.mt.openai_client import ChatClient, api_key_from_env, resolve_base_url

    return ChatClient(
        resolve_base_url(settings.url),
        llm_model(spec),
        api_key=api_key_from_env(),
        timeout_s=settings.timeout_s,
        concurrency=settings.concurrency,
    )


def _specs(settings: MtSettings, targets: Sequence[str]) -> dict[str | None, list[str]]:
    used: dict[str | None, list[str]] = {}
    for target in targets:
        used.setdefault(backend_for(settings, target), []).append(get_language(target).code)
    return used


def check_backends(settings: MtSettings, targets: Sequence[str]) -> None:
    """Preflight: every backend the targets need is there (an NLLB folder is complete and
    its device usable, a server answers and serves the model); one clear error line
    otherwise."""
    from scodub.mt.nllb import resolve_mt_device
    from scodub.provision.nllb import resolve_mt_model

    for spec in _specs(settings, targets):
        if is_llm(spec):
            assert spec is not None
            make_client(settings, spec).check()
        else:
            resolve_mt_model(spec)
            resolve_mt_device(settings.device, settings.compute_type)


def backends_identity(settings: MtSettings, targets: Sequence[str]) -> str:
    """What identifies the output of the backends serving ``targets`` (cache keys)."""
    from scodub.mt.llm import PROMPT_VERSION
    from scodub.mt.openai_client import public_url, resolve_base_url
    from scodub.provision.identity import side_files_identity
    from scodub.provision.nllb import resolve_mt_model

    parts: list[str] = []
    for spec, langs in sorted(_specs(settings, targets).items(), key=lambda kv: str(kv[0])):
        if is_llm(spec):
            assert spec is not None
            parts.append(
                f"{','.join(langs)}={spec}@{public_url(resolve_base_url(settings.url))}"
                f":p{PROMPT_VERSION}:w{settings.window}:{hash_text(settings.synopsis)}"
            )
        else:
            folder = resolve_mt_model(spec)
            stat = (folder / "model.bin").stat()
            parts.append(
                f"{','.join(langs)}={folder.resolve()}:{stat.st_size}:"
                f"{stat.st_mtime_ns}:{side_files_identity(folder)}:{settings.beam_size}"
            )
    return ";".join(parts)


def hash_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12] if text else ""


def load_backends(
    settings: MtSettings, targets: Sequence[str], cache: AnswerCache | None = None
) -> dict[str, Translator]:
    """One translator per target language; languages on the same backend share it."""
    from scodub.mt.llm import LlmTranslator
    from scodub.mt.nllb import NllbTranslator
    from scodub.provision.nllb import resolve_mt_model

    result: dict[str, Translator] = {}
    for spec, langs in _specs(settings, targets).items():
        translator: Translator
        if is_llm(spec):
            assert spec is not None
            translator = LlmTranslator(
                make_client(settings, spec),
                window=settings.window,
                synopsis=settings.synopsis,
                cache=cache,
                concurrency=settings.concurrency,
            )
        else:
            translator = NllbTranslator(
                resolve_mt_model(spec),
                device=settings.device,
                compute_type=settings.compute_type,
                beam_size=settings.beam_size,
                max_batch_size=settings.max_batch_size,
            )
        result.update(dict.fromkeys(langs, translator))
    return result


def read_context(path: Path | None) -> str:
    """The synopsis in ``--context FILE`` (plain text), or empty."""
    if path is None:
        return ""
    from scodub.errors import InputError
    from scodub.inputfiles import CONTEXT_MAX_BYTES, read_input_bytes

    data = read_input_bytes(path, what="a synopsis (plain text)", limit=CONTEXT_MAX_BYTES)
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot read the context file ({exc})") from exc


def routes_json(translators: Mapping[str, Translator]) -> dict[str, str]:
    return {lang: t.name for lang, t in translators.items()}
