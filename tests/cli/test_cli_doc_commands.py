"""Every ``fssim`` command shown in a ```bash block of the README and docs runs and succeeds.

``http://127.0.0.1:8765`` (what ``make run`` serves) is replaced by a live demo server on a free port,
and each command runs in a scratch folder holding a copy of ``scenarios/``, so nothing is written into
the checkout. ``fssim serve`` itself is covered by ``test_cli_serve.py``.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fssim.app import Simulator, SimulatorConfig
from fssim.demo import seed_demo
from fssim.server import ServerThread

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MAKE_RUN_URL = "http://127.0.0.1:8765"


def _commands() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for block in re.findall(r"```bash\n(.*?)```", document.read_text(encoding="utf-8"), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                command = line.split("  #")[0].strip()
                if command.startswith("fssim ") and not command.startswith("fssim serve"):
                    found.append((document.name, command))
    return found


COMMANDS = _commands()


def test_the_docs_show_the_cli() -> None:
    shown = {command.split()[1] for _, command in COMMANDS}
    assert {"generate", "send", "scenario", "reproduce"} <= shown


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    sim = Simulator(SimulatorConfig(background_delivery=True))
    seed_demo(sim)
    with ServerThread(sim.app) as server:
        yield server.base_url


@pytest.mark.parametrize(("document", "command"), COMMANDS, ids=[f"{d}: {c[:60]}" for d, c in COMMANDS])
def test_each_documented_command_succeeds(document: str, command: str, demo_url: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    # `send` reads what a `generate` of the same block wrote: run the block's generate first.
    for _, other in COMMANDS:
        if other.startswith("fssim generate") and "--out" in other and other.split("--out")[1].split()[0] in command:
            subprocess.run([sys.executable, "-m", "fssim", *shlex.split(other)[1:]], cwd=tmp_path, check=True,
                           capture_output=True)
    args = shlex.split(command.replace(MAKE_RUN_URL, demo_url))[1:]
    result = subprocess.run([sys.executable, "-m", "fssim", *args], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{document}: `{command}` failed:\n{result.stdout}\n{result.stderr}"
