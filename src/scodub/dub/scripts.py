"""A voice refuses text in a writing system it cannot read (scripts: ``scodub.scripts``)."""

from __future__ import annotations

from scodub.errors import LanguageError
from scodub.scripts import foreign_scripts
from scodub.text.linebreak import visible_text


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


#: Pictographs a voice would read by name ("grinning face", "eighth note"): emoji,
#: dingbats and music signs, skin-tone modifiers, variation selectors.
_NOT_READ = (
    (0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x24FF), (0x25A0, 0x27BF),
    (0x2900, 0x297F), (0x2B00, 0x2BFF), (0xFE00, 0xFE0F), (0x1D100, 0x1D1FF),
    (0x1F000, 0x1FAFF),
)  # fmt: skip


def speech_text(cue_text: str) -> str:
    """What a voice reads of a cue: its visible text without pictographs and music
    signs (``♪ ♪`` is music, not words), spaces collapsed."""
    text = visible_text(cue_text)
    if text.isascii():
        return " ".join(text.split())
    kept = (" " if any(a <= ord(c) <= b for a, b in _NOT_READ) else c for c in text)
    return " ".join("".join(kept).split())
