"""Which pytest plugins the repository's configuration loads, and what pytest rewrites.

pyproject.toml turns entry-point autoloading off and names the plugins; conftest.py adds
pytest-rerunfailures where it is installed. Without that, pytest marks every module of
every installed distribution with a ``pytest11`` entry point (Hypothesis, Schemathesis,
Locust, …) for assertion rewriting — ~2 CPU-s of each smoke run where bytecode is not
cached — and Locust's plugin would patch the process with gevent.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import hypothesis

def test_probe():
    print("LOADER", type(hypothesis.__spec__.loader).__name__)
"""


def _pytest(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_the_suites_load_the_plugins_they_use_and_no_other() -> None:
    out = _pytest(str(REPO / "e2e"), "--collect-only", "-q", "--trace-config", cwd=REPO)
    registered = {
        line.split("<module '", 1)[1].split("'", 1)[0]
        for line in out.splitlines()
        if line.startswith("PLUGIN registered: <module '")
    }
    wanted = {"xdist.plugin", "allure_pytest.plugin", "postdeploy.pytest.plugin"}
    if find_spec("pytest_rerunfailures") is not None:  # the `ui` extra: e2e's retry
        wanted.add("pytest_rerunfailures")
    assert wanted <= registered, f"missing: {wanted - registered}"
    unwanted = {"_hypothesis_pytestplugin", "pytest_locust.plugin", "schemathesis.pytest.plugin"}
    assert not unwanted & registered


@pytest.mark.parametrize(
    ("addopts", "loader"),
    [
        (None, "SourceFileLoader"),  # the repository's own addopts
        ("-p no:hypothesispytest", "AssertionRewritingHook"),  # what it replaced
    ],
)
def test_libraries_are_imported_as_they_are_not_rewritten(
    tmp_path: Path, addopts: str | None, loader: str
) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    override = () if addopts is None else ("-o", f"addopts={addopts}")
    out = _pytest(
        "-c", str(REPO / "pyproject.toml"), "--rootdir", str(tmp_path), *override,
        "-s", "-q", str(tmp_path / "test_probe.py"), cwd=tmp_path,
    )  # fmt: skip
    assert f"LOADER {loader}" in out
