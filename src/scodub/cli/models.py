"""``scodub models``: what is installed, and pulling models where a hub is reachable."""

from __future__ import annotations

import re

import click

from scodub.cli.common import print_json
from scodub.provision.installed import list_installed
from scodub.provision.whisper import hub_names, pull_whisper


@click.group()
def models() -> None:
    """List installed models and voices, or pull new ones."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_command(as_json: bool) -> None:
    """Show installed models and where they are."""
    rows = list_installed()
    if as_json:
        print_json(
            [
                {"kind": r.kind, "name": r.name, "path": str(r.path), "status": r.status}
                for r in rows
            ]
        )
        return
    for row in rows:
        click.echo(f"{row.kind:8} {row.name:32} {row.status:34} {row.path}")


#: A model hub's repository id (``Systran/faster-whisper-small``), not a path.
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


@models.command("pull")
@click.argument("name")
@click.option("--force", is_flag=True, help="Fetch again even if present (NLLB).")
def pull_command(name: str, force: bool) -> None:
    """Fetch NAME: a Whisper model (tiny, small, large-v3, ...), an NLLB translation model
    (nllb-200-distilled-600M, nllb-200-distilled-1.3B) or a Piper voice (piper:VOICE, e.g.
    piper:ru_RU-irina-medium)."""
    if name.startswith("piper:"):
        from scodub.dub.voices import pull_piper_voice

        click.echo(str(pull_piper_voice(name.removeprefix("piper:"))))
        return
    from scodub.provision.nllb import NLLB_MODELS, pull_nllb

    if name in NLLB_MODELS:
        click.echo(str(pull_nllb(name, force=force)))
        return
    if name in hub_names() or (_REPO_ID.match(name) and ".." not in name):  # owner/name
        click.echo(str(pull_whisper(name)))
        return
    from scodub.errors import ConfigError

    raise ConfigError(
        f"unknown model {name!r}; expected a Whisper name ({', '.join(hub_names())}) or a "
        "hub repository id (OWNER/NAME)"
    )
