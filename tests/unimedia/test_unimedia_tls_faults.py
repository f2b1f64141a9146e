"""unimedia over HTTPS (``--tls-ca-cert``): the serving certificate, the TLS versions, and the
two TLS faults, seen from a plain ``ssl`` client as any client would see them."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme

from unimedia.errors import FaultSpecError
from unimedia.faults import parse_faults


def _peer_certificate(url: str, ca_file: str) -> dict:
    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=ca_file)
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=parts.hostname) as tls,
    ):
        return tls.getpeercert()


def _days_left(certificate: dict) -> float:
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(certificate["notAfter"]), tz=UTC)
    return (expires - datetime.now(UTC)).total_seconds() / 86400


def _handshake(url: str, version: ssl.TLSVersion) -> str | None:
    """The version negotiated when offering only ``version`` (at security level 0, the only
    level at which OpenSSL 3 can offer TLS 1.0/1.1 at all), or None when refused."""
    parts = urlsplit(url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the protocol version is under test, not the chain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with (
            socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
            context.wrap_socket(raw) as tls,
        ):
            return tls.version()
    except (ssl.SSLError, OSError):
        return None


def test_the_clean_service_serves_tls_1_2_up_with_a_90_day_certificate(start_unimedia) -> None:
    server = start_unimedia("", https=True)
    assert server.url.startswith("https://127.0.0.1:")
    certificate = _peer_certificate(server.url, server.ca_file)  # verified: chain and name
    assert 89 < _days_left(certificate) <= 90
    assert ("IP Address", "127.0.0.1") in certificate["subjectAltName"]
    assert _handshake(server.url, ssl.TLSVersion.TLSv1) is None
    assert _handshake(server.url, ssl.TLSVersion.TLSv1_1) is None
    assert _handshake(server.url, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"


def test_cert_expiring_issues_a_certificate_that_ends_within_days(start_unimedia) -> None:
    server = start_unimedia("cert_expiring:5", https=True)
    certificate = _peer_certificate(server.url, server.ca_file)  # still valid today
    assert 4.9 < _days_left(certificate) <= 5


def test_tls_legacy_versions_accepts_tls_1_0_and_1_1(start_unimedia) -> None:
    server = start_unimedia("tls_legacy_versions", https=True)
    assert _handshake(server.url, ssl.TLSVersion.TLSv1) == "TLSv1"
    assert _handshake(server.url, ssl.TLSVersion.TLSv1_1) == "TLSv1.1"
    assert _handshake(server.url, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"


@pytest.mark.parametrize(
    ("faults", "https", "message"),
    [
        ("tls_legacy_versions", False, "fault 'tls_legacy_versions' needs HTTPS"),
        ("cert_expiring@30s", True, "fault 'cert_expiring' takes effect at startup only"),
    ],
)
def test_a_tls_fault_the_service_cannot_honour_stops_it_at_startup(
    tmp_path: Path, base_env, faults: str, https: bool, message: str
) -> None:
    command = [sys.executable, "-m", "unimedia", "serve", "--port", "0", "--data", str(tmp_path)]
    if https:
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        ca.private_key_pem.write_to_path(str(tmp_path / "ca-key.pem"))
        command += ["--tls-ca-cert", str(tmp_path / "ca.pem")]
        command += ["--tls-ca-key", str(tmp_path / "ca-key.pem")]
    done = subprocess.run(
        command, env=base_env(UNIMEDIA_FAULTS=faults), capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert message in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("days", ["0", "-1", "3651", "soon"])
def test_cert_expiring_takes_a_number_of_days(days: str) -> None:
    with pytest.raises(FaultSpecError, match="bad parameter"):
        parse_faults(f"cert_expiring:{days}")
    assert parse_faults("cert_expiring").param("cert_expiring") == "7"
