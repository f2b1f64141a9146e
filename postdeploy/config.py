"""Load and validate the configuration: ``postdeploy.toml`` < ``POSTDEPLOY_*`` < flags.

This is the boundary where untrusted input becomes typed values: the file is validated
with pydantic, everything after it works with frozen dataclasses. Passwords are read only
from the environment or from a file, never from ``postdeploy.toml`` (that file gets
committed), and they live in :class:`Secret` so that no repr, log line or report can
show them by accident.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from postdeploy.errors import ConfigError
from postdeploy.findings import Severity
from postdeploy.redact import redact_url

__all__ = [
    "DEFAULT_ACCOUNTS",
    "Account",
    "Config",
    "DataSettings",
    "GatePolicy",
    "LoadSettings",
    "MonitoringSettings",
    "ReadinessSettings",
    "ScanSettings",
    "Secret",
    "ServeSettings",
    "SloSettings",
    "SuiteSettings",
    "TargetSettings",
    "ZapSettings",
    "configured_report_dir",
    "load_config",
    "password_env_name",
    "process_environment",
    "run_id_from_environment",
    "tool_path_from_environment",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = "postdeploy.toml"
BROWSER_ENV = "POSTDEPLOY_BROWSER_PATH"
Role = Literal["user", "admin"]


class Secret:
    """A string that refuses to be printed: repr/str show a mask, ``reveal()`` the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Account:
    """A test account on the target. Authorization checks need two users and an admin."""

    username: str
    role: Role
    password: Secret | None = None


# The accounts unimedia seeds and most deployments of the service have for testing.
DEFAULT_ACCOUNTS: tuple[Account, ...] = (
    Account("alice", "user"),
    Account("bob", "user"),
    Account("admin", "admin"),
)


@dataclass(frozen=True, slots=True)
class TargetSettings:
    """What to verify. ``url=None`` means: start and verify the embedded unimedia."""

    url: str | None = None
    accounts: tuple[Account, ...] = DEFAULT_ACCOUNTS
    expected_version: str | None = None
    prometheus_url: str | None = None
    zap_url: str | None = None
    zap_api_key: Secret | None = None
    database_url: Secret | None = None
    timeout_s: float = 10.0
    # The CA the target's certificate chains to, trusted instead of the system's by every
    # client of the run (POSTDEPLOY_CA_FILE; the embedded target's: the run's own CA).
    ca_file: Path | None = None

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass(frozen=True, slots=True)
class GatePolicy:
    """How findings become a verdict. Defaults fail closed.

    ``accept_risks``: ``fnmatch`` patterns of finding origins (a check's node id, ``zap:<rule
    id>``) that a team has decided to live with: reported, never blocking.
    ``required_checks``: check ids whose *skipping* makes the verdict INCONCLUSIVE (the
    vulnerability scan on a real target, by default — see :data:`SCAN_CHECKS`).
    """

    block_severity: Severity = Severity.HIGH
    accept_risks: tuple[str, ...] = ()
    required_checks: tuple[str, ...] = ()


#: The check id under which the ZAP scan reports (skipped, errored, passed or failed).
ZAP_SCAN_CHECK = "zap:scan"
#: The check id under which the Wapiti scan reports.
WAPITI_SCAN_CHECK = "wapiti:scan"
#: The check id of the scan when no scanner could run (no ZAP configured, no Wapiti).
SCAN_CHECK = "scan"
#: What ``gate.require_scan`` requires: whichever scanner's check, never skipped.
SCAN_CHECKS = (SCAN_CHECK, ZAP_SCAN_CHECK, WAPITI_SCAN_CHECK)


@dataclass(frozen=True, slots=True)
class ZapSettings:
    """How the ZAP scan runs. Bounded by default: passive only, time- and size-limited.

    The ZAP address and API key live in :class:`TargetSettings` (``zap_url``,
    ``zap_api_key``); these are the scan's knobs.
    """

    active_scan: bool = False  # attacks the target: an explicit opt-in, never a default
    timeout_s: float = 300.0  # the whole scan: spider + passive drain (+ active scan)
    call_timeout_s: float = 30.0  # one call to ZAP's API
    max_children: int = 20  # the spider's per-node fan-out
    openapi_path: str | None = "/openapi.json"  # imported before spidering; None: spider only
    rules_file: Path | None = None  # None: the shipped security/zap-rules.tsv
    poll_interval_s: float = 1.0


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """The vulnerability scan when no ZAP is configured: Wapiti, bounded by default.

    Against a loopback target (the embedded reference among them) Wapiti runs its attack
    modules; against any other only the passive ones, unless ``active_scan`` (``--active-scan``)
    says otherwise. ``max_scan_time_s`` bounds the whole run (crawl, attacks, report); a scan
    cut short by it is an ERROR, never a pass. ``modules``: Wapiti module names instead of
    the policy's set (``None``). ``exclude``: more URL patterns (``*`` wildcards, paths
    relative to the target) kept out of the crawl and the attacks.
    """

    wapiti: bool = True  # False: never run Wapiti (the scan is "not checked" without ZAP)
    wapiti_path: Path | None = None  # None: discovered (PATH, then tools/wapiti/)
    active_scan: bool = False  # attacks a non-loopback target: an explicit opt-in
    max_scan_time_s: float = 300.0
    modules: tuple[str, ...] | None = None
    rules_file: Path | None = None  # None: the shipped security/wapiti-rules.tsv
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """The ``[load]`` table: which load profile, which endpoints are critical, and the
    judge's tolerances. Only what the file sets is here; the judge's defaults (and a
    calibration file) fill in the rest, so the verdict can say where each value came from."""

    profile: str | None = None  # None: quick on the embedded target, standard on a real one
    critical_endpoints: tuple[str, ...] | None = None  # None: the stage's default set
    tolerances: Mapping[str, float] = field(default_factory=dict)
    # "sequential": judged in rounds, stops when decided (issue 23); "fixed": one test after
    # the profile's fixed duration (the judge before issue 23)
    mode: Literal["sequential", "fixed"] = "sequential"
    # open loop: requests per second per side at Poisson arrival times; None: closed loop
    arrival_rate: float | None = None
    # the previous release, still running: loaded together with the target in one paired
    # run instead of comparing with a recorded baseline (--baseline-target)
    baseline_target: str | None = None


@dataclass(frozen=True, slots=True)
class DataSettings:
    """The ``[data]`` table: where the data stage finds the pre-deploy snapshot of a real
    target, and the blob store to checksum content in when it reads the database directly
    (the database URL itself is a secret: :attr:`TargetSettings.database_url`)."""

    snapshot: Path = Path("baselines/data-snapshot.jsonl")
    blob_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class SuiteSettings:
    """Knobs of the shipped suites (``[suites]``), read by their fixtures through the
    plugin's ``postdeploy_config`` fixture rather than from the environment."""

    leftover_age_s: float = 1800.0  # another run's test data older than this is swept
    contract_max_examples: int = 8  # generated requests per endpoint in the contract stage
    cert_min_days: int = 14  # a TLS certificate expiring sooner is a finding
    ca_file: Path | None = None  # a private CA the target's certificate chains to
    # The e2e checks' bound on one wait, before it is scaled by the machine's measured speed.
    e2e_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class SloSettings:
    """One ``[[slo]]`` table: an objective for the burn-rate rules (postdeploy.monitoring.slo).

    ``objective`` in percent of good events; ``period`` and ``threshold`` as durations
    (``30d``, ``250ms``); ``selector`` the label matchers of the requests counted (default:
    unimedia's /api/ routes); ``error_query``/``total_query`` replace the built-in queries
    (PromQL with ``{{.window}}``, as in a Sloth spec)."""

    name: str
    kind: Literal["availability", "latency"] = "availability"
    objective: float = 99.9
    period: str = "30d"
    threshold: str | None = None
    selector: str | None = None
    error_query: str | None = None
    total_query: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class MonitoringSettings:
    """The SLOs the watch and the monitoring stage judge: ``[[slo]]`` tables and/or a Sloth
    spec file (``[monitoring] slo_file``); neither → unimedia's API defaults."""

    slos: tuple[SloSettings, ...] = ()
    slo_file: Path | None = None


@dataclass(frozen=True, slots=True)
class ReadinessSettings:
    """``postdeploy preflight``'s thresholds (the ``[preflight]`` table): what "ready" means
    before a deploy. Ratios are of the whole (disk, memory) or of CPU time (idle)."""

    # The certificate threshold and private CA are the security stage's ([suites]): one
    # setting, read once, for the check before the deploy and the one after it.
    cert_min_days: int = 14
    min_disk_free_ratio: float = 0.15
    min_memory_available_ratio: float = 0.15
    min_cpu_idle_ratio: float = 0.20
    snapshot_max_age_s: float = 24 * 3600.0  # a pre-deploy snapshot older than this is stale
    backup_max_age_s: float = 24 * 3600.0
    # PromQL label matchers: the service's scrape job (as the rules use it) and the node
    # exporter's on its hosts.
    target_selector: str = 'job="unimedia"'
    node_selector: str = 'job="node"'
    ca_file: Path | None = None  # POSTDEPLOY_CA_FILE: a private CA for the certificate check


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """``postdeploy serve``: who may call it, which targets it may verify, how much it queues.

    ``allowed_targets``: base URLs (scheme://host[:port]) a request may name; anything else
    is refused before a single request reaches it. ``token``: the bearer token callers send
    (POSTDEPLOY_SERVE_TOKEN). ``answer_within_s``: how long a webhook answer waits for a
    verification before it says "still running" (below the caller's own timeout).
    """

    token: Secret | None = None
    allowed_targets: tuple[str, ...] = ()
    queue_size: int = 8
    answer_within_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Config:
    """Everything one run needs, already validated.

    The only place postdeploy reads its environment is :func:`load_config`; every setting
    a stage or child process uses is a field here (``docs/configuration.md`` lists them
    all, checked against this class by a test). ``environment`` is the environment the run
    was configured from, which child processes (pytest stages, Locust, the embedded
    unimedia) are started with explicitly, plus what postdeploy adds for them.
    """

    target: TargetSettings = field(default_factory=TargetSettings)
    profile: str = "smoke"
    stages: tuple[str, ...] | None = None
    report_dir: Path = Path("reports")
    gate: GatePolicy = field(default_factory=GatePolicy)
    zap: ZapSettings = field(default_factory=ZapSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    config_file: Path | None = None
    # The e2e stage's Chromium: POSTDEPLOY_BROWSER_PATH, else [browser] path, else found.
    browser_path: Path | None = None
    load: LoadSettings = field(default_factory=LoadSettings)
    # Where recorded baselines live (load, contract): one folder for every kind.
    baseline_dir: Path = Path("baselines")
    data: DataSettings = field(default_factory=DataSettings)
    suites: SuiteSettings = field(default_factory=SuiteSettings)
    # When the release went live (unix seconds); None: the start of the run.
    deployed_at: float | None = None
    # Catalogue faults for the embedded unimedia (UNIMEDIA_FAULTS); never for a real target.
    embedded_faults: str | None = None
    # The embedded unimedia serves plain HTTP instead of HTTPS with the run's own CA
    # (--embedded-http, POSTDEPLOY_EMBEDDED_HTTP=1).
    embedded_http: bool = False
    run_id: str | None = None  # a run id handed down by a parent run (POSTDEPLOY_RUN_ID)
    # Webhooks the watch notifies (POSTDEPLOY_ALERTMANAGER_WEBHOOKS / POSTDEPLOY_SLACK_WEBHOOKS,
    # comma-separated), besides those given as flags.
    alertmanager_webhooks: tuple[str, ...] = ()
    slack_webhooks: tuple[str, ...] = ()
    # The target is the embedded reference unimedia: started by this run (no URL), or by the
    # parent `postdeploy verify` whose stage this pytest session is (POSTDEPLOY_EMBEDDED=1).
    reference_target: bool = False
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def browser_origin(self) -> str:
        """Where :attr:`browser_path` came from, for an error message that says what to fix."""
        if self.browser_path is None:
            return ""
        if self.environment.get(BROWSER_ENV):
            return f"{BROWSER_ENV}={self.environment[BROWSER_ENV]}"
        return f"browser path {self.browser_path}"

    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    readiness: ReadinessSettings = field(default_factory=ReadinessSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    # Shadow mode (--dry-run): everything runs and is reported, the exit code is 0.
    dry_run: bool = False


# --- the file format (pydantic only here, at the boundary) -------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _AccountModel(_Strict):
    role: Role = "user"
    password_env: str | None = None
    password_file: Path | None = None


class _TargetModel(_Strict):
    url: str | None = None
    expected_version: str | None = None
    prometheus_url: str | None = None
    zap_url: str | None = None
    database_url_env: str | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=300)


class _GateModel(_Strict):
    block_severity: Severity = Severity.HIGH
    accept_risks: list[str] = Field(default_factory=list)
    # "auto": required on a real target, skipped-with-reason on the embedded one
    require_scan: bool | Literal["auto"] | None = None
    # the old name (until issue 20, when Wapiti joined ZAP): still read, with a warning
    require_zap_scan: bool | Literal["auto"] | None = None


class _ZapModel(_Strict):
    api_key_env: str | None = None
    active_scan: bool = False
    timeout_s: float = Field(default=300.0, gt=0, le=6 * 3600)
    call_timeout_s: float = Field(default=30.0, gt=0, le=600)
    max_children: int = Field(default=20, ge=0, le=10_000)
    openapi_path: str | None = "/openapi.json"
    rules_file: Path | None = None


class _ScanModel(_Strict):
    wapiti: bool = True
    wapiti_path: Path | None = None
    active_scan: bool = False
    max_scan_time_s: float = Field(default=300.0, gt=0, le=6 * 3600)
    modules: list[str] | None = None
    rules_file: Path | None = None
    exclude: list[str] = Field(default_factory=list)


class _RunModel(_Strict):
    profile: str = "smoke"
    stages: list[str] | None = None
    report_dir: Path = Path("reports")
    baseline_dir: Path = Path("baselines")


class _DataModel(_Strict):
    snapshot: Path = Path("baselines/data-snapshot.jsonl")
    blob_dir: Path | None = None


class _SuitesModel(_Strict):
    leftover_age_s: float = Field(default=1800.0, gt=0, le=30 * 86400)
    contract_max_examples: int = Field(default=8, ge=1, le=1000)
    cert_min_days: int = Field(default=14, ge=0, le=3650)
    ca_file: Path | None = None
    e2e_timeout_s: float = Field(default=10.0, ge=1, le=120)


class _BrowserModel(_Strict):
    path: Path | None = None


class _LoadModel(_Strict):
    profile: str | None = None
    critical_endpoints: list[str] | None = None
    # The judge's tolerances (postdeploy.baseline.judge.Tolerances); bounds keep a typo
    # from switching the judge off.
    confidence: float | None = Field(default=None, ge=0.8, lt=1)
    median_ratio: float | None = Field(default=None, gt=1, le=5)
    tail_quantile: float | None = Field(default=None, ge=0.9, lt=1)
    tail_ratio: float | None = Field(default=None, gt=1, le=10)
    error_rate_delta: float | None = Field(default=None, ge=0, le=0.5)
    min_samples: int | None = Field(default=None, ge=10, le=100_000)
    min_tail_exceedances: int | None = Field(default=None, ge=1, le=1000)
    power: float | None = Field(default=None, ge=0.5, lt=1)
    tail_excess: float | None = Field(default=None, gt=0, le=0.2)
    machine_ratio: float | None = Field(default=None, gt=1, le=3)
    mode: Literal["sequential", "fixed"] = "sequential"
    arrival_rate: float | None = Field(default=None, gt=0, le=5000)
    baseline_target: str | None = None


_DURATION_TEXT = r"^\d+(\.\d+)?(ms|s|m|h|d)$"


class _SloModel(_Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Literal["availability", "latency"] = "availability"
    objective: float = Field(default=99.9, gt=0, lt=100)
    period: str = Field(default="30d", pattern=_DURATION_TEXT)
    threshold: str | None = Field(default=None, pattern=_DURATION_TEXT)
    selector: str | None = None
    error_query: str | None = None
    total_query: str | None = None
    description: str = ""


class _MonitoringModel(_Strict):
    slo_file: Path | None = None


class _PreflightModel(_Strict):
    min_disk_free_ratio: float = Field(default=0.15, ge=0, lt=1)
    min_memory_available_ratio: float = Field(default=0.15, ge=0, lt=1)
    min_cpu_idle_ratio: float = Field(default=0.20, ge=0, lt=1)
    snapshot_max_age_s: float = Field(default=24 * 3600.0, gt=0)
    backup_max_age_s: float = Field(default=24 * 3600.0, gt=0)
    target_selector: str = 'job="unimedia"'
    node_selector: str = 'job="node"'


class _ServeModel(_Strict):
    allowed_targets: list[str] = Field(default_factory=list)
    token_env: str | None = None
    queue_size: int = Field(default=8, ge=1, le=1000)
    answer_within_s: float = Field(default=5.0, gt=0, le=600)


class _FileModel(_Strict):
    target: _TargetModel = _TargetModel()
    browser: _BrowserModel = _BrowserModel()
    accounts: dict[str, _AccountModel] = Field(default_factory=dict)
    gate: _GateModel = _GateModel()
    zap: _ZapModel = _ZapModel()
    scan: _ScanModel = _ScanModel()
    run: _RunModel = _RunModel()
    load: _LoadModel = _LoadModel()
    data: _DataModel = _DataModel()
    suites: _SuitesModel = _SuitesModel()
    slo: list[_SloModel] = Field(default_factory=list)
    monitoring: _MonitoringModel = _MonitoringModel()
    preflight: _PreflightModel = _PreflightModel()
    serve: _ServeModel = _ServeModel()


def password_env_name(username: str) -> str:
    """The default variable holding an account's password: ``POSTDEPLOY_PASSWORD_<USER>``."""
    return "POSTDEPLOY_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", username).upper()


def load_config(
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Build the run's :class:`Config`: file, then environment, then ``overrides`` (flags).

    ``overrides`` keys: url, profile, stages, report_dir, expected_version, timeout_s,
    zap_active_scan, active_scan (ZAP's and Wapiti's), max_scan_time_s, load_profile, dry_run,
    baseline_target, embedded_http.
    Raises :class:`ConfigError` with a one-line message on any invalid input.
    """
    env = dict(os.environ if environ is None else environ)
    flags = {key: value for key, value in (overrides or {}).items() if value is not None}
    here = cwd or Path.cwd()
    path = _config_path(config_file, env, here)
    model = _read_file(path) if path else _FileModel()
    base_dir = path.parent if path else here

    url = _target_url(flags.get("url"), env.get("POSTDEPLOY_TARGET"), model.target.url)
    profile = flags.get("profile") or env.get("POSTDEPLOY_PROFILE") or model.run.profile
    stages = _stage_list(flags.get("stages") or env.get("POSTDEPLOY_STAGES"), model.run.stages)
    report_dir = Path(
        flags.get("report_dir") or env.get("POSTDEPLOY_REPORT_DIR") or model.run.report_dir
    )
    if not report_dir.is_absolute():
        report_dir = here / report_dir
    timeout_s = _float(
        flags.get("timeout_s") or env.get("POSTDEPLOY_TIMEOUT"), model.target.timeout_s
    )
    block = env.get("POSTDEPLOY_BLOCK_SEVERITY") or model.gate.block_severity
    try:
        block_severity = Severity(block)
    except ValueError:
        raise ConfigError(
            f"POSTDEPLOY_BLOCK_SEVERITY={block!r} is not one of "
            f"{', '.join(s.value for s in Severity)}"
        ) from None

    suites = _suite_settings(model.suites, env, here, base_dir)
    target = TargetSettings(
        url=_target(url) if url else None,
        accounts=_accounts(model, env, base_dir),
        expected_version=flags.get("expected_version")
        or env.get("POSTDEPLOY_EXPECTED_VERSION")
        or model.target.expected_version,
        prometheus_url=_optional_url(
            env.get("POSTDEPLOY_PROMETHEUS_URL") or model.target.prometheus_url, "prometheus_url"
        ),
        zap_url=_optional_url(env.get("POSTDEPLOY_ZAP_URL") or model.target.zap_url, "zap_url"),
        zap_api_key=_secret_env(env, model.zap.api_key_env or "POSTDEPLOY_ZAP_API_KEY"),
        database_url=_database_url(model, env),
        timeout_s=timeout_s,
        ca_file=suites.ca_file,
    )
    if path is not None and not model.model_fields_set and target.url is None:
        # An empty postdeploy.toml is a file someone meant to fill in (or a template that
        # came out empty): not a request to verify the demo service and answer GO.
        raise ConfigError(
            f"{path}: the file is empty and no target is given: name the deployment to "
            "verify ([target] url, POSTDEPLOY_TARGET or --target); to verify the embedded "
            "reference service, run without a config file"
        )
    browser = env.get(BROWSER_ENV)
    return Config(
        target=target,
        profile=profile,
        stages=stages,
        report_dir=report_dir,
        gate=_gate_policy(model, env, block_severity, embedded=target.embedded),
        zap=_zap_settings(model, env, flags, base_dir),
        scan=_scan_settings(model.scan, env, flags, base_dir),
        config_file=path,
        browser_path=Path(browser) if browser else _relative_to(model.browser.path, base_dir),
        load=_load_settings(
            model.load,
            flags.get("load_profile") or env.get("POSTDEPLOY_LOAD_PROFILE"),
            flags.get("baseline_target"),
        ),
        baseline_dir=_path_setting(
            env.get("POSTDEPLOY_BASELINE_DIR"), model.run.baseline_dir, here, here
        ),
        data=_data_settings(model.data, env, here, base_dir),
        suites=suites,
        deployed_at=_deployed_at(env.get("POSTDEPLOY_DEPLOYED_AT", "")),
        embedded_faults=(env.get("UNIMEDIA_FAULTS") or None) if target.embedded else None,
        embedded_http=bool(flags.get("embedded_http"))
        or _flag_env(env, "POSTDEPLOY_EMBEDDED_HTTP"),
        run_id=env.get("POSTDEPLOY_RUN_ID") or None,
        reference_target=target.embedded or env.get("POSTDEPLOY_EMBEDDED") == "1",
        alertmanager_webhooks=_list(env.get("POSTDEPLOY_ALERTMANAGER_WEBHOOKS", "")),
        slack_webhooks=_list(env.get("POSTDEPLOY_SLACK_WEBHOOKS", "")),
        monitoring=_monitoring_settings(model, base_dir),
        readiness=_readiness_settings(model.preflight, suites),
        serve=_serve_settings(model.serve, env),
        dry_run=bool(flags.get("dry_run")),
        environment=env,
    )


def _flag_env(env: Mapping[str, str], name: str) -> bool:
    """A yes/no variable: 1/true/yes or 0/false/no (or unset); anything else is an error."""
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ConfigError(f"{name}={env[name]!r} is not 1 or 0")


def _readiness_settings(model: _PreflightModel, suites: SuiteSettings) -> ReadinessSettings:
    return ReadinessSettings(
        cert_min_days=suites.cert_min_days,
        min_disk_free_ratio=model.min_disk_free_ratio,
        min_memory_available_ratio=model.min_memory_available_ratio,
        min_cpu_idle_ratio=model.min_cpu_idle_ratio,
        snapshot_max_age_s=model.snapshot_max_age_s,
        backup_max_age_s=model.backup_max_age_s,
        target_selector=model.target_selector,
        node_selector=model.node_selector,
        ca_file=suites.ca_file,
    )


def _serve_settings(model: _ServeModel, env: Mapping[str, str]) -> ServeSettings:
    allowed = list(model.allowed_targets)
    if env.get("POSTDEPLOY_SERVE_ALLOWED_TARGETS"):
        allowed = [p.strip() for p in env["POSTDEPLOY_SERVE_ALLOWED_TARGETS"].split(",")]
    return ServeSettings(
        token=_secret_env(env, model.token_env or "POSTDEPLOY_SERVE_TOKEN"),
        allowed_targets=tuple(
            _validated_url(url, "serve.allowed_targets entry") for url in allowed if url
        ),
        queue_size=model.queue_size,
        answer_within_s=model.answer_within_s,
    )


def _target_url(flag: str | None, variable: str | None, from_file: str | None) -> str | None:
    """The first target URL given, flag > variable > file. One given *empty* is an error:
    a pipeline whose target variable came out empty must not verify the embedded demo
    service and answer GO (issue 16); the embedded default is for naming no target at all.
    """
    for where, value in (
        ("--target", flag),
        ("POSTDEPLOY_TARGET", variable),
        ("[target] url", from_file),
    ):
        if value is None:
            continue
        if not value.strip():
            raise ConfigError(
                f"{where} is empty: name the deployment to verify (an empty target is never "
                "the embedded reference service; to verify that, give no target at all)"
            )
        return value.strip()
    return None


def configured_report_dir(
    *,
    config_file: Path | None = None,
    report_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """Where the reports of a run go, found even when the configuration is otherwise bad.

    A run whose config cannot be loaded still writes an INCONCLUSIVE verdict, and it belongs
    in the directory the user configured (``--report-dir`` > ``POSTDEPLOY_REPORT_DIR`` >
    ``[run] report_dir``), not in a ``reports/`` they never look at. Never raises: whatever
    cannot be read falls back to the default.
    """
    env = os.environ if environ is None else environ
    here = cwd or Path.cwd()
    chosen: Path | None = report_dir
    if chosen is None and env.get("POSTDEPLOY_REPORT_DIR"):
        chosen = Path(env["POSTDEPLOY_REPORT_DIR"])
    if chosen is None:
        chosen = _report_dir_in_file(config_file, env, here)
    chosen = chosen or Path("reports")
    return chosen if chosen.is_absolute() else here / chosen


def _report_dir_in_file(explicit: Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    path = explicit or (Path(env["POSTDEPLOY_CONFIG"]) if env.get("POSTDEPLOY_CONFIG") else None)
    path = path or cwd / DEFAULT_CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError):
        return None
    run = data.get("run")
    value = run.get("report_dir") if isinstance(run, dict) else None
    return Path(value) if isinstance(value, str) and value.strip() else None


def process_environment() -> dict[str, str]:
    """A copy of this process's environment, for a child started without a :class:`Config`
    (library use, tests). With a Config, children start from ``Config.environment``."""
    return dict(os.environ)


def run_id_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The run id a parent ``postdeploy verify`` handed its pytest child, if any.

    Separate from :func:`load_config` because the pytest plugin needs it when the session
    starts, before (and whether or not) the target's configuration can be loaded.
    """
    return (os.environ if environ is None else environ).get("POSTDEPLOY_RUN_ID") or None


def tool_path_from_environment(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """An external tool's override (``POSTDEPLOY_ALLURE``, …), for commands that work on a
    finished run and need no target configuration (``postdeploy report``)."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def _monitoring_settings(model: _FileModel, base_dir: Path) -> MonitoringSettings:
    slo_file = _relative_to(model.monitoring.slo_file, base_dir)
    if slo_file is not None and not slo_file.is_file():
        raise ConfigError(f"monitoring.slo_file not found: {slo_file}")
    slos = tuple(SloSettings(**item.model_dump()) for item in model.slo)
    if len({item.name for item in slos}) < len(slos):
        raise ConfigError("slo: two [[slo]] tables have the same name")
    return MonitoringSettings(slos=slos, slo_file=slo_file)


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _load_settings(
    model: _LoadModel, profile: str | None, baseline_target: str | None = None
) -> LoadSettings:
    settings = {"profile", "critical_endpoints", "mode", "arrival_rate", "baseline_target"}
    knobs = model.model_dump(exclude=settings, exclude_none=True)
    critical = model.critical_endpoints
    reference = baseline_target or model.baseline_target
    return LoadSettings(
        profile=profile or model.profile,
        critical_endpoints=tuple(critical) if critical is not None else None,
        tolerances=knobs,
        mode=model.mode,
        arrival_rate=model.arrival_rate,
        baseline_target=_validated_url(reference, "baseline target") if reference else None,
    )


def _path_setting(from_env: str | None, from_file: Path, cwd: Path, base_dir: Path) -> Path:
    """A path from the environment (relative to the working directory) or the file."""
    if from_env:
        path = Path(from_env)
        return path if path.is_absolute() else cwd / path
    return from_file if from_file.is_absolute() else base_dir / from_file


def _optional_path(
    from_env: str | None, from_file: Path | None, cwd: Path, base_dir: Path
) -> Path | None:
    if not from_env and from_file is None:
        return None
    return _path_setting(from_env, from_file or Path(), cwd, base_dir)


def _data_settings(
    model: _DataModel, env: Mapping[str, str], cwd: Path, base_dir: Path
) -> DataSettings:
    # The default snapshot path is relative to the working directory, like baselines/;
    # a path written in the file is relative to the file.
    snapshot_base = base_dir if "snapshot" in model.model_fields_set else cwd
    return DataSettings(
        snapshot=_path_setting(env.get("POSTDEPLOY_SNAPSHOT"), model.snapshot, cwd, snapshot_base),
        blob_dir=_optional_path(env.get("POSTDEPLOY_BLOB_DIR"), model.blob_dir, cwd, base_dir),
    )


def _suite_settings(
    model: _SuitesModel, env: Mapping[str, str], cwd: Path, base_dir: Path
) -> SuiteSettings:
    def number(name: str, default: float, low: float, high: float) -> float:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a number") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={raw} is outside {low:g}-{high:g}")
        return value

    return SuiteSettings(
        leftover_age_s=number("POSTDEPLOY_LEFTOVER_AGE_S", model.leftover_age_s, 1, 30 * 86400),
        contract_max_examples=int(
            number("POSTDEPLOY_CONTRACT_MAX_EXAMPLES", model.contract_max_examples, 1, 1000)
        ),
        cert_min_days=int(number("POSTDEPLOY_CERT_MIN_DAYS", model.cert_min_days, 0, 3650)),
        ca_file=_optional_path(env.get("POSTDEPLOY_CA_FILE"), model.ca_file, cwd, base_dir),
        e2e_timeout_s=number("POSTDEPLOY_E2E_TIMEOUT_S", model.e2e_timeout_s, 1, 120),
    )


def _deployed_at(raw: str) -> float | None:
    """``POSTDEPLOY_DEPLOYED_AT`` as unix seconds (a number or ISO 8601 with a zone)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(
            f"POSTDEPLOY_DEPLOYED_AT={raw!r} is neither unix seconds nor ISO 8601"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"POSTDEPLOY_DEPLOYED_AT={raw!r} needs a time zone (e.g. Z)")
    return moment.timestamp()


def _gate_policy(
    model: _FileModel, env: Mapping[str, str], block: Severity, *, embedded: bool
) -> GatePolicy:
    accepted = tuple(model.gate.accept_risks)
    if env.get("POSTDEPLOY_ACCEPT_RISKS"):
        accepted = tuple(
            part.strip() for part in env["POSTDEPLOY_ACCEPT_RISKS"].split(",") if part.strip()
        )
    require = _require_scan(model.gate, env)
    if require == "auto":
        # A real deployment must be scanned; the embedded reference may be verified where
        # no scanner is installed (the scan is then listed as not checked).
        require = not embedded
    return GatePolicy(
        block_severity=block,
        accept_risks=accepted,
        required_checks=SCAN_CHECKS if require else (),
    )


_RENAMED = "is deprecated: it is now {new} (it covers ZAP and Wapiti); {old} still works for now"


def _require_scan(gate: _GateModel, env: Mapping[str, str]) -> bool | str:
    """``require_scan``, else the deprecated ``require_zap_scan`` (a warning), else auto."""
    if env.get("POSTDEPLOY_REQUIRE_SCAN"):
        return _bool_or_auto(env["POSTDEPLOY_REQUIRE_SCAN"], "POSTDEPLOY_REQUIRE_SCAN")
    if env.get("POSTDEPLOY_REQUIRE_ZAP_SCAN"):
        log.warning(
            "POSTDEPLOY_REQUIRE_ZAP_SCAN "
            + _RENAMED.format(new="POSTDEPLOY_REQUIRE_SCAN", old="the old name")
        )
        return _bool_or_auto(env["POSTDEPLOY_REQUIRE_ZAP_SCAN"], "POSTDEPLOY_REQUIRE_ZAP_SCAN")
    if gate.require_scan is not None:
        return gate.require_scan
    if gate.require_zap_scan is not None:
        log.warning(
            "gate.require_zap_scan "
            + _RENAMED.format(new="gate.require_scan", old="require_zap_scan")
        )
        return gate.require_zap_scan
    return "auto"


def _scan_settings(
    spec: _ScanModel, env: Mapping[str, str], flags: Mapping[str, Any], base_dir: Path
) -> ScanSettings:
    wapiti = spec.wapiti
    if env.get("POSTDEPLOY_WAPITI"):
        wapiti = _bool_or_auto(env["POSTDEPLOY_WAPITI"], "POSTDEPLOY_WAPITI") is not False
    active = spec.active_scan
    if env.get("POSTDEPLOY_ACTIVE_SCAN"):
        active = _bool_or_auto(env["POSTDEPLOY_ACTIVE_SCAN"], "POSTDEPLOY_ACTIVE_SCAN") is True
    if flags.get("active_scan"):
        active = True
    max_time = _bounded(
        env.get("POSTDEPLOY_MAX_SCAN_TIME"), spec.max_scan_time_s, "POSTDEPLOY_MAX_SCAN_TIME"
    )
    if flags.get("max_scan_time_s") is not None:
        max_time = _bounded(str(flags["max_scan_time_s"]), max_time, "--max-scan-time")
    executable = env.get("POSTDEPLOY_WAPITI_PATH") or spec.wapiti_path
    executable_path = _relative_to(Path(executable), base_dir) if executable else None
    if executable_path is not None and not (
        executable_path.is_file() and os.access(executable_path, os.X_OK)
    ):
        raise ConfigError(f"Wapiti not found: {executable_path} is not an executable file")
    rules = env.get("POSTDEPLOY_WAPITI_RULES") or spec.rules_file
    rules_path = _relative_to(Path(rules), base_dir) if rules else None
    if rules_path is not None and not rules_path.is_file():
        raise ConfigError(f"Wapiti rules file not found: {rules_path}")
    modules: list[str] | None = spec.modules
    if env.get("POSTDEPLOY_WAPITI_MODULES"):
        modules = [part.strip() for part in env["POSTDEPLOY_WAPITI_MODULES"].split(",")]
    if modules is not None:
        modules = [name for name in modules if name]
        bad = [name for name in modules if not re.fullmatch(r"[a-z0-9_]+", name)]
        if not modules or bad:
            raise ConfigError(
                f"scan.modules: {bad or modules!r} is not a list of Wapiti module names"
            )
    return ScanSettings(
        wapiti=wapiti,
        wapiti_path=executable_path,
        active_scan=active,
        max_scan_time_s=max_time,
        modules=tuple(modules) if modules is not None else None,
        rules_file=rules_path,
        exclude=tuple(spec.exclude),
    )


def _zap_settings(
    model: _FileModel, env: Mapping[str, str], flags: Mapping[str, Any], base_dir: Path
) -> ZapSettings:
    spec = model.zap
    active = spec.active_scan
    if env.get("POSTDEPLOY_ZAP_ACTIVE_SCAN"):
        active = (
            _bool_or_auto(env["POSTDEPLOY_ZAP_ACTIVE_SCAN"], "POSTDEPLOY_ZAP_ACTIVE_SCAN") is True
        )
    if flags.get("zap_active_scan") or flags.get("active_scan"):
        active = True
    rules = env.get("POSTDEPLOY_ZAP_RULES") or spec.rules_file
    rules_path = Path(rules) if rules else None
    if rules_path is not None and not rules_path.is_absolute():
        rules_path = base_dir / rules_path
    if rules_path is not None and not rules_path.is_file():
        raise ConfigError(f"ZAP rules file not found: {rules_path}")
    timeout = _bounded(env.get("POSTDEPLOY_ZAP_TIMEOUT"), spec.timeout_s, "POSTDEPLOY_ZAP_TIMEOUT")
    return ZapSettings(
        active_scan=active,
        timeout_s=timeout,
        call_timeout_s=min(spec.call_timeout_s, timeout),
        max_children=spec.max_children,
        openapi_path=spec.openapi_path or None,
        rules_file=rules_path,
    )


def _bool_or_auto(value: str, name: str) -> bool | str:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    if lowered == "auto":
        return "auto"
    raise ConfigError(f"{name}={value!r} is not true, false or auto")


def _bounded(value: str | None, default: float, name: str) -> float:
    if not value:
        return default
    try:
        result = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number of seconds") from None
    if not 0 < result <= 6 * 3600:
        raise ConfigError(f"{name}={result} s is outside 0-21600 s")
    return result


def with_target(config: Config, target: TargetSettings) -> Config:
    """The same configuration aimed at another target (the embedded one, once started)."""
    return replace(config, target=target)


def _config_path(explicit: Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    if explicit is None and env.get("POSTDEPLOY_CONFIG"):
        explicit = Path(env["POSTDEPLOY_CONFIG"])
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    default = cwd / DEFAULT_CONFIG_FILE
    return default if default.is_file() else None


def _read_file(path: Path) -> _FileModel:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    accounts = data.get("accounts")
    for name, account in accounts.items() if isinstance(accounts, dict) else ():
        if isinstance(account, dict) and "password" in account:
            raise ConfigError(
                f"{path}: accounts.{name}.password: passwords are never read from the "
                f"config file; use password_env or password_file"
            )
    try:
        return _FileModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None


def _accounts(model: _FileModel, env: Mapping[str, str], base_dir: Path) -> tuple[Account, ...]:
    declared: dict[str, _AccountModel] = dict(model.accounts)
    if env.get("POSTDEPLOY_ACCOUNTS"):
        declared = {}
        for item in env["POSTDEPLOY_ACCOUNTS"].split(","):
            name, _, role = item.strip().partition(":")
            if not name or role not in ("user", "admin"):
                raise ConfigError(
                    f"POSTDEPLOY_ACCOUNTS: {item.strip()!r} is not NAME:user or NAME:admin"
                )
            declared[name] = _AccountModel(role=role)  # type: ignore[arg-type]
    if not declared:
        declared = {
            account.username: _AccountModel(role=account.role) for account in DEFAULT_ACCOUNTS
        }
    accounts = []
    for name, spec in declared.items():
        accounts.append(Account(name, spec.role, _password(name, spec, env, base_dir)))
    return tuple(accounts)


def _password(
    name: str, spec: _AccountModel, env: Mapping[str, str], base_dir: Path
) -> Secret | None:
    if spec.password_file is not None:
        path = (
            spec.password_file
            if spec.password_file.is_absolute()
            else base_dir / (spec.password_file)
        )
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"accounts.{name}.password_file: cannot read {path}: {exc.strerror}"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"accounts.{name}.password_file: {path} is not UTF-8 text") from None
        if not value:
            raise ConfigError(f"accounts.{name}.password_file: {path} is empty")
        return Secret(value)
    value = env.get(spec.password_env or password_env_name(name))
    return Secret(value) if value else None


def _secret_env(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name)
    return Secret(value) if value else None


def _relative_to(path: Path | None, base_dir: Path) -> Path | None:
    if path is None or path.is_absolute():
        return path
    return base_dir / path


def _database_url(model: _FileModel, env: Mapping[str, str]) -> Secret | None:
    value = env.get(model.target.database_url_env or "POSTDEPLOY_DATABASE_URL")
    return Secret(value) if value else None


def _stage_list(value: str | None, from_file: list[str] | None) -> tuple[str, ...] | None:
    if value:
        names = tuple(part.strip() for part in value.split(",") if part.strip())
        if not names:
            raise ConfigError(f"--stages {value!r} names no stage")
        return names
    return tuple(from_file) if from_file else None


def _float(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"timeout {value!r} is not a number of seconds") from None
    if not 0 < result <= 300:
        raise ConfigError(f"timeout {result} s is outside 0-300 s")
    return result


_URL = re.compile(r"^https?://[^\s/?#]+(/[^\s]*)?$")


def _validated_url(value: str, what: str) -> str:
    # redacted: a refused URL (ftp://user:password@…) is still someone's credential;
    # repr: a control character in it is shown as an escape, never sent to the terminal
    shown = repr(redact_url(value))
    if not _URL.match(value):
        raise ConfigError(f"{what} {shown} is not an http(s):// URL")
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in value):
        raise ConfigError(f"{what} {shown} contains control characters")
    try:
        parts = urlsplit(value)
        if not parts.hostname:
            raise ValueError("no host")
        _ = parts.port  # ValueError for a port that is not a number in range
        httpx.URL(value)  # what every client will make of it
    except (ValueError, httpx.InvalidURL) as exc:
        raise ConfigError(f"{what} {shown} is not a usable URL: {exc}") from None
    return value.rstrip("/")


def _target(value: str) -> str:
    """The target URL: valid, and without ``user:password@`` — the API authenticates with the
    test accounts' bearer tokens, which HTTP clients replace by the URL's basic auth: every
    authenticated check would fail for a reason that is no fault of the release."""
    url = _validated_url(value, "target url")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            f"target url {redact_url(url)!r} has credentials in it: the API is checked with "
            "the test accounts ([accounts.NAME]); give the URL without user:password@"
        )
    return url


def _optional_url(value: str | None, what: str) -> str | None:
    return _validated_url(value, what) if value else None
