"""The ``fssim`` command (also ``python -m fssim``)."""

from __future__ import annotations

import click

from fssim import __version__
from fssim.commands.reproduce import reproduce
from fssim.commands.scenarios import scenario
from fssim.commands.serve import serve
from fssim.commands.traffic import generate, send

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fssim")
def cli() -> None:
    """fssim: a local simulator and test harness for the Segment -> Freshsales integration."""


cli.add_command(serve)
cli.add_command(generate)
cli.add_command(send)
cli.add_command(scenario)
cli.add_command(reproduce)


def main() -> None:
    cli()
