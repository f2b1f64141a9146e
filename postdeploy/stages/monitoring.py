"""The monitoring stage: the rollback-trigger rules over the minutes after the deploy,
compared with the same span before it, read from a real Prometheus.

What "before" and "after" are:

* a real target: the deploy instant is the configured ``deployed_at``
  (``POSTDEPLOY_DEPLOYED_AT``: unix seconds or ISO 8601), else the start of this run; the
  rules run at production scale (5 minute windows) and compare with the window right before
  that instant (``@ <deploy>``);
* the embedded target has only seconds of history, so the stage makes both spans itself:
  a window of light probe traffic, the "deploy" mark, a second window of the same traffic,
  then one evaluation at compressed scale (10 s windows, Prometheus scraping every second).
  Faults active from the start are in both windows: the absolute rules (error ratio,
  saturation, target down) catch them; the relative ones need a watch or a late fault.

The SLOs' burn-rate alerts (``postdeploy.monitoring.slo``: ``[[slo]]``, a Sloth spec, or
unimedia's API defaults) are evaluated with them: a page is a rollback trigger
(``critical_error`` or ``user_impact`` by the SLO's kind), a ticket a non-blocking finding;
each SLO's error budget left is in the metrics (``budget_left_pct:<slo>``).

Every rule is one check: CLEAR passes, BREACH fails with a finding (its trigger and
severity from the rules file, the PromQL as origin), NODATA or a query error is ERROR —
the gate turns that into INCONCLUSIVE, never GO. No Prometheus at all: the stage is
SKIPPED with one line that says why, and the verdict lists it as not checked.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from postdeploy.errors import ConfigError, MonitoringError
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    StageResult,
    StageStatus,
)
from postdeploy.monitoring.query import Observation, PromClient, RuleState, evaluate_rules
from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, Rule, RuleWindows, load_rules
from postdeploy.monitoring.slo import configured_objectives, read_budgets, slo_rules
from postdeploy.monitoring.traffic import SyntheticTraffic
from postdeploy.stages.base import StageContext
from postdeploy.target.prometheus import PROMETHEUS_INSTALL_HINT

__all__ = ["MonitoringStage", "wait_for_first_samples"]

log = logging.getLogger(__name__)

FIRST_DATA_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class MonitoringStage:
    """Judge the production metrics of the release (see the module docstring)."""

    name: str = "monitoring"
    # Alone, after the parallel stages: their traffic (smoke uploads, logins) in only one of
    # the two windows would read as a change in user activity.
    exclusive: bool = True
    traffic_rate_per_s: float = 5.0
    compressed: RuleWindows = COMPRESSED
    production: RuleWindows = PRODUCTION

    def run(self, context: StageContext) -> StageResult:
        started = time.monotonic()
        url = context.target.prometheus_url
        if url is None:
            why = (
                PROMETHEUS_INSTALL_HINT
                if context.embedded
                else "no Prometheus configured (POSTDEPLOY_PROMETHEUS_URL or "
                "target.prometheus_url): production metrics not checked"
            )
            return StageResult(self.name, StageStatus.SKIPPED, reason=why)
        client = PromClient(url, timeout_s=context.target.timeout_s)
        try:
            objectives = configured_objectives(context.monitoring)
        except ConfigError as exc:
            return StageResult(self.name, StageStatus.ERROR, reason=f"bad SLO: {exc}")
        windows = self.compressed if context.embedded else self.production
        try:
            if context.embedded:
                rules, at = self._embedded_windows(context, client)
            else:
                deploy = context.deployed_at or time.time()
                rules, at = load_rules(self.production.anchored(deploy)), None
            rules += slo_rules(objectives, windows)
            observations = evaluate_rules(client, rules, at=at, held=True)
            budgets = read_budgets(client, objectives, windows, at=at)
        except MonitoringError as exc:
            return StageResult(
                self.name,
                StageStatus.ERROR,
                duration_s=time.monotonic() - started,
                reason=f"could not read the metrics: {exc}",
            )
        evidence = _write_queries(
            context.stage_dir(self.name), context.run_dir, rules, observations
        )
        result = _result(self.name, rules, observations, time.monotonic() - started, evidence)
        left = {
            f"budget_left_pct:{k}": round(100 * v, 3) for k, v in budgets.items() if v is not None
        }
        return dataclasses.replace(result, metrics={**result.metrics, **left})

    def _embedded_windows(
        self, context: StageContext, client: PromClient
    ) -> tuple[tuple[Rule, ...], float]:
        """Probe traffic before and after a "deploy" mark; the instant to evaluate at."""
        wait_for_first_samples(client)
        # Long enough that every window the rules read — the slope window too, and the
        # earlier instants of the ``for:`` check — lies inside this stage's own traffic, not
        # in the stage that ran before it.
        span = max(self.compressed.window_s, self.compressed.long_window_s) + 2.0
        probe = SyntheticTraffic(context.target, rate_per_s=self.traffic_rate_per_s)
        probe.run_for(span)
        mark = time.time()
        probe.run_for(span)
        # The last scrape must have happened after the traffic: wait for one more interval.
        time.sleep(1.5)
        log.info("monitoring: %d probe requests, %d failed", probe.requests, probe.failures)
        return load_rules(self.compressed.anchored(mark)), time.time()


def wait_for_first_samples(client: PromClient) -> None:
    """Prometheus' first scrape comes seconds after it starts; wait for it, with a deadline."""
    deadline = time.monotonic() + FIRST_DATA_TIMEOUT_S
    while time.monotonic() < deadline:
        # Two scrapes: rate() needs two samples in its window.
        if client.query('count_over_time(up{job="unimedia"}[1m]) >= 2'):
            return
        time.sleep(0.25)
    raise MonitoringError(
        f"Prometheus has scraped nothing from the service within {FIRST_DATA_TIMEOUT_S:.0f} s "
        "(is /metrics served?)"
    )


def _write_queries(
    stage_dir: Path, run_dir: Path, rules: tuple[Rule, ...], observations: list[Observation]
) -> dict[str, str]:
    """One file per rule — its PromQL and the value it read — so every check and finding
    links the exact query it came from (issue 21 §4); rule name → path in the run."""
    by_rule = {rule.name: rule for rule in rules}
    folder = stage_dir / "queries"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for obs in observations:
        rule = by_rule[obs.rule]
        path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", obs.rule) + ".txt")
        path.write_text(
            f"rule: {rule.name}\ntrigger: {rule.trigger.value} (severity {rule.severity.value})\n"
            f"summary: {rule.summary}\nstate: {obs.state.value}\nvalue: {obs.value}\n"
            f"detail: {obs.detail}\n\nPromQL:\n{rule.expr}\n",
            encoding="utf-8",
        )
        paths[obs.rule] = path.relative_to(run_dir).as_posix()
    return paths


def _result(
    name: str,
    rules: tuple[Rule, ...],
    observations: list[Observation],
    duration: float,
    evidence: dict[str, str] | None = None,
) -> StageResult:
    evidence = evidence or {}
    by_rule = {rule.name: rule for rule in rules}
    checks: list[CheckResult] = []
    findings: list[Finding] = []
    metrics: dict[str, float] = {}
    for obs in observations:
        rule = by_rule[obs.rule]
        files = (evidence[obs.rule],) if obs.rule in evidence else ()
        if obs.value is not None:
            metrics[obs.rule] = obs.value
        if obs.state is RuleState.CLEAR:
            checks.append(
                CheckResult(obs.rule, CheckOutcome.PASSED, message=rule.summary, attachments=files)
            )
        elif obs.state is RuleState.BREACH:
            checks.append(
                CheckResult(obs.rule, CheckOutcome.FAILED, message=obs.detail, attachments=files)
            )
            findings.append(
                Finding(
                    stage=name,
                    title=rule.summary,
                    severity=rule.severity,
                    trigger=rule.trigger,
                    evidence=f"{rule.name}: {obs.detail}",
                    origin=rule.expr,
                    attachments=files,
                )
            )
        elif obs.state is RuleState.NODATA and rule.optional:
            checks.append(CheckResult(obs.rule, CheckOutcome.SKIPPED, message=rule.optional))
        else:
            checks.append(
                CheckResult(obs.rule, CheckOutcome.ERROR, message=f"{obs.state}: {obs.detail}")
            )
    status = StageStatus.FAILED if findings else StageStatus.PASSED
    errors = sum(1 for check in checks if check.outcome is CheckOutcome.ERROR)
    reason = (
        f"{len(findings)} rollback trigger rule(s) breached"
        if findings
        else f"{errors} rule(s) had no data"
        if errors
        else ""
    )
    return StageResult(
        name,
        status,
        duration_s=duration,
        reason=reason,
        findings=tuple(findings),
        checks=tuple(checks),
        metrics=metrics,
    )
