"""A voice refuses text in a writing system it cannot read (scripts: ``scodub.scripts``)."""

from __future__ import annotations

from scodub.errors import LanguageError
from scodub.scripts import foreign_scripts


def require_speakable(
    text: str,
    *,
    voice: str,
    language: str,
    scripts: frozenset[str],
    cue: int | None = None,
) -> None:
    """Raise LanguageError when ``text`` has letters in a script the voice cannot read."""
    foreign = foreign_scripts(text, scripts)
    if not foreign:
        return
    where = f"cue {cue}" if cue is not None else "text"
    found = ", ".join(f"{script} ({sample!r})" for script, sample in sorted(foreign.items()))
    raise LanguageError(
        f"{where}: the {language} voice {voice!r} cannot speak {found}; it reads "
        f"{' and '.join(sorted(scripts))} script. Is the cue in the wrong language?"
    )
