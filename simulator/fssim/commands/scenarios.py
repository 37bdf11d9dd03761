"""``fssim scenario run [PATH ...]``: run scenario files and say which pass, and why the others fail."""

from __future__ import annotations

from pathlib import Path

import click

from fssim.scenario import collect, format_result, run_paths

__all__ = ["scenario"]


@click.group()
def scenario() -> None:
    """Scenarios: YAML stories (given / when / then) run against a fresh simulator each."""


@scenario.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the summary.")
def run(paths: tuple[Path, ...], quiet: bool) -> None:
    """Run scenario files, or every *.yaml in the folders given (default: ./scenarios).

    Exit code 0 only if every scenario passes; 1 if any fails or is malformed; 2 if none was found.
    """
    chosen = list(paths) or [Path("scenarios")]
    missing = [path for path in chosen if not path.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(map(str, missing))}")
    files = collect(chosen)
    if not files:
        click.echo(f"no scenario files (*.yaml) in {', '.join(map(str, chosen))}", err=True)
        raise SystemExit(2)
    results = []
    for path in files:  # one at a time, so a long run shows progress
        (result,) = run_paths([path])
        results.append(result)
        if not (quiet and result.passed):
            click.echo(format_result(result))
    passed = sum(result.passed for result in results)
    malformed = sum(result.error is not None for result in results)
    failed = len(results) - passed - malformed
    summary = f"{passed} passed, {failed} failed" + (f", {malformed} malformed" if malformed else "")
    click.echo(f"\n{summary} ({len(results)} scenario{'s' if len(results) != 1 else ''})")
    raise SystemExit(0 if passed == len(results) else 1)
