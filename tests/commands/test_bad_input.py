"""Bad input: one line on stderr, no traceback, an INCONCLUSIVE verdict.json, exit 2."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PASSWORDS = {
    "POSTDEPLOY_PASSWORD_ALICE": "pw-a",
    "POSTDEPLOY_PASSWORD_BOB": "pw-b",
    "POSTDEPLOY_PASSWORD_ADMIN": "pw-c",
}


def assert_inconclusive(result, *, mentions: str) -> None:
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert mentions in errors[0]
    verdict = result.verdict
    assert verdict["decision"] == "INCONCLUSIVE"
    assert verdict["not_checked"], "the verdict must say what was not checked"
    assert mentions in verdict["not_checked"][0]["why"]
    assert "VERDICT: INCONCLUSIVE" in result.stdout


class _Html(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hanging_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_unreachable_target(run_cli, base_env) -> None:
    result = run_cli("verify", "--target", "http://127.0.0.1:9", env=base_env(**PASSWORDS))
    assert_inconclusive(result, mentions="cannot connect to http://127.0.0.1:9")


def test_wrong_password(run_cli, start_unimedia) -> None:
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_PASSWORD_BOB="not-bobs-password")
    result = run_cli("verify", env=env)
    assert_inconclusive(result, mentions="login as bob refused (HTTP 401)")
    assert "not-bobs-password" not in result.stdout + result.stderr


def test_missing_password(run_cli, base_env) -> None:
    result = run_cli("verify", "--target", "http://127.0.0.1:9", env=base_env())
    # reachability is checked first: an unreachable target is the more useful message
    assert_inconclusive(result, mentions="cannot connect")


def test_malformed_config_file(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "postdeploy.toml"
    config.write_text('[target\nurl = "http://x"\n')
    result = run_cli("verify", "--config", str(config))
    assert_inconclusive(result, mentions="not valid TOML")


def test_config_file_with_a_password_is_refused(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "postdeploy.toml"
    config.write_text('[accounts.alice]\nrole = "user"\npassword = "hunter2"\n')
    result = run_cli("verify", "--config", str(config))
    assert_inconclusive(result, mentions="passwords are never read from the config file")
    assert "hunter2" not in result.stdout + result.stderr


def test_unknown_profile(run_cli) -> None:
    result = run_cli("verify", "--profile", "thorough")
    assert_inconclusive(result, mentions="unknown profile 'thorough'")


def test_unknown_stage(run_cli) -> None:
    result = run_cli("verify", "--stages", "smoke,fuzz")
    assert_inconclusive(result, mentions="unknown stage 'fuzz'")


def test_target_answering_html(run_cli, base_env, html_server: str) -> None:
    result = run_cli("verify", "--target", html_server, env=base_env(**PASSWORDS))
    assert_inconclusive(result, mentions="answered text/html")


def test_hanging_target(run_cli, base_env, hanging_server: str) -> None:
    result = run_cli(
        "verify", "--target", hanging_server, "--timeout", "1", env=base_env(**PASSWORDS)
    )
    assert_inconclusive(result, mentions="did not answer in time")


def test_unknown_fault_in_embedded_target(run_cli, base_env) -> None:
    result = run_cli("verify", env=base_env(UNIMEDIA_FAULTS="no_such_fault"))
    assert_inconclusive(result, mentions="unknown fault 'no_such_fault'")
