"""Start-up costs, pinned as counts (never as times): what ``import fssim.cli`` loads, and how often a
process builds the REST API's OpenAPI document. ``make bench`` (bench_startup) gives the times."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner
from starlette.testclient import TestClient

from fssim.app import Simulator, SimulatorConfig
from fssim.cli import COMMANDS, cli
from fssim.freshsales.rest import openapi_document

HEAVY = ("starlette", "tinydb", "uvicorn", "httpx", "faker", "hypothesis", "rich", "jinja2")


def test_importing_the_cli_loads_no_command_and_no_heavy_library() -> None:
    # A fresh interpreter: this test process has long imported all of them.
    probe = ("import sys, fssim.cli; "
             f"print(' '.join(m for m in {HEAVY!r} + ('fssim.commands.serve', 'fssim.app') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_help_lists_every_command_without_importing_them() -> None:
    probe = ("import sys; from click.testing import CliRunner; from fssim.cli import cli; "
             "result = CliRunner().invoke(cli, ['--help']); assert result.exit_code == 0, result.output; "
             "print(result.output); print('LOADED', *(m for m in sys.modules if m.startswith('fssim.commands.')))")
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert output.splitlines()[-1] == "LOADED"
    for name in COMMANDS:
        assert f"  {name} " in output


def test_each_listed_summary_is_the_commands_own_short_help() -> None:
    for name, lazy in COMMANDS.items():
        command = lazy.load()
        assert isinstance(command, click.Command)
        assert lazy.summary == command.get_short_help_str(limit=1000), name


def test_a_command_runs_through_the_lazy_group() -> None:
    result = CliRunner().invoke(cli, ["generate", "--users", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert '"type": "identify"' in result.output or '"type":"identify"' in result.output


def test_an_unknown_command_is_a_clear_usage_error() -> None:
    result = CliRunner().invoke(cli, ["serv"])
    assert result.exit_code == 2
    assert "No such command 'serv'" in result.output


def test_the_openapi_document_is_built_once_per_process_not_per_simulator() -> None:
    openapi_document.cache_clear()
    simulators = [Simulator(SimulatorConfig(frozen_clock=True)) for _ in range(3)]
    try:
        # A new simulator (so the fssim fixture) does not build it at all ...
        assert openapi_document.cache_info().misses == 0
        bodies = []
        for sim in simulators:
            with TestClient(sim.app) as client:
                bodies.append(client.get("/api/openapi.json").json())
                bodies.append(client.get("/crm/sales/api/openapi.json").json())
        # ... and the first request builds it for every simulator of the process.
        assert openapi_document.cache_info().misses == 1
        assert all(body == bodies[0] for body in bodies)
        assert bodies[0]["paths"]
    finally:
        for sim in simulators:
            sim.close()
