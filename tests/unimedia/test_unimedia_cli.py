"""``python -m unimedia serve`` as a real process: the URL line, signals, --watch-pid."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import unimedia
from unimedia.faults import CATALOGUE

REPO_ROOT = Path(unimedia.__file__).resolve().parent.parent
STARTUP_DEADLINE = 30.0


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIMEDIA_")}
    # Works whether or not the package is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _read_line(process: subprocess.Popen[str], deadline: float) -> str:
    """The first stdout line, polling with a deadline instead of blocking forever."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=deadline):
            raise AssertionError(f"no URL line within {deadline}s")
    return process.stdout.readline().strip()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str, **env: str) -> tuple[subprocess.Popen[str], str]:
        stderr = (tmp_path / f"server-{len(processes)}.log").open("w")
        command = [sys.executable, "-m", "unimedia", "serve", "--port", "0"]
        command += ["--data", str(tmp_path / "data"), *args]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, env=_env(**env)
        )
        stderr.close()
        processes.append(process)
        return process, _read_line(process, STARTUP_DEADLINE)

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_prints_the_url_and_stops_cleanly_on_sigterm(
    start_server: Callable[..., tuple[subprocess.Popen[str], str]], tmp_path: Path
) -> None:
    process, url = start_server()
    assert url.startswith("http://127.0.0.1:")
    assert not url.endswith(":0")
    response = httpx.get(f"{url}/healthz", timeout=5)
    assert response.json() == {"status": "ok"}

    passwords = json.loads((tmp_path / "data" / "accounts.json").read_text())["accounts"]
    login = httpx.post(
        f"{url}/api/v2/auth/login",
        json={"username": "alice", "password": passwords[0]["password"]},
        timeout=5,
    )
    assert login.status_code == 200

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert process.stdout is not None
    assert process.stdout.read() == ""  # exactly one line on stdout

    log = (tmp_path / "server-0.log").read_text()
    access = [json.loads(line) for line in log.splitlines() if line.startswith('{"event"')]
    assert {"method": "GET", "path": "/healthz", "status": 200}.items() <= access[0].items()
    assert all(entry["password"] not in log for entry in passwords)
    assert login.json()["access_token"] not in log


def test_sigint_also_exits_zero(
    start_server: Callable[..., tuple[subprocess.Popen[str], str]],
) -> None:
    process, _url = start_server()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 0


def test_watch_pid_stops_the_server_when_the_watched_process_ends(
    start_server: Callable[..., tuple[subprocess.Popen[str], str]],
) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        process, url = start_server("--watch-pid", str(sleeper.pid))
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
    assert process.wait(timeout=15) == 0


def _run_failing(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "unimedia", "serve", "--port", "0"]
    command += ["--data", str(tmp_path / "data"), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=_env(**env), timeout=60, check=False
    )


def test_unknown_fault_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = _run_failing(tmp_path, UNIMEDIA_FAULTS="unhealthy,explode")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "'explode'" in lines[0]
    assert "corrupt_upload" in lines[0]


def test_malformed_accounts_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text('{"accounts": [{"username": "alice"}]}')
    result = _run_failing(tmp_path, "--accounts", str(accounts))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "password" in result.stderr


def test_help_lists_the_faults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "unimedia", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=True,
    )
    assert all(name in result.stdout for name in CATALOGUE)


def test_unusable_database_url_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = _run_failing(tmp_path, "--database-url", "nosuchdb://x/y")
    assert result.returncode == 2
    # Startup logs may come first; the failure is one line, the last one, no traceback.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("unimedia: error: unusable database URL")
    assert "Traceback" not in result.stderr
