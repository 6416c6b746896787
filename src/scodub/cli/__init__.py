"""The ``scodub`` command line: one group, one module per command family.

Any ScodubError becomes one line on stderr and a non-zero exit code; a traceback is a bug.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType

import click

from scodub import __version__
from scodub.cli.batch import batch
from scodub.cli.common import error_line
from scodub.cli.dub import dub
from scodub.cli.glossary import glossary
from scodub.cli.models import models
from scodub.cli.qc import qc
from scodub.cli.review import review
from scodub.cli.run import run
from scodub.cli.transcribe import transcribe
from scodub.cli.translate import translate
from scodub.errors import OutputError, ScodubError
from scodub.media.ffmpeg import terminate_children
from scodub.scratch import DISK_FULL, no_space, release_all


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scodub")
def cli() -> None:
    """scodub: subtitles and dubbing for film in the SCO languages.

    Transcribe a film (faster-whisper), translate its dialogue under a glossary of
    festival names, write aligned SRT tracks per language and dubbed audio tracks.
    """


for command in (transcribe, translate, run, dub, qc, review, models, glossary, batch):
    cli.add_command(command)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM or SIGINT: kill the ffmpeg children, remove the run's temporary folder, say
    so in one line and exit. Raising an exception here instead could land inside an interpreter
    hook (a fork handler, a finaliser) that only prints it and carries on. Finished
    outputs are kept: every output is renamed into place whole."""
    terminate_children()
    release_all()
    said = b"interrupted" if signum == signal.SIGINT else b"terminated"
    os.write(2, b"scodub: " + said + b"; finished work is kept (run again to resume)\n")
    os._exit(128 + signum)


def main() -> None:
    # Ctrl-C too: as a KeyboardInterrupt it could land in a ctypes callback of the voice
    # engine, which prints it and goes on (exit 0, a line voiced only in part, cached).
    # (A SIGINT ignored by whoever started us, as a shell does for background jobs, stays so.)
    wanted = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        wanted.append(signal.SIGINT)
    previous = {sig: signal.signal(sig, _on_sigterm) for sig in wanted}
    try:
        _main()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _main() -> None:
    try:
        cli.main(prog_name="scodub", standalone_mode=False)
    except ScodubError as exc:
        click.echo(error_line(exc), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("scodub: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, as for every other bad input
        where = exc.ctx.command_path if exc.ctx is not None else "scodub"
        message = " ".join(exc.format_message().split())
        click.echo(f"{where}: {message} (see '{where} -h')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("scodub: interrupted; finished work is kept (run again to resume)", err=True)
        sys.exit(130)
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        # A full disk met by a writer that does not know its folder (scodub.scratch).
        click.echo(error_line(no_space(Path(exc.filename or "the output folder"), exc)), err=True)
        sys.exit(OutputError.exit_code)
    except SystemExit:
        raise
    except BaseException:
        raise
    else:
        sys.exit(0)
