"""``run_preflight(config, request)``: every precondition of a deploy, checked against the
release that is live *before* it, and the reports written.

Order: reach (or start) the target — on the embedded one with a real Prometheus, node
exporter and the rollback-trigger rules loaded, as a production setup should have them —
then the service, record baselines / take the snapshot when asked, then everything else.
Nothing here can produce READY by default: a check that could not run is INCONCLUSIVE.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from postdeploy.config import Config, TargetSettings
from postdeploy.errors import PostdeployError
from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, load_rules, render_rules
from postdeploy.readiness.backup import backup_check
from postdeploy.readiness.baselines import baseline_checks
from postdeploy.readiness.database import database_checks
from postdeploy.readiness.model import CheckState, ReadinessCheck, ReadinessReport, decide
from postdeploy.readiness.prometheus import (
    PrometheusApi,
    PrometheusError,
    monitoring_checks,
    resource_checks,
)
from postdeploy.readiness.report import write_preflight_reports
from postdeploy.readiness.service import service_checks
from postdeploy.readiness.snapshot import snapshot_check, take_snapshot
from postdeploy.readiness.tls import certificate_check
from postdeploy.runid import new_run_id
from postdeploy.target.info import describe_target
from postdeploy.target.lifecycle import live_target

__all__ = ["PreflightOutcome", "PreflightRequest", "run_preflight"]

log = logging.getLogger(__name__)

#: How long a freshly started embedded Prometheus gets to have what the checks read.
EMBEDDED_WARMUP_S = 30.0


@dataclass(frozen=True, slots=True)
class PreflightRequest:
    """What to check beyond the configuration, and what to do first.

    ``record``: records the baselines from the live release (the command supplies it: the
    recorders live with the commands); returns what it recorded, one line each.
    """

    contract_file: Path
    load_file: Path | None
    load_profile: str
    snapshot_file: Path
    take_snapshot: bool = False
    blob_dir: Path | None = None
    backup: str | None = None
    backup_sha256: str | None = None
    record: Callable[[TargetSettings], list[str]] | None = None


@dataclass(frozen=True, slots=True)
class PreflightOutcome:
    report: ReadinessReport
    run_dir: Path
    notes: tuple[str, ...] = ()


def run_preflight(
    config: Config, request: PreflightRequest, *, run_id: str | None = None
) -> PreflightOutcome:
    run_id = run_id or new_run_id()
    run_dir = config.report_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    checks: list[ReadinessCheck] = []
    notes: list[str] = []
    info = describe_target(config.target)
    error: str | None = None
    embedded = config.target.embedded
    try:
        with live_target(
            config.target, run_dir, prometheus=True,
            prometheus_rules=render_rules(COMPRESSED) if embedded else None,
            https=not config.embedded_http,
        ) as live:  # fmt: skip
            target = live.settings
            if embedded and target.prometheus_url:
                _wait_for_embedded_metrics(target.prometheus_url, config)
            service, live_version = service_checks(target)
            checks += service
            info = describe_target(target, url=target.url, live_version=live_version,
                                   embedded=embedded)  # fmt: skip
            if request.record is not None and live_version is not None:
                notes += request.record(target)
            if request.take_snapshot:
                notes.append(_snapshot_now(request, target))
            checks += _everything_else(config, request, target, live_version)
    except PostdeployError as exc:
        error = str(exc)
        checks.append(ReadinessCheck("preflight:run", "the preflight could run",
                                     CheckState.ERROR, error))  # fmt: skip
    report = ReadinessReport(
        run_id=run_id, decision=decide(checks), target=info, checks=tuple(checks),
        started_at=started, finished_at=datetime.now(UTC), error=error,
    )  # fmt: skip
    write_preflight_reports(report, run_dir)
    _point(config.report_dir / "latest-preflight", run_dir)
    return PreflightOutcome(report, run_dir, tuple(notes))


def _everything_else(
    config: Config, request: PreflightRequest, target: TargetSettings, live: str | None
) -> list[ReadinessCheck]:
    settings = config.readiness
    checks = [
        certificate_check(target.url or "", min_days=settings.cert_min_days,
                          timeout_s=target.timeout_s, ca_file=target.ca_file),
        *resource_checks(target.prometheus_url, settings),
        *database_checks(target.database_url.reveal() if target.database_url else None),
        *monitoring_checks(target.prometheus_url, target_selector=settings.target_selector,
                           expected_rules=[rule.name for rule in load_rules(PRODUCTION)]),
        *baseline_checks(live_version=live, contract_file=request.contract_file,
                         load_file=request.load_file, load_profile=request.load_profile),
    ]  # fmt: skip
    if config.target.embedded and not request.take_snapshot:
        checks.append(ReadinessCheck(
            "data:snapshot", "the pre-deploy data snapshot is taken", CheckState.SKIPPED,
            "the embedded target holds no data yet: its data stage rehearses the migration "
            "on seeded records (--snapshot takes one anyway)",
        ))  # fmt: skip
    else:
        checks.append(snapshot_check(request.snapshot_file, max_age_s=settings.snapshot_max_age_s))
    checks.append(backup_check(request.backup, expected_sha256=request.backup_sha256,
                               max_age_s=settings.backup_max_age_s,
                               timeout_s=target.timeout_s))  # fmt: skip
    return checks


def _snapshot_now(request: PreflightRequest, target: TargetSettings) -> str:
    request.snapshot_file.parent.mkdir(parents=True, exist_ok=True)
    what = take_snapshot(request.snapshot_file, target, blob_dir=request.blob_dir)
    return f"snapshot: {what} → {request.snapshot_file}"


def _wait_for_embedded_metrics(url: str, config: Config) -> None:
    """A Prometheus started a moment ago has scraped nothing yet: wait (bounded) until the
    target, the node exporter's CPU rate and the rules are there, so that what the checks
    then read is the machine, not the start-up."""
    api = PrometheusApi(url)
    node = config.readiness.node_selector
    wanted = (
        f"up{{{config.readiness.target_selector}}}",
        f'rate(node_cpu_seconds_total{{{node},mode="idle"}}[1m])',
    )
    deadline = time.monotonic() + EMBEDDED_WARMUP_S
    while time.monotonic() < deadline:
        with contextlib.suppress(PrometheusError):
            if all(api.query(expr) for expr in wanted) and api.rule_names():
                return
        time.sleep(0.25)
    log.info("the embedded Prometheus has not got every series yet; checking anyway")


def _point(link: Path, run_dir: Path) -> None:
    temporary = link.with_name(f".{link.name}-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(run_dir.name, target_is_directory=True)
    temporary.replace(link)
