"""The TLS certificate of the live release is valid for at least N more days.

A certificate that expires during the deploy window or the 24-hour watch turns a good
release into an outage nobody deployed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from postdeploy.checks.tls import certificate_problems
from postdeploy.readiness.model import CheckState, ReadinessCheck

__all__ = ["certificate_check"]


def certificate_check(
    url: str, *, min_days: int, timeout_s: float, ca_file: Path | None = None
) -> ReadinessCheck:
    title = f"the TLS certificate is valid for at least {min_days} more days"
    if urlsplit(url).scheme != "https":
        return ReadinessCheck("tls:certificate", title, CheckState.SKIPPED,
                              "the target is not HTTPS: no certificate to check")  # fmt: skip
    problems = certificate_problems(
        url, min_days=min_days, timeout_s=timeout_s, cafile=str(ca_file) if ca_file else None
    )
    if problems:
        return ReadinessCheck(
            "tls:certificate", title, CheckState.FAILED, "; ".join(problems),
            "renew the certificate before the deploy (POSTDEPLOY_CERT_MIN_DAYS sets N)",
        )  # fmt: skip
    return ReadinessCheck("tls:certificate", title, CheckState.PASSED,
                          f"trusted, valid for at least {min_days} days")  # fmt: skip
