"""``fssim reproduce NAME`` and ``fssim reproduce --list``: documented failures, run and explained."""

from __future__ import annotations

import click

from fssim.reproductions import REPRODUCTIONS, run_reproduction

__all__ = ["reproduce"]


@click.command()
@click.argument("name", required=False, type=click.Choice(sorted(REPRODUCTIONS)), metavar="NAME")
@click.option("--list", "list_them", is_flag=True, help="Name every reproducible failure.")
def reproduce(name: str | None, list_them: bool) -> None:
    """Reproduce a documented failure end to end: what was sent, what Segment's delivery log says, why,
    the fix, and the fix working. Exit code 0 when it behaved as documented.

    Start with: fssim reproduce data-not-accepted
    """
    if list_them or name is None:
        width = max(map(len, REPRODUCTIONS))
        click.echo("Reproducible failures (run: fssim reproduce NAME):")
        for item in REPRODUCTIONS.values():
            click.echo(f"  {item.name:<{width}}  {item.title}  [{item.rules}]")
        if name is None and not list_them:
            raise SystemExit(2)
        return
    raise SystemExit(0 if run_reproduction(name, click.echo) else 1)
