"""The outside-project story: a new user's own project, using only the documented fixtures.

1. In a temporary project (no conftest, nothing from this repository but the installed plugin) a
   working integration passes and a deliberately broken one fails with a message naming the cause.
2. The same project against a *wheel* of fssim installed with pip into a fresh venv (built once for
   this module). Its dependencies come from this environment through a ``.pth`` line, because the test
   machine may have no network; fssim itself is the installed wheel (checked).
3. A project with *its own* ``simulator`` package, run with fssim installed both as ``python -m pytest``
   and as plain ``pytest``: the user's package is the user's, and the fssim fixtures work beside it.
   (While fssim's import package was called ``simulator``, the first aborted with "Error while loading
   plugin 'pytest11'" and the second handed the user fssim's package.)
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]

INTEGRATION = '''\
"""The shop's tracking: sign-ups go to Segment, which delivers them to Freshsales."""
from segment.analytics import Client


def make_client(write_key):
    return Client(write_key, sync_mode=True)  # default host: https://api.segment.io


def record_signup(client, user):
    client.identify(USER_ID(user), {"email": user["email"], "firstName": user["first_name"]})
'''
WORKING = INTEGRATION.replace("USER_ID(user)", 'user["email"]')
# The classic mistake: the database id as userId and no email trait -> Freshsales cannot create it.
BROKEN = INTEGRATION.replace("USER_ID(user)", 'str(user["id"])').replace('"email": user["email"], ', "")

USER_TEST = '''\
import pytest

from shop.tracking import make_client, record_signup


@pytest.mark.fssim_intercept
def test_a_signup_becomes_a_lead(fssim):
    fssim.connect("acme", source="web")
    record_signup(make_client("web-write-key"), {"id": 42, "email": "ada@example.com", "first_name": "Ada"})
    fssim.flush()
    fssim.assert_lead("ada@example.com", first_name="Ada")
'''


def _project(root: Path, tracking: str) -> None:
    (root / "shop").mkdir(exist_ok=True)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "tracking.py").write_text(tracking)
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / "test_signup.py").write_text(USER_TEST)
    (root / "pytest.ini").write_text("[pytest]\npythonpath = .\n")


def test_a_new_project_passes_and_a_broken_integration_fails_with_its_cause(pytester: pytest.Pytester) -> None:
    _project(pytester.path, WORKING)
    passed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    passed.assert_outcomes(passed=1)

    _project(pytester.path, BROKEN)
    failed = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    failed.assert_outcomes(failed=1)
    output = failed.stdout.str()
    assert "expected a lead with email 'ada@example.com'" in output
    assert "errors.discarded.400" in output
    assert "traits.email is required when the userId is not an email" in output


def _build_wheel(workdir: Path) -> Path:
    """A wheel of fssim, built from a copy of the sources so the checkout is never written to."""
    source = workdir / "source"
    shutil.copytree(REPO / "simulator", source / "simulator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(REPO / "pyproject.toml", source)
    readme = REPO / "README.md"
    (source / "README.md").write_text(readme.read_text() if readme.exists() else "fssim\n")
    wheels = workdir / "wheels"
    # Build isolation fetches the build backend from PyPI (cached after the first run); without a
    # registry there is no way to build the wheel, so the test says so instead of failing.
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                            str(source)], capture_output=True, text=True, cwd=workdir, timeout=600)
    if build.returncode != 0:
        pytest.skip(f"could not build a wheel (is PyPI reachable for the build backend?): {build.stderr[-500:]}")
    (wheel,) = wheels.glob("fssim-*.whl")
    return wheel


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the fssim wheel installed, as a user's project has it."""

    venv: Path
    site: str  # the venv's site-packages

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def pytest(self) -> Path:
        return self.venv / "bin" / "pytest"

    def run(self, command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        # Nothing of this test run leaks in: no PYTHONPATH, no PYTEST_ADDOPTS, no xdist worker variables.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    workdir = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(workdir)
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # Dependencies (starlette, uvicorn, pytest, the Segment SDK...) from this environment, offline. A
    # .pth line only adds the folder to sys.path: the folder's own .pth files (this checkout's editable
    # install among them) are not read, so the only fssim the venv can import is the wheel.
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    # pytest itself comes through the .pth line, so pip wrote no `pytest` command into this venv. Write
    # the one pip writes for pytest's console entry point: it runs with the script's folder, not the
    # working directory, first on sys.path (the one difference from `python -m pytest`).
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="pytest")
    launcher = venv / "bin" / "pytest"
    launcher.write_text(f"#!{python}\nimport sys\nfrom {entry.module} import {entry.attr}\n\n"
                        f"if __name__ == '__main__':\n    sys.exit({entry.attr}())\n")
    launcher.chmod(0o755)
    return Installed(venv, site)


def _where_fssim_is(installed: Installed, cwd: Path) -> str:
    where = installed.run([str(installed.python), "-c", "import fssim; print(fssim.__file__)"], cwd)
    assert where.returncode == 0, where.stderr
    return where.stdout.strip()


def test_the_wheel_carries_the_dashboard_templates_and_static_files(installed: Installed, tmp_path: Path) -> None:
    script = ("from starlette.testclient import TestClient\nfrom fssim.app import Simulator\n"
              "client = TestClient(Simulator().app, base_url='http://127.0.0.1')\n"
              "page, script = client.get('/'), client.get('/ui/static/debugger.js')\n"
              "print(page.status_code, script.status_code, '<h1>Overview</h1>' in page.text)")
    ran = installed.run([str(installed.python), "-c", script], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["200", "200", "True"]


def test_pip_installed_wheel_in_a_fresh_venv(installed: Installed, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _project(project, WORKING)
    assert _where_fssim_is(installed, project).startswith(installed.site)  # the installed wheel, not this checkout
    run = installed.run([str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


# The user's own package, named like fssim's top-level folder (and its old import package).
USER_SIMULATOR = {
    "__init__.py": '"""The shop\'s own traffic simulator."""\n\nWHO = "user"\n',
    "engine.py": "def checkout_total(prices):\n    return round(sum(prices) * 1.2, 2)\n",
}

USER_SIMULATOR_TEST = '''\
from pathlib import Path

import fssim as fssim_package
import simulator
from simulator.engine import checkout_total

PROJECT = Path(__file__).resolve().parents[1]


def test_my_simulator_is_my_own():
    assert simulator.WHO == "user"
    assert Path(simulator.__file__).resolve().parent == PROJECT / "simulator"
    assert checkout_total([10, 5]) == 18.0


def test_the_fssim_fixture_works_beside_it(fssim):
    assert Path(fssim_package.__file__).resolve().is_relative_to(Path(SITE).resolve())  # the wheel
    fssim.connect("acme", source="web")
    fssim.identify("ada@example.com", {"firstName": "Ada", "cfCartTotal": checkout_total([10, 5])})
    fssim.flush()
    fssim.assert_lead("ada@example.com", first_name="Ada")
    assert simulator.WHO == "user"  # fssim's fixtures loaded nothing over it
'''


def test_a_project_with_its_own_simulator_package(installed: Installed, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "simulator").mkdir(parents=True)
    _project(project, WORKING)
    for name, text in USER_SIMULATOR.items():
        (project / "simulator" / name).write_text(text)
    (project / "tests" / "test_own_simulator.py").write_text(
        USER_SIMULATOR_TEST.replace("SITE", repr(installed.site)))
    assert _where_fssim_is(installed, project).startswith(installed.site)

    for command in ([str(installed.python), "-m", "pytest"], [str(installed.pytest)]):
        run = installed.run([*command, "-q", "-p", "no:cacheprovider"], project)
        shown = " ".join(Path(part).name for part in command)
        assert run.returncode == 0, f"{shown}:\n{run.stdout}{run.stderr}"
        assert "3 passed" in run.stdout, f"{shown}:\n{run.stdout}"
        assert "Error while loading plugin" not in run.stdout + run.stderr
