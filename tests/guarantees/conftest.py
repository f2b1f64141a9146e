"""Fixtures of the guarantees tests: one unimedia per xdist worker, shared by the rows that
need a working target (most rows fail before any target is needed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from guarantee_support import invoke  # noqa: F401 - a fixture, re-exported for the rows
from hostile_servers import hostile_server  # noqa: F401 - a fixture

from postdeploy.config import password_env_name
from postdeploy.target.embedded import EmbeddedUnimedia


@dataclass(frozen=True)
class SharedTarget:
    """A running unimedia and the environment that makes it the configured target."""

    url: str
    passwords: dict[str, str]

    def env(self, **extra: str) -> dict[str, str]:
        env = {"POSTDEPLOY_TARGET": self.url, "POSTDEPLOY_EXPECTED_VERSION": "2.0.0"}
        env.update({password_env_name(name): pw for name, pw in self.passwords.items()})
        env.update(extra)
        return env


@pytest.fixture(scope="session")
def shared_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedTarget]:
    """One unimedia for every row of this worker that needs a real target (rows only read
    from it, or write tagged data they remove)."""
    log = Path(tmp_path_factory.mktemp("shared-unimedia")) / "unimedia.log"
    # Plain HTTP: the rows are about inputs and events, not transport, and several of them
    # build other URLs from this one (HTTPS is covered by tests/target/test_embedded_https.py)
    server = EmbeddedUnimedia(log_path=log, faults="", https=False)
    settings = server.start()
    assert settings.url is not None
    yield SharedTarget(
        settings.url, {a.username: a.password.reveal() for a in settings.accounts if a.password}
    )
    server.stop()
