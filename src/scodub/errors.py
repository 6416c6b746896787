"""One hierarchy of errors: the CLI turns any ScodubError into one line on stderr."""

from __future__ import annotations

from pathlib import Path


class ScodubError(Exception):
    """Base of every error scodub reports to a user (never a traceback)."""

    exit_code = 1


class InputError(ScodubError):
    """A user-supplied file is missing, unreadable or malformed.

    The message always names the file, and a line number where one applies.
    """

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {problem}")


class MediaError(InputError):
    """A media file cannot be probed, decoded or muxed."""


class SubtitleError(InputError):
    """An SRT file is malformed or not in the expected encoding."""


class GlossaryError(InputError):
    """A glossary file is not valid YAML or breaks the glossary format."""


class ManifestError(InputError):
    """A batch manifest cannot be read as one (its rows are not even checked): like a
    row's problem, nothing starts, and the exit code is 2."""

    exit_code = 2


class LanguageError(ScodubError):
    """A language code is unknown, or a stage cannot handle that language."""

    exit_code = 2


class ModelError(ScodubError):
    """A model is missing, damaged, or cannot be fetched (offline)."""


class OutputError(ScodubError):
    """An output cannot be written (unwritable folder, existing file without --force)."""


class ToolError(ScodubError):
    """An external tool scodub runs (ffmpeg) is missing, too old, or failed on its own
    account; the message names the tool, its version and how to fix it (never the film)."""


class ConfigError(ScodubError):
    """An option value is invalid; the message lists the valid choices."""

    exit_code = 2
