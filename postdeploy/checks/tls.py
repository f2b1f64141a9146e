"""TLS checks for an HTTPS target: the certificate, and the protocol versions accepted.

Standard library only (``ssl``): the certificate is validated against the system trust
store (or the target's own CA) exactly as a browser-like client would, and old protocol
versions are probed by offering *only* that version. OpenSSL 3 (Debian 12's) can offer
TLS 1.0/1.1 only at security level 0 — at the default level the client gives up before
sending anything ("no ciphers available") — so the probe asks for level 0, and where this
machine's OpenSSL still cannot offer a version, the probe says so (``not_offered``)
instead of counting it as refused.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

__all__ = ["LEGACY_CIPHERS", "LegacyTls", "certificate_problems", "probe_legacy_tls"]

#: The cipher string that lets OpenSSL 3 offer TLS 1.0/1.1 at all (their handshakes sign
#: with SHA-1, refused from security level 1 up).
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"
#: OpenSSL's reasons for a handshake *this client* gave up: not the server's no. Measured on
#: Debian 12 (OpenSSL 3.0) against a server that accepts TLS 1.0: offered at the default
#: level, the client sends its hello, the server answers in TLS 1.0, and the client aborts
#: with LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED — which a naive probe counts as "refused".
_CANNOT_OFFER = frozenset(
    {"NO_CIPHERS_AVAILABLE", "NO_PROTOCOLS_AVAILABLE", "LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED"}
)


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


@dataclass(frozen=True, slots=True)
class LegacyTls:
    """What the probe found: versions below TLS 1.2 the server accepted, and those this
    machine could not offer (so they were not checked)."""

    accepted: tuple[str, ...]
    not_offered: tuple[str, ...] = ()


def probe_legacy_tls(url: str, *, timeout_s: float, ciphers: str = LEGACY_CIPHERS) -> LegacyTls:
    """Offer the server TLS 1.0, then TLS 1.1, each alone; which does it complete a
    handshake with? ``ciphers``: what the probe offers (the default is the only one with
    which OpenSSL 3 can offer these versions at all)."""
    host, port = _host_port(url)
    accepted: list[str] = []
    not_offered: list[str] = []
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
            context.set_ciphers(ciphers)
        except (ValueError, ssl.SSLError):
            not_offered.append(name)  # this OpenSSL cannot offer the version at all
            continue
        try:
            with (
                socket.create_connection((host, port), timeout=timeout_s) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                accepted.append(name)
        except ssl.SSLError as exc:
            if exc.reason in _CANNOT_OFFER:
                not_offered.append(name)  # given up before the server had its say
            # else refused: good
        except OSError:
            continue  # refused (the connection closed or reset): good
    return LegacyTls(tuple(accepted), tuple(not_offered))
