"""The one way scodub runs ffmpeg: which binary, whether it is new enough, how a command
runs, and whom its failure blames.

* **Which binary.** The static build inside the ``imageio-ffmpeg`` wheel, whose version
  ``pyproject.toml`` pins: every machine then runs the same, known ffmpeg, whatever its
  distribution ships (Debian 12 has 5.1, Ubuntu 22.04 has 4.4; filters and options differ
  between them). ``SCODUB_FFMPEG`` (a path, or a name on PATH) chooses another build.
* **Which version.** Whatever is chosen is checked once per process, at its first use, by
  ``ffmpeg -version`` against ``MIN_VERSION``: every filter and option scodub uses works
  from that release on (Debian 12's 5.1 and the bundled build run the media tests in CI).
  An older one stops the run with one line (found, needed, how to fix) that blames the
  tool, not the film. 4.2 lacks ``amix=normalize``, ``anullsrc=d``, ``alimiter=latency``
  and Matroska's ``default_mode``; 4.4 (Ubuntu 22.04) was not tested, so it is refused
  rather than trusted: the worker image runs the bundled build.
* **Running.** ``run_ffmpeg`` takes an argument list (never a shell string). The child dies
  with scodub: on Linux it asks the kernel for SIGKILL when its parent dies
  (``PR_SET_PDEATHSIG``, which also covers ``kill -9`` of scodub), and an exception in the
  parent (Ctrl-C, SIGTERM turned into an exception by the CLI) kills and reaps it first.
* **Errors.** A failure is read from ffmpeg's stderr: a full disk is an ``OutputError``
  naming the folder ("no space left on ..."), a filter or option this ffmpeg rejects is a
  ``ToolError`` naming the binary and its version, anything else is a ``MediaError`` on
  the file the command reads, with ffmpeg's own most specific line (not its last line,
  which is usually "Conversion failed!").
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scodub.errors import MediaError, OutputError, ScodubError, ToolError

#: The environment variable that chooses another ffmpeg than the bundled one.
ENV_VAR = "SCODUB_FFMPEG"
#: The oldest ffmpeg release scodub's commands are known to work with (Debian 12's).
MIN_VERSION = (5, 1)
#: libavfilter of that release, for builds that print no release number (git snapshots).
MIN_LIBAVFILTER = (8, 44)

_RELEASE = re.compile(r"^n?(\d+)\.(\d+)")
_LIBAVFILTER = re.compile(r"^libavfilter\s+(\d+)\.\s*(\d+)\.", re.MULTILINE)
#: stderr lines that say ffmpeg itself refused the command (an option or filter this
#: build does not know, or a value it does not accept): the tool is the problem.
_TOOL_PROBLEMS = re.compile(
    r"Error applying option|Error setting option|Unable to parse option value|Option \S+ not found|"
    r"No such filter|Unrecognized option|Unknown encoder|Encoder \S* ?not found|"
    r"Error initializing filter|Error reinitializing filters|Filter \S+ has an unconnected|"
    r"Invalid option|Missing argument for option",
    re.IGNORECASE,
)
#: Of those, the lines that name the option or filter: the ones a message should quote.
_TOOL_NAMING = re.compile(
    r"Error setting option|Error applying option '|Option \S+ not found|No such filter|"
    r"Unrecognized option|Unknown encoder|Encoder \S* ?not found|Missing argument for option",
    re.IGNORECASE,
)
_NO_SPACE = re.compile(r"No space left on device|Disk quota exceeded", re.IGNORECASE)
#: Lines that end most failures and say nothing about the cause (after the "[muxer @ 0x..]"
#: prefixes), and loudnorm's JSON report.
_GENERIC = re.compile(
    r"^(Conversion failed!|Error while (processing|filtering|decoding|opening encoder).*|"
    r"Failed to inject frame into filter network.*|Invalid argument|Exiting normally.*|"
    r"Error closing file.*|Error writing trailer.*|Terminating thread.*|"
    r"Task finished with error code.*|Error sending frames to consumers.*|"
    r"Could not open encoder before EOF|Error opening output files?.*|"
    r"Nothing was written into output file.*|size=.*|[{}]|\"\w+\" : .*)$"
)
_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")
_ERROR_WORDS = re.compile(
    r"error|invalid|cannot|could not|failed|not found|unable|no such|unsupported|incorrect|"
    r"too (large|small|big)|refused|denied|corrupt|truncated",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Ffmpeg:
    """The ffmpeg binary scodub runs, and what it says it is."""

    path: str
    version: str  # as ffmpeg prints it: "5.1.9-0+deb12u1", "n9.0.2-17-g2a571b6068-20260930"
    release: tuple[int, int] | None  # (5, 1); None when the version names no release
    libavfilter: tuple[int, int] | None
    chosen_by: str  # "SCODUB_FFMPEG" or "the bundled imageio-ffmpeg"

    def describe(self) -> str:
        return f"ffmpeg {self.version} ({self.path}, {self.chosen_by})"

    @property
    def new_enough(self) -> bool:
        if self.release is not None:
            return self.release >= MIN_VERSION
        return self.libavfilter is not None and self.libavfilter >= MIN_LIBAVFILTER


def _needed() -> str:
    return f"{MIN_VERSION[0]}.{MIN_VERSION[1]}"


def _how_to_fix(chosen_by: str) -> str:
    if chosen_by == ENV_VAR:
        return (
            f"unset {ENV_VAR} to use the bundled build (pip package imageio-ffmpeg) "
            "or point it at a newer ffmpeg"
        )
    return (
        "reinstall scodub's pinned imageio-ffmpeg (pip install --force-reinstall imageio-ffmpeg), "
        f"or set {ENV_VAR} to ffmpeg {_needed()} or newer"
    )


def _locate() -> tuple[str, str]:
    """(path, chosen_by): $SCODUB_FFMPEG, else the bundled build."""
    explicit = os.environ.get(ENV_VAR, "").strip()
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise ToolError(
                f"{ENV_VAR}={explicit}: no such ffmpeg (not an executable file, not on PATH); "
                + _how_to_fix(ENV_VAR)
            )
        return found, ENV_VAR
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe()), "the bundled imageio-ffmpeg"
    except (ImportError, RuntimeError) as exc:
        raise ToolError(
            f"no ffmpeg: the bundled build (imageio-ffmpeg) is missing ({exc}); "
            + _how_to_fix("bundled")
        ) from exc


def parse_version(text: str) -> tuple[str, tuple[int, int] | None, tuple[int, int] | None]:
    """(version, release, libavfilter) from the output of ``ffmpeg -version``."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    match = re.match(r"ffmpeg version (\S+)", first)
    if not match:
        raise ValueError(f"not ffmpeg's -version output: {first[:80]!r}")
    version = match.group(1)
    release_match = _RELEASE.match(version)
    release = (int(release_match[1]), int(release_match[2])) if release_match else None
    lavfi_match = _LIBAVFILTER.search(text)
    libavfilter = (int(lavfi_match[1]), int(lavfi_match[2])) if lavfi_match else None
    return version, release, libavfilter


@functools.cache
def ffmpeg() -> Ffmpeg:
    """The ffmpeg to run, checked once per process; raises ToolError if it cannot serve."""
    path, chosen_by = _locate()
    try:
        result = subprocess.run(
            [path, "-hide_banner", "-version"],
            capture_output=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        version, release, libavfilter = parse_version(result.stdout.decode("utf-8", "replace"))
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"{path} ({chosen_by}) does not run as ffmpeg ({exc}); "
                        + _how_to_fix(chosen_by)) from exc  # fmt: skip
    found = Ffmpeg(path, version, release, libavfilter, chosen_by)
    if not found.new_enough:
        raise ToolError(
            f"{found.describe()} is too old: scodub needs ffmpeg {_needed()} or newer; "
            + _how_to_fix(chosen_by)
        )
    return found


def check_ffmpeg() -> Ffmpeg:
    """Check the ffmpeg before any heavy work (cached: the first call does the work)."""
    return ffmpeg()


def ffmpeg_exe() -> str:
    """The path of the ffmpeg binary (checked)."""
    return ffmpeg().path


# --- running -------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent (the child only calls it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec function that makes the child receive SIGKILL when scodub dies.

    Only a call to an already-resolved C function and two system calls run between fork
    and exec. The death signal follows the thread that started the child, which here is
    the thread that waits for it.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: do not outlive it
            os._exit(1)

    return preexec


@dataclass(frozen=True, slots=True)
class FfmpegRun:
    """What a successful command printed."""

    stdout: bytes
    stderr: str


#: The ffmpeg children running now (killed by ``terminate_children`` on SIGTERM).
_CHILDREN: set[subprocess.Popen[bytes]] = set()


def terminate_children() -> None:
    """Kill every ffmpeg child still running (the CLI's SIGTERM handler calls this)."""
    for process in list(_CHILDREN):
        with contextlib.suppress(OSError):
            process.kill()


def run_ffmpeg(
    command: Sequence[str],
    *,
    what: str,
    source: Path | str,
    writes: Path | None = None,
    stdin: bytes | None = None,
    keep_stdout: bool = True,
) -> FfmpegRun:
    """Run one ffmpeg command (``command[0]`` is ``ffmpeg_exe()``) and return its output.

    ``what`` names the work for messages ("normalise the mix"), ``source`` is the file a
    failure blames, ``writes`` the file it writes (a full disk names that file's folder).
    Raises OutputError, ToolError or MediaError (see the module docstring).
    """
    binary = ffmpeg()
    argv = [str(arg) for arg in command]
    if argv[0] != binary.path:
        raise ValueError(f"not a command for the chosen ffmpeg ({binary.path}): {argv[0]}")
    with subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent(),  # only a resolved C call runs there (see its docstring)
    ) as process:
        _CHILDREN.add(process)
        try:
            out, err = process.communicate(stdin)
        except BaseException:
            # Ctrl-C, a failed write: the child must not go on writing after scodub gave
            # up on it.
            process.kill()
            process.wait()
            raise
        finally:
            _CHILDREN.discard(process)
    stderr = err.decode("utf-8", "replace")
    if process.returncode != 0:
        raise failure(binary, process.returncode, stderr, what=what, source=source, writes=writes)
    return FfmpegRun(stdout=out or b"", stderr=stderr)


def stream_ffmpeg(
    command: Sequence[str], *, what: str, source: Path | str, block_bytes: int
) -> Iterator[bytes]:
    """Run one ffmpeg command and yield its stdout ``block_bytes`` at a time (the last
    block may be shorter): what a long film decodes to is never held whole. Same binary
    check, death signal and errors as ``run_ffmpeg``; a failure raises after the last
    block ffmpeg wrote."""
    binary = ffmpeg()
    argv = [str(arg) for arg in command]
    if argv[0] != binary.path:
        raise ValueError(f"not a command for the chosen ffmpeg ({binary.path}): {argv[0]}")
    # stderr goes to a file: a pipe nobody reads could fill and stall ffmpeg.
    with tempfile.TemporaryFile() as errors, subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
        preexec_fn=_die_with_parent(),  # only a resolved C call runs there
    ) as process:
        assert process.stdout is not None
        try:
            while block := process.stdout.read(block_bytes):
                yield block
            process.wait()
        except BaseException:  # the consumer stopped early, or Ctrl-C / SIGTERM
            process.kill()
            process.wait()
            raise
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise failure(binary, process.returncode, stderr, what=what, source=source)


def failure(
    binary: Ffmpeg,
    returncode: int,
    stderr: str,
    *,
    what: str,
    source: Path | str,
    writes: Path | None = None,
) -> ScodubError:
    """The error that names the real culprit of a failed command."""
    if _NO_SPACE.search(stderr):
        folder = Path(writes).parent if writes is not None else Path(source).parent
        return OutputError(
            f"no space left on {folder} (could not {what}); free some space and run again "
            "(finished work is kept: the run resumes from it)"
        )
    if returncode < 0:
        name = _signal_name(-returncode)
        if -returncode == getattr(signal, "SIGXFSZ", -1):
            folder = Path(writes).parent if writes is not None else Path(source).parent
            return OutputError(f"{folder}: file size limit reached (could not {what}, {name})")
        return ToolError(f"{binary.describe()} was killed by {name} (asked to {what})")
    tool_lines = [line for line in _lines(stderr) if _TOOL_PROBLEMS.search(line)]
    tool_line = next((line for line in tool_lines if _TOOL_NAMING.search(line)), None)
    tool_line = tool_line or next(iter(tool_lines), None)
    if tool_line is not None:
        return ToolError(
            f"{binary.describe()} refused scodub's command to {what}: {tool_line}. "
            f"scodub needs ffmpeg {_needed()} or newer with its standard filters; "
            + _how_to_fix(binary.chosen_by)
        )
    return MediaError(source, f"cannot {what} ({reason(stderr, returncode)})")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip()]


def reason(stderr: str, returncode: int = 1) -> str:
    """ffmpeg's most specific line: the first error that is not a generic consequence
    ("Conversion failed!", "Error while filtering"), else the last specific line."""
    lines = _lines(stderr)
    specific = [line for line in lines if not _GENERIC.match(_PREFIX.sub("", line))]
    errors = [line for line in specific if _ERROR_WORDS.search(_PREFIX.sub("", line))]
    if errors:
        return errors[0]
    if specific:
        return specific[-1]
    return lines[-1] if lines else f"ffmpeg exit code {returncode}"
