"""The TLS checks against real local HTTPS servers (certificates made with openssl)."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from postdeploy.checks.tls import LegacyTls, certificate_problems, probe_legacy_tls

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for 3 days."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "3", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[Callable[..., str]]:
    """``https_server(minimum=TLSVersion)``: an HTTPS listener that only does handshakes."""
    sockets: list[socket.socket] = []

    def start(minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate[1], certificate[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0: the flaw under test
            context.minimum_version = minimum
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        listener = socket.create_server(("127.0.0.1", 0))
        sockets.append(listener)

        def serve() -> None:
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return  # closed: the test is over
                try:
                    context.wrap_socket(connection, server_side=True).close()
                except (ssl.SSLError, OSError):
                    connection.close()  # a refused handshake: what the probe looks for

        threading.Thread(target=serve, daemon=True).start()
        return f"https://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in sockets:
        listener.close()


def test_an_untrusted_certificate_is_named(https_server) -> None:
    problems = certificate_problems(https_server(), min_days=14, timeout_s=5)
    assert problems == ["certificate rejected: self-signed certificate"]


def test_a_certificate_expiring_soon_is_named(https_server, certificate) -> None:
    url = https_server()
    trusted = str(certificate[1])
    problems = certificate_problems(url, min_days=14, timeout_s=5, cafile=trusted)
    assert len(problems) == 1
    assert "under 14" in problems[0]
    assert certificate_problems(url, min_days=1, timeout_s=5, cafile=trusted) == []


def test_tls_below_1_2_is_detected(https_server) -> None:
    # Debian 12's OpenSSL 3 does both at security level 0, on the server and in the probe
    assert probe_legacy_tls(https_server(ssl.TLSVersion.TLSv1), timeout_s=5) == LegacyTls(
        ("TLS 1.0", "TLS 1.1")
    )
    assert probe_legacy_tls(https_server(), timeout_s=5) == LegacyTls(())


def test_a_version_the_probe_cannot_offer_is_not_counted_as_refused(https_server) -> None:
    # At OpenSSL's default security level the client cannot offer TLS 1.0/1.1 at all: that
    # is "not checked", never "refused" (the server would have accepted them)
    probe = probe_legacy_tls(https_server(ssl.TLSVersion.TLSv1), timeout_s=5, ciphers="DEFAULT")
    assert probe == LegacyTls((), ("TLS 1.0", "TLS 1.1"))
