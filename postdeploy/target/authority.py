"""A throw-away certificate authority for one run's embedded target.

The embedded unimedia serves HTTPS so that ``make verify`` exercises the certificate and
TLS-version checks a real deployment gets (issue 21). Its certificate is issued from a CA
made here, for this run only, with ``trustme``: the run's clients (httpx, the pytest
suites, Locust, Prometheus, Chromium, the scan) are told to trust ``cert_file`` explicitly,
so nothing changes the machine's trust store and nothing switches verification off. The
CA's key is written for the server to read at startup and removed once it has started.
"""

from __future__ import annotations

from pathlib import Path

from postdeploy.errors import EmbeddedTargetError

__all__ = ["RunAuthority"]

TRUSTME_HINT = "the embedded HTTPS target needs trustme: pip install -e '.[unimedia]'"


class RunAuthority:
    """A fresh CA whose certificate is ``cert_file`` (in ``directory``, alive for the run)."""

    def __init__(self, directory: Path) -> None:
        try:
            import trustme
        except ImportError as exc:
            raise EmbeddedTargetError(f"{TRUSTME_HINT} (or --embedded-http)") from exc
        self._ca = trustme.CA(organization_name="postdeploy run CA")
        self.cert_file = directory / "run-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.cert_file))

    def write_key(self, path: Path) -> Path:
        """The CA's private key at ``path`` (0600), for a server to issue its certificate."""
        path.touch(mode=0o600)
        self._ca.private_key_pem.write_to_path(str(path))
        return path
