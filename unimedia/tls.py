"""HTTPS for ``unimedia serve``: the serving certificate and the TLS versions accepted.

The service is given a CA (``--tls-ca-cert``/``--tls-ca-key``) and issues its own serving
certificate from it at startup, for the address it bound and ``localhost`` — what
cert-manager's CA issuer does for a service in a cluster. postdeploy's embedded target hands
it a throw-away CA made for the run (``postdeploy.target.authority``), so the run's clients
trust exactly this service, for this run, without touching any system trust store.

Two catalogue faults live here, where such bugs live in a deployment: ``cert_expiring``
(the certificate is issued to expire within days, as when renewal has silently stopped) and
``tls_legacy_versions`` (the server still accepts TLS 1.0 and 1.1). Both take effect at
startup: a certificate and a listening socket's TLS settings do not change while serving.
"""

from __future__ import annotations

import ssl
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from unimedia.errors import ConfigError
from unimedia.faults import FaultSet

__all__ = ["STARTUP_FAULTS", "TlsIssuer", "server_context"]

#: How long a clean serving certificate is valid: Let's Encrypt's 90 days.
CERTIFICATE_DAYS = 90

#: The faults read once, at startup (a delay would leave them off for good).
STARTUP_FAULTS = ("cert_expiring", "tls_legacy_versions")

#: Debian's OpenSSL 3 refuses TLS 1.0/1.1 handshakes at security level 1 and above (their
#: signature algorithms use SHA-1): a server that really accepts them needs level 0.
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"


class TlsIssuer:
    """The CA the service issues its serving certificate from (read from two PEM files)."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        try:
            import trustme
        except ImportError as exc:  # pragma: no cover -- part of the unimedia extra
            raise ConfigError("HTTPS needs trustme: pip install -e '.[unimedia]'") from exc
        try:
            self._ca = trustme.CA.from_pem(cert_file.read_bytes(), key_file.read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the TLS CA {cert_file} / {key_file}: {exc}") from exc

    def issue(self, host: str, *, days: float) -> bytes:
        """A certificate for ``host`` and ``localhost`` valid ``days`` from now: key + chain PEM."""
        now = datetime.now(UTC)
        identities = dict.fromkeys([host.strip("[]"), "localhost"])  # ordered, no duplicates
        leaf = self._ca.issue_cert(
            *identities,
            # a little in the past: a client whose clock is a second behind still accepts it
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=days),
        )
        return leaf.private_key_and_cert_chain_pem.bytes()


def _check_startup_faults(faults: FaultSet) -> None:
    for name in STARTUP_FAULTS:
        fault = next((f for f in faults.faults if f.name == name), None)
        if fault is not None and (fault.delay_seconds or fault.duration_seconds is not None):
            raise ConfigError(f"fault {name!r} takes effect at startup only: drop its @delay")


def server_context(issuer: TlsIssuer, host: str, faults: FaultSet, workdir: Path) -> ssl.SSLContext:
    """The listening socket's TLS context: TLS 1.2+ and a 90-day certificate, unless faulty.

    ``workdir``: where the key is written for the moment ``load_cert_chain`` reads it (the
    ssl module loads keys only from files); it is removed at once.
    """
    _check_startup_faults(faults)
    days = float(faults.param("cert_expiring") or CERTIFICATE_DAYS)
    pem = issuer.issue(host, days=days)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    key_file = workdir / "serving-key.pem"
    key_file.touch(mode=0o600)
    try:
        key_file.write_bytes(pem)
        context.load_cert_chain(key_file)
    finally:
        key_file.unlink(missing_ok=True)
    context.set_alpn_protocols(["http/1.1"])
    if faults.active("tls_legacy_versions"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the fault is the point
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers(LEGACY_CIPHERS)
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
