"""The ``wapiti`` command line for a :class:`~postdeploy.scan.policy.ScanPlan`.

No secret is ever on it (any user of the machine can read a command line): the session
reaches Wapiti through its plugin and the child's environment.
"""

from __future__ import annotations

from pathlib import Path

from postdeploy.scan.policy import ScanPlan

__all__ = ["LOCAL_DNS_ENDPOINT", "PLUGIN", "SINK_ENDPOINT", "wapiti_argv"]

#: The file Wapiti runs as its ``--form-script`` (it imports nothing of postdeploy).
PLUGIN = Path(__file__).resolve().with_name("wapiti_plugin.py")
#: Where Wapiti's payloads point instead of its public endpoint (wapiti3.ovh): a port on
#: this machine nothing listens on, so a payload the target follows goes nowhere outside.
SINK_ENDPOINT = "http://127.0.0.1:9/"
LOCAL_DNS_ENDPOINT = "localhost"
REQUEST_TIMEOUT_S = 10.0


def wapiti_argv(
    executable: Path,
    plan: ScanPlan,
    *,
    report: Path,
    store: Path,
    openapi: Path | None,
) -> list[str]:
    """The arguments of one Wapiti run; ``store`` is a scratch directory for its session."""
    argv = [
        str(executable),
        "--url", plan.target_url,
        "--scope", "folder",  # the base URL's host, under its path: nothing else
        "--module", ",".join(plan.modules),
        "--format", "json",
        "--output", str(report),
        "--store-session", str(store / "session"),
        "--store-config", str(store / "config"),
        "--flush-session",  # never resume an earlier scan of the same URL
        "--no-bugreport",  # a crashing module must not post a report to the Wapiti project
        "--external-endpoint", SINK_ENDPOINT,
        # Wapiti builds every module, used or not; its log4shell module resolves its DNS
        # endpoint as it is built (dns.wapiti3.ovh by default): a lookup outside, unasked.
        "--dns-endpoint", LOCAL_DNS_ENDPOINT,
        "--max-scan-time", f"{plan.crawl_time_s:g}",  # Wapiti 3.2: bounds the crawl
        "--max-attack-time", f"{plan.module_time_s:g}",  # each module
        "--timeout", f"{REQUEST_TIMEOUT_S:g}",
        # Wapiti 3.2 checks no certificate unless asked; the target's CA reaches its httpx
        # through SSL_CERT_FILE (postdeploy.scan.run)
        "--verify-ssl", "1",
        "--form-script", str(PLUGIN),
        "--verbose", "1",
    ]  # fmt: skip
    if openapi is not None:
        argv += ["--swagger", str(openapi)]
    for pattern in plan.exclude:
        argv += ["--exclude", pattern]
    return argv
