"""TLS checks for an HTTPS target: the certificate, and the protocol versions accepted.

Standard library only (``ssl``): the certificate is validated against the system trust
store exactly as a browser-like client would, and old protocol versions are probed by
offering *only* that version. Where this machine's OpenSSL refuses to even offer TLS 1.0
or 1.1 (Debian's default security level), the probe says so instead of claiming a pass.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = ["certificate_problems", "legacy_tls_versions_accepted"]


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 443


def certificate_problems(
    url: str,
    *,
    min_days: int,
    timeout_s: float,
    cafile: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Why the certificate of ``url`` would fail a client, or expires within ``min_days``.

    ``cafile``: trust this CA bundle instead of the system's (a private CA).
    """
    host, port = _host_port(url)
    context = ssl.create_default_context(cafile=cafile)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            certificate = tls.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        return [f"certificate rejected: {exc.verify_message or exc}"]
    except (ssl.SSLError, OSError) as exc:
        return [f"TLS handshake with {host}:{port} failed: {exc}"]
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(certificate["notAfter"])), tz=UTC)
    days = (expires - (now or datetime.now(UTC))).days
    if days < min_days:
        return [f"certificate expires in {days} day(s) ({expires:%Y-%m-%d}), under {min_days}"]
    return []


_LEGACY = (("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1))


def legacy_tls_versions_accepted(url: str, *, timeout_s: float) -> list[str]:
    """The protocol versions below TLS 1.2 that the server completes a handshake with."""
    host, port = _host_port(url)
    accepted = []
    for name, version in _LEGACY:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # only the protocol version is under test here
        try:
            with warnings.catch_warnings():
                # offering a deprecated protocol is the very point of this probe
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = version
                context.maximum_version = version
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            continue  # this OpenSSL cannot offer the version at all
        try:
            with (
                socket.create_connection((host, port), timeout=timeout_s) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                accepted.append(name)
        except (ssl.SSLError, OSError):
            continue  # refused: good
    return accepted
