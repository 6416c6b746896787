"""CLI pieces for translation models: pulling NLLB-200 (``scodub models pull NAME``)."""

from __future__ import annotations

from pathlib import Path

import click

from scodub.mtmodels import NLLB_MODELS, QUANTIZATIONS, pull_nllb


@click.command("pull")
@click.argument("name", type=click.Choice(list(NLLB_MODELS)))
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Put the model in DIR/NAME instead of the scodub cache.",
)
@click.option(
    "--quantization", type=click.Choice(QUANTIZATIONS), default="int8", show_default=True,
    help="CTranslate2 weight type of the converted model.",
)
@click.option("--force", is_flag=True, help="Download and convert again even if present.")
def pull_nllb_command(name: str, cache_dir: Path | None, quantization: str, force: bool) -> None:
    """Fetch NLLB-200 model NAME from the hub and convert it for CTranslate2.

    Needs internet access and transformers + torch for the conversion; the converted
    folder then works offline (copy it to other machines, or pass it as --mt-model).
    """
    folder = pull_nllb(name, cache_dir, quantization=quantization, force=force)
    click.echo(str(folder))
