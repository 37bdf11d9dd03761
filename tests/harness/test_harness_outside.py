"""The outside-project story: a new user's own project, using only the documented fixtures.

1. In a temporary project (no conftest, nothing from this repository but the installed plugin) a
   working integration passes and a deliberately broken one fails with a message naming the cause.
2. The same project against a *wheel* of fssim installed with pip into a fresh venv under tmp_path.
   Its dependencies come from this environment through a ``.pth`` line, because the test machine may
   have no network; fssim itself is the installed wheel (checked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
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


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel of fssim, built from a copy of the sources so the checkout is never written to."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "simulator", source / "simulator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", source)
    readme = REPO / "README.md"
    (source / "README.md").write_text(readme.read_text() if readme.exists() else "fssim\n")
    wheels = tmp_path / "wheels"
    # Build isolation fetches the build backend from PyPI (cached after the first run); without a
    # registry there is no way to build the wheel, so the test says so instead of failing.
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                            str(source)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    if build.returncode != 0:
        pytest.skip(f"could not build a wheel (is PyPI reachable for the build backend?): {build.stderr[-500:]}")
    (wheel,) = wheels.glob("fssim-*.whl")
    return wheel


def test_pip_installed_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # Dependencies (starlette, uvicorn, the Segment SDK...) from this environment, offline.
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    project = tmp_path / "project"
    project.mkdir()
    _project(project, WORKING)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    where = subprocess.run([str(python), "-c", "import fssim; print(fssim.__file__)"],
                           capture_output=True, text=True, cwd=project, env=env, check=True).stdout
    assert where.startswith(site), where  # the installed wheel, not this checkout
    run = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], capture_output=True,
                         text=True, cwd=project, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
