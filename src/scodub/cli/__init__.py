"""The ``scodub`` command line: one group, one module per command family.

Any ScodubError becomes one line on stderr and a non-zero exit code; a traceback is a bug.
"""

from __future__ import annotations

import sys

import click

from scodub import __version__
from scodub.cli.batch import batch
from scodub.cli.common import error_line
from scodub.cli.dub import dub
from scodub.cli.glossary import glossary
from scodub.cli.models import models
from scodub.cli.qc import qc
from scodub.cli.transcribe import run, transcribe
from scodub.cli.translate import translate
from scodub.errors import ScodubError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scodub")
def cli() -> None:
    """scodub: subtitles and dubbing for film in the SCO languages.

    Transcribe a film (faster-whisper), translate its dialogue under a glossary of
    festival names, write aligned SRT tracks per language and dubbed audio tracks.
    """


for command in (transcribe, translate, run, dub, qc, models, glossary, batch):
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except ScodubError as exc:
        click.echo(error_line(exc), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("scodub: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("scodub: interrupted; finished outputs are kept", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException:
        raise
    else:
        sys.exit(0)
