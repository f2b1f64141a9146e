"""``postdeploy serve`` refuses to start as an open gate: no token, or no allow-list."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "error: postdeploy serve needs a bearer token: set POSTDEPLOY_SERVE_TOKEN"),
        ({"POSTDEPLOY_SERVE_TOKEN": "t"}, "error: postdeploy serve verifies only allowed targets"),
    ],
)
def test_serve_refuses_to_start_open(run_cli, base_env, env, message) -> None:
    result = run_cli("serve", "--port", "0", env=base_env(**env), timeout=60)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # never printed a URL: never listened
