"""docs/guarantees.md X02, X03: passwords leave the disk as soon as they are read; log lines
are redacted whoever writes them."""

from __future__ import annotations

import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
from guarantee_support import row

from postdeploy.target.embedded import EmbeddedUnimedia


@pytest.mark.parametrize("case", [row("X02", "accounts.json")])
def test_accounts_file_is_gone_once_the_server_has_read_it(
    tmp_path: Path, monkeypatch, case: str
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server = EmbeddedUnimedia(log_path=tmp_path / "unimedia.log", faults="")
    settings = server.start()
    try:
        assert not list(tmp_path.rglob(case)), "the passwords are off the disk"
        assert not list(tmp_path.rglob("run-ca-key.pem")), "so is the run CA's private key"
        alice = next(a for a in settings.accounts if a.username == "alice")
        response = httpx.post(
            f"{settings.url}/api/v2/auth/login",
            json={"username": "alice", "password": alice.password.reveal()},
            timeout=10,
            verify=ssl.create_default_context(cafile=str(settings.ca_file)),
        )
        assert response.status_code == 200, "and the server still has them"
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert alice.password.reveal().encode() not in path.read_bytes(), path
    finally:
        server.stop()
    assert not list(tmp_path.glob("postdeploy-*"))


@pytest.mark.parametrize(
    "case", [row("X03", "http://ops:log-pass-2211@h.example/x?token=log-tok-3322")]
)
def test_log_lines_are_redacted(case: str) -> None:
    program = (
        "import logging\n"
        "from postdeploy.commands.common import setup_logging\n"
        "setup_logging(verbose=True, debug=False)\n"
        f"logging.getLogger('urllib3.connectionpool').error('retry %s', {case!r})\n"
        f"logging.getLogger('some.library').warning('calling %s', {case!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert "log-pass-2211" not in done.stderr
    assert "log-tok-3322" not in done.stderr
    assert "calling http://***@h.example/x?token=***" in done.stderr
