"""The shape every stage has, and the one cache that serves them all.

A stage is a frozen dataclass: its fields are its inputs (the stages it needs among them)
and settings, all plain data, so ``to_json`` / ``stage_from_json`` carry it to another
process or machine that sees the same files. ``key()`` hashes the stage's identity (input
content hashes, model identity, settings) with the keys of the stages it needs. ``run``
computes its result; ``cached`` returns it from ``OUT/.scodub/<stage>/<key>.json`` when a
verified entry exists, else runs the stage and stores the result atomically.

A result is data (``to_json`` / the stage's ``load_result``) plus the artefacts it keeps
inside the cache folder (``files()``: a mix, a subtitle file); each artefact's size and
sha256 are stored with the entry and checked on every read, so a truncated, damaged or
missing artefact, or an entry of the wrong shape, is recomputed rather than trusted.
Outputs for people (SRT files, reports) are written from results by the run, every run.
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from scodub import __version__
from scodub.errors import ConfigError
from scodub.fsutil import sha256_file
from scodub.memory import release_memory
from scodub.serial import from_plain, to_plain
from scodub.stages.cache import StageCache, stage_key

Progress = Callable[[str, float, float], None]  # (stage, done, total)


class Result(Protocol):
    def to_json(self) -> dict[str, Any]: ...

    def files(self) -> tuple[Path, ...]: ...


R = TypeVar("R", bound=Result)


@dataclass(frozen=True, slots=True)
class Resources:
    """What a stage asks of a worker (for executors that place stages on machines)."""

    cpus: float = 1.0
    gpus: float = 0.0


#: Every stage class by its name: how a stage written as JSON finds its class again.
STAGES: dict[str, type[Stage[Any]]] = {}

S = TypeVar("S", bound="type[Stage[Any]]")


def register(cls: S) -> S:
    STAGES[cls.name] = cls
    return cls


class Stage(ABC, Generic[R]):
    """One step of the pipeline for one film (and language, where it has one)."""

    name: ClassVar[str]
    #: Bump when the stage's code changes what a cached result would hold.
    version: ClassVar[int] = 1

    def deps(self) -> tuple[Stage[Any], ...]:
        """The stages whose results this one reads."""
        return ()

    def model(self) -> str | None:
        """Identity of the model this stage holds while it runs (None: no model)."""
        return None

    def resources(self) -> Resources:
        return Resources()

    def label(self) -> str:
        """How the stage is named in plans, progress and reports."""
        return self.name

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """Everything besides the needed stages that determines the result."""

    def key(self) -> str:
        return stage_key(
            {
                "stage": self.name,
                "version": self.version,
                "identity": self.identity(),
                "deps": [dep.key() for dep in self.deps()],
            }
        )

    @abstractmethod
    def run(self, ctx: StageContext) -> R:
        """Compute the result (the needed stages' results come from ``ctx.result``)."""

    @abstractmethod
    def load_result(self, data: dict[str, Any], ctx: StageContext) -> R:
        """The result from its ``to_json`` (raises KeyError/TypeError/ValueError if the
        data is not of the right shape)."""

    def spec(self) -> dict[str, Any]:
        """The stage's fields as plain JSON data (stages are dataclasses of plain data)."""
        data: dict[str, Any] = to_plain(self)
        return data

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Stage[R]:
        """The stage again from ``spec()``."""
        stage: Stage[R] = from_plain(cls, spec)
        return stage

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.name, "spec": self.spec()}


def stage_from_json(data: Any) -> Stage[Any]:
    """The stage written by ``Stage.to_json``, its settings checked as the options that
    made them are (``validate``); a ConfigError line for data of another shape (a stage
    spec written by hand or by another version)."""
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        raise ConfigError('not a stage: expected {"stage": NAME, "spec": {...}}')
    name = data.get("stage")
    cls = STAGES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"unknown stage {name!r}; expected one of: {', '.join(sorted(STAGES))}")
    try:
        stage = cls.from_spec(data["spec"])
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"not a valid {cls.name} stage ({detail[:300]})") from None
    validated: Stage[Any] = _validated(stage)
    return validated


def _validated(value: Any) -> Any:
    """``value`` with every settings object in it (a stage's own, those of the stages it
    holds) passed through its ``validate()``: out-of-range settings fail as one line."""
    if isinstance(value, tuple):
        return tuple(_validated(v) for v in value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes = {}
    for f in dataclasses.fields(value):
        if not f.init:
            continue
        old = getattr(value, f.name)
        new = _validated(old)
        if new is not old:
            changes[f.name] = new
    if changes:
        value = dataclasses.replace(value, **changes)
    validate = getattr(value, "validate", None)
    return validate() if callable(validate) else value


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R]):
    """A stage's result and how it was had: run now, or reused from the cache."""

    stage: Stage[R]
    result: R
    reused: bool
    seconds: float


@dataclass
class StageContext:
    """What a running stage may use: the output folder and its cache, progress, loaded
    models (shared by the stages of a run), and the outcomes of this run so far."""

    out_dir: Path
    progress: Progress | None = None
    models: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, Outcome[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Artefact paths in cache entries are absolute: valid from any working folder.
        self.out_dir = Path(self.out_dir).resolve()

    @property
    def cache(self) -> StageCache:
        return StageCache(self.out_dir)

    def result(self, stage: Stage[R]) -> R:
        """A needed stage's result: from this run, the cache, or computed now."""
        return cached(stage, self).result

    def report(self, stage: str, done: float, total: float) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


def _fingerprint(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_file(path)}


def _verified(stage: Stage[R], entry: dict[str, Any] | None, ctx: StageContext) -> R | None:
    """The stored result when every artefact matches its fingerprint and the data loads."""
    if entry is None or entry.get("key") != stage.key():
        return None
    try:
        files = entry["files"]
        for name, expected in files.items():
            path = Path(name)
            if not path.is_file() or _fingerprint(path) != expected:
                return None
        result = stage.load_result(entry["result"], ctx)
        if sorted(str(p) for p in result.files()) != sorted(files):
            return None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OSError):
        return None
    return result


def is_cached(stage: Stage[Any], ctx: StageContext) -> bool:
    """Whether a verified result of ``stage`` is in the cache (nothing is run)."""
    return _verified(stage, ctx.cache.load(stage.name, stage.key()), ctx) is not None


def adopt(stage: Stage[Any], ctx: StageContext, peer_out: Path) -> bool:
    """Copy a finished result of ``stage`` from another output folder's cache (a batch row
    of the same film content, under another name) into this one, where ``cached`` then
    reuses it; only a result that holds no files (a transcript, the tracks), so that no
    folder depends on another's files. Whether one was copied."""
    key = stage.key()
    if is_cached(stage, ctx):
        return False
    entry = StageCache(Path(peer_out)).load(stage.name, key)
    if entry is None or entry.get("files") or _verified(stage, entry, ctx) is None:
        return False
    ctx.cache.store(stage.name, key, entry)
    return True


def cached(stage: Stage[R], ctx: StageContext) -> Outcome[R]:
    """The stage's result: reused when a verified entry exists, else computed and stored."""
    key = stage.key()
    known = ctx.outcomes.get(key)
    if known is not None:
        return known
    started = time.perf_counter()
    store = ctx.cache
    result = _verified(stage, store.load(stage.name, key), ctx)
    reused = result is not None
    if result is None:
        result = stage.run(ctx)
        release_memory()  # what the stage freed is not carried into the next one
        store.store(
            stage.name,
            key,
            {
                "scodub": __version__,
                "key": key,
                "stage": stage.to_json(),
                "result": result.to_json(),
                "files": {str(path): _fingerprint(path) for path in result.files()},
            },
        )
    outcome = Outcome(stage, result, reused, time.perf_counter() - started)
    ctx.outcomes[key] = outcome
    return outcome
