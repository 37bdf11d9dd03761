"""The ``fssim`` command (also ``python -m fssim``).

Each command's module is imported only when that command runs: ``fssim serve`` does not pay for Faker
(``generate``), nor ``fssim --help`` for Starlette, TinyDB and uvicorn. The table below names each
command's module and its one-line help, so the listing in ``fssim --help`` needs no import either; a
test checks that each line is the command's own short help, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click

from fssim import __version__

__all__ = ["COMMANDS", "LazyCommand", "cli", "main"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (``module:attribute``) and the line ``fssim --help`` shows for it."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):  # a wrong table entry is a bug, not user input
            raise TypeError(f"{self.target} is not a click command")
        return command


COMMANDS: dict[str, LazyCommand] = {
    "generate": LazyCommand("fssim.commands.traffic:generate",
                            "Generate Segment messages of realistic user journeys as JSON lines."),
    "reproduce": LazyCommand("fssim.commands.reproduce:reproduce",
                             "Reproduce a documented failure end to end: what was sent, what Segment's "
                             "delivery log says, why, the fix, and the fix working."),
    "scenario": LazyCommand("fssim.commands.scenarios:scenario",
                            "Scenarios: YAML stories (given / when / then) run against a fresh simulator each."),
    "send": LazyCommand("fssim.commands.traffic:send",
                        "Replay JSON-lines messages (FILE, or - for stdin) into a Segment Tracking API in "
                        "batches."),
    "serve": LazyCommand("fssim.commands.serve:serve",
                         "Serve the Segment Tracking API, the Freshsales API and the control API on one port."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (see the module's docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        return None if found is None else found.load()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing would import every command to ask it for its short help.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shortened(COMMANDS[name].summary, limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shortened(text: str, limit: int) -> str:
    """``text`` cut at a word to fit ``limit`` characters, with "..." when cut (as click shortens help)."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(",:;") + "..."


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fssim")
def cli() -> None:
    """fssim: a local simulator and test harness for the Segment -> Freshsales integration."""


def main() -> None:
    cli()
