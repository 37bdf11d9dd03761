"""The ``fssim`` command (also ``python -m simulator``)."""

from __future__ import annotations

import click

from simulator import __version__
from simulator.commands.reproduce import reproduce
from simulator.commands.scenarios import scenario
from simulator.commands.serve import serve
from simulator.commands.traffic import generate, send

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
