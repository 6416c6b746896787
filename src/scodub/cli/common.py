"""Output helpers shared by the CLI commands: error lines, JSON, the progress bar."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from scodub.errors import ScodubError

F = TypeVar("F", bound=Callable[..., Any])


def error_line(exc: ScodubError) -> str:
    text = " ".join(str(exc).split())
    return f"scodub: error: {text}"


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, float, float], None]]:
    """A tqdm bar on stderr for long work (hidden with --quiet or when not a terminal)."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}
    disabled = quiet or not sys.stderr.isatty()

    def update(stage: str, done: float, total: float) -> None:
        if disabled:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(
                total=round(total, 1), desc=stage, unit="s", leave=False, file=sys.stderr
            )
        bar.update(round(done, 1) - bar.n)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


def untranslated_warning(lang: str, info: Mapping[str, Any]) -> str | None:
    """``stages.run.untranslated_note`` as a warning line on stderr, else None."""
    from scodub.stages.run import untranslated_note

    note = untranslated_note(lang, info)
    return f"scodub: warning: {note}" if note else None
