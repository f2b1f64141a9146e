"""Fixtures for postdeploy's own tests: real unimedia servers with known accounts.

Each test that needs a target starts its own server (``tmp_path``, port 0), so tests run
in parallel under xdist without sharing state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpcore  # noqa: F401 - loaded before any pytester snapshot; see below
import pytest

from postdeploy.config import password_env_name
from postdeploy.target.embedded import EmbeddedUnimedia

pytest_plugins = ["pytester"]

# Why httpcore is imported above: every test that uses the ``pytester`` fixture restores
# ``sys.modules`` afterwards, dropping the modules first imported during it. httpx imports
# httpcore only when its first transport is built and caches httpcore's exception classes
# in a module global on its first request; if both happened inside a pytester test, later
# transports raise a *new* httpcore's ConnectError that the cache does not know, and it
# escapes unmapped ("httpcore.ConnectError: Connection refused" instead of httpx's), which
# failed the data and monitoring stage tests whenever xdist ran them after such a test.

REPO = Path(__file__).resolve().parents[1]


# The modules whose tests each take a minute or more (full verifications, browsers, Locust,
# rollbacks), slowest first, as `make test --durations` shows them. They run before the rest:
# xdist's worksteal hands each worker a contiguous half of the collection and steals from the
# end of a queue, so with these last (their alphabetical place) a run ended with one worker
# on a several-minute test and the other idle. First, the tail is made of sub-second tests.
# Only the order changes; a module missing here (or renamed) just runs in its usual place.
SLOW_FIRST = (
    "tests/suites/test_functional_verdicts.py",
    "tests/stages/test_load_stage.py",
    "tests/rollback/test_rollback_story.py",
    "tests/suites/test_e2e_checks_fail_on_faults.py",
    "tests/serve/test_gate_http.py",
    "tests/test_imports.py",
    "tests/stages/test_security_verdicts.py",
    "tests/reports/test_allure.py",
    "tests/watch/test_watch_cli.py",
    "tests/stages/test_monitoring_stage.py",
    "tests/suites/test_smoke_checks_fail_on_faults.py",
    "tests/suites/test_model_checks_fail_on_faults.py",
    "tests/guarantees/test_guarantee_sweep.py",
    "tests/suites/test_integration_checks_fail_on_faults.py",
    "tests/test_extending_docs.py",
    "tests/pytest/test_pytest_plugin.py",
    "tests/suites/test_contract_checks_fail_on_faults.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slow modules first (see ``SLOW_FIRST``); a stable sort, the same on every
    xdist worker, so the collections still match."""
    rank = {module: index for index, module in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(SLOW_FIRST)))


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any POSTDEPLOY_/UNIMEDIA_ settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env.update(extra)
    return env


@pytest.fixture
def base_env() -> Callable[..., dict[str, str]]:
    """``base_env(NAME=value, …)``: a clean environment for a subprocess under test."""
    return clean_environment


@dataclass(frozen=True)
class Server:
    """A running unimedia and the environment that lets postdeploy log in to it."""

    url: str
    passwords: dict[str, str]
    ca_file: str | None = None  # an HTTPS server's CA (start_unimedia(..., https=True))

    def env(self, **extra: str) -> dict[str, str]:
        env = clean_environment()
        env["POSTDEPLOY_TARGET"] = self.url
        env["POSTDEPLOY_EXPECTED_VERSION"] = "2.0.0"
        if self.ca_file:
            env["POSTDEPLOY_CA_FILE"] = self.ca_file
        for name, password in self.passwords.items():
            env[password_env_name(name)] = password
        env.update(extra)
        return env


@pytest.fixture
def start_unimedia(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a unimedia with the given faults ("" for none); stopped after the test.

    Plain HTTP unless ``https=True``: the tests using it talk to unimedia with bare httpx
    calls about what it serves, not how; HTTPS (the embedded target's default) is what
    ``https=True`` and the verify tests of the embedded target cover."""
    servers: list[EmbeddedUnimedia] = []

    def start(faults: str = "", *, https: bool = False) -> Server:
        server = EmbeddedUnimedia(
            log_path=tmp_path / f"unimedia-{len(servers)}.log", faults=faults, https=https
        )
        servers.append(server)
        settings = server.start()
        assert settings.url is not None
        return Server(
            settings.url,
            {a.username: a.password.reveal() for a in settings.accounts if a.password},
            str(settings.ca_file) if settings.ca_file else None,
        )

    yield start
    for server in servers:
        server.stop()


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def verdict(self) -> dict:
        return json.loads((self.report_dir / "latest" / "verdict.json").read_text())


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliRun]:
    """Run the real ``postdeploy`` command line in a subprocess."""

    def run(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180
    ) -> CliRun:
        report_dir = tmp_path / "reports"
        if env is None:
            env = clean_environment()
        reporting = args[0] in ("verify", "load")
        extra = ["--report-dir", str(report_dir)] if reporting else []
        completed = subprocess.run(
            [sys.executable, "-m", "postdeploy", *args, *extra],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd or tmp_path,
            timeout=timeout,
            check=False,
        )
        return CliRun(completed.returncode, completed.stdout, completed.stderr, report_dir)

    return run


@pytest.fixture
def run_smoke(tmp_path: Path) -> Callable[..., dict]:
    """Run ``pytest suites -m smoke`` against a server; return the stage result JSON."""

    def run(server: Server) -> dict:
        results = tmp_path / "smoke-result.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(REPO / "suites"),
                "-m",
                "smoke",
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(REPO),
                "--postdeploy-stage",
                "smoke",
                "--postdeploy-results",
                str(results),
            ],
            capture_output=True,
            text=True,
            env=server.env(),
            cwd=REPO,
            timeout=120,
            check=False,
        )
        return json.loads(results.read_text())

    return run
