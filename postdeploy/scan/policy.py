"""What the scan may do to a target: which modules, which URLs, how long.

Production safety lives here, as one pure function of the target's URL and the settings:

* **Modules.** A loopback target (the embedded reference, a service on this machine) gets
  the full scan: Wapiti's attack modules and its passive ones. Any other target gets the
  passive modules only (headers, cookies, CSP; TLS on HTTPS) unless ``active_scan`` —
  ``--active-scan`` — says otherwise, as ZAP's active scan already requires.
  Never run: modules that report to an outside server (``ssrf``, ``xxe``, ``log4shell`` ask
  wapiti3.ovh what the target fetched), that guess passwords (``brute_login_form`` locks
  the test accounts), that query outside DNS (``takeover``), or that upload
  (``upload``: untagged media in the test accounts, see the scope below).
* **Scope.** The target's host only (Wapiti's ``folder`` scope under the base URL); read
  operations of the API only (the OpenAPI document is cut to its GETs, see
  :mod:`postdeploy.scan.openapi`); never the login, logout, upload or delete endpoints
  (``-x`` patterns): a login under attack would lock the test account for the stages
  running beside the scan, the others write.
* **Time.** ``max_scan_time_s`` bounds the whole run: a Wapiti still running then is
  stopped and the scan is an error. Wapiti bounds its crawl (``--max-scan-time``, a quarter
  of the budget, at most a minute) and each module (``--max-attack-time``, what the crawl
  leaves) itself; a part cut at its bound makes the scan incomplete (an ERROR check, never
  a pass).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from postdeploy.config import ScanSettings
from postdeploy.errors import ConfigError

__all__ = [
    "ATTACK_MODULES",
    "EXCLUDED_PATHS",
    "FORBIDDEN_MODULES",
    "PASSIVE_MODULES",
    "ScanPlan",
    "is_loopback",
    "plan_scan",
]

#: Wapiti's attacks that the full scan runs: its default set, less what is forbidden.
ATTACK_MODULES = ("exec", "file", "sql", "xss", "permanentxss", "redirect", "crlf")
#: What Wapiti learns from ordinary answers: headers, cookies, the CSP.
PASSIVE_MODULES = ("cookieflags", "csp", "http_headers")
#: Looks at the TLS of an https:// target (nothing to look at over http://).
TLS_MODULES = ("ssl",)
#: module → why postdeploy never runs it, whatever the configuration says.
FORBIDDEN_MODULES = {
    "ssrf": "asks an outside server (wapiti3.ovh) what the target fetched",
    "xxe": "asks an outside server (wapiti3.ovh) what the target fetched",
    "log4shell": "asks an outside DNS server what the target resolved",
    "takeover": "queries outside DNS servers",
    "brute_login_form": "guesses passwords: locks the test accounts out",
    "upload": "uploads untagged files into the test accounts",
}
#: Paths (``*`` wildcards) never crawled or attacked: logins (an attack locks the account
#: the other stages use), logout (ends the scan's own session), writes and deletes, and the
#: operations endpoints (they take no input).
EXCLUDED_PATHS = (
    "/login",
    "/logout*",
    "/upload*",
    "/media/*/delete*",
    "/api/v2/auth/*",
    "/*logout*",
    "/*signout*",
    # operations endpoints: no input to attack, and probes read them all the time
    "/healthz",
    "/readyz",
    "/version",
    "/metrics",
)
CRAWL_SHARE = 0.25  # of the budget, at most CRAWL_CAP_S
CRAWL_CAP_S = 60.0
REPORT_MARGIN_S = 20.0  # start-up, the report, the session store


@dataclass(frozen=True, slots=True)
class ScanPlan:
    """One scan, decided: what runs, what is out of bounds, the time each part may take."""

    target_url: str
    modules: tuple[str, ...]
    attacks: bool
    why: str
    exclude: tuple[str, ...]  # absolute URL patterns, for Wapiti's -x
    excluded_paths: tuple[str, ...]  # the same, as path patterns (for the OpenAPI cut)
    crawl_time_s: float
    module_time_s: float
    deadline_s: float


def is_loopback(url: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: this machine, where attacks are allowed."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_scan(target_url: str, settings: ScanSettings) -> ScanPlan:
    """The scan ``settings`` allow against ``target_url``. Raises :class:`ConfigError` for
    a module postdeploy never runs."""
    base = target_url.rstrip("/")
    https = urlsplit(base).scheme == "https"
    loopback = is_loopback(base)
    attacks = loopback or settings.active_scan
    if settings.modules is not None:
        modules = settings.modules
        why = "the modules of scan.modules"
    elif attacks:
        modules = (*PASSIVE_MODULES, *ATTACK_MODULES)
        why = (
            "full scan: a loopback target"
            if loopback
            else "full scan: attacks explicitly requested (--active-scan)"
        )
    else:
        modules = PASSIVE_MODULES
        why = "passive modules only: not a loopback target (--active-scan attacks it)"
    if https and settings.modules is None:
        modules = (*modules, *TLS_MODULES)
    for name in modules:
        if name in FORBIDDEN_MODULES:
            raise ConfigError(
                f"scan.modules: postdeploy never runs {name}: {FORBIDDEN_MODULES[name]}"
            )
    passive = {*PASSIVE_MODULES, *TLS_MODULES}
    if not attacks and any(name not in passive for name in modules):
        beyond = ", ".join(name for name in modules if name not in passive)
        raise ConfigError(
            f"scan.modules: {beyond} would attack {base}, which is not a loopback target: "
            "pass --active-scan to allow it"
        )
    budget = settings.max_scan_time_s
    crawl = min(CRAWL_CAP_S, budget * CRAWL_SHARE)
    # Each module may use what the crawl leaves: splitting the budget evenly would cut the
    # busy modules (exec, file: a few thousand requests) on a loaded machine while the
    # passive ones finish in a second. The whole run is still bounded by the deadline.
    per_module = max(budget - crawl - REPORT_MARGIN_S, 1.0)
    paths = EXCLUDED_PATHS + tuple("/" + pattern.lstrip("/") for pattern in settings.exclude)
    return ScanPlan(
        target_url=base + "/",
        modules=tuple(dict.fromkeys(modules)),
        attacks=any(name not in passive for name in modules),
        why=why,
        exclude=tuple(base + path for path in paths),
        excluded_paths=paths,
        crawl_time_s=crawl,
        module_time_s=per_module,
        deadline_s=budget,
    )
