"""The post-deployment summary: the whole watch window as stage results, gated once.

The watch does not decide GO/NO-GO itself: its timeline becomes two :class:`StageResult`
values (``monitoring``: one check per rule over the window; ``smoke``: the reruns) and the
ordinary gate decides. Every span nobody could see — Prometheus blind, a rule without data,
the watch not running, an early Ctrl-C — is a check that could not run, so the verdict is
INCONCLUSIVE unless something decided it NO_GO.

**Steady results** (issue 19, as Azure's release gates' "minimum duration for steady
results"): the final GO needs every rollback trigger — every alert at or above the gate's
blocking severity — quiet for the last ``plan.steady_for_s``. An alert still firing at the
end, or one that recovered inside that last span, is a finding at its own severity (it
decides NO_GO, and the monitoring stage's reason names it). One that fired and recovered
before it is reported with its span as an ``info`` finding: it happened, and it was followed
by the steady span the policy asks for. A watch too short to have been steady that long is
INCONCLUSIVE. Alerts below the blocking severity (SLO tickets) are findings at their own
severity and never block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.measurements import Charts, SloPoint, TimelinePoint
from postdeploy.monitoring.rules import Rule
from postdeploy.watch.alerts import BLIND, SMOKE
from postdeploy.watch.state import EventKind, WatchState

__all__ = ["AlertSpan", "alert_spans", "budget_text", "slo_points", "summarise", "timeline_points"]

ERROR_RATIO_RULE = "PostdeployHighErrorRatio"
_ROLLBACK_SEVERITIES = (Severity.CRITICAL.value, Severity.HIGH.value)


@dataclass(frozen=True, slots=True)
class AlertSpan:
    """One alert from firing to resolved (``resolved_at=None``: still firing at the end)."""

    alert: str
    fired_at: float
    resolved_at: float | None
    severity: Severity
    trigger: RollbackTrigger
    summary: str
    detail: str

    def text(self) -> str:
        if self.resolved_at is None:
            return f"fired {_clock(self.fired_at)}, still firing at the end"
        length = _length(self.resolved_at - self.fired_at)
        return f"fired {_clock(self.fired_at)}-{_clock(self.resolved_at)} ({length}), recovered"


def alert_spans(events: Sequence[dict[str, Any]]) -> list[AlertSpan]:
    """Every alert's firing spans, in the order they fired."""
    spans: list[AlertSpan] = []
    open_at: dict[str, int] = {}
    for event in events:
        if event["kind"] != EventKind.ALERT:
            continue
        name = event["alert"]
        if event["status"] == "firing" and name not in open_at:
            open_at[name] = len(spans)
            spans.append(
                AlertSpan(
                    name,
                    event["at"],
                    None,
                    Severity(event["severity"]),
                    RollbackTrigger(event["trigger"]),
                    event["summary"],
                    event.get("detail", ""),
                )
            )
        elif event["status"] == "resolved" and name in open_at:
            index = open_at.pop(name)
            span = spans[index]
            spans[index] = AlertSpan(
                span.alert, span.fired_at, event["at"], span.severity, span.trigger,
                span.summary, span.detail,
            )  # fmt: skip
    return spans


@dataclass(frozen=True, slots=True)
class _Steadiness:
    """Which spans decide, and since when every rollback trigger has been quiet."""

    deciding: tuple[AlertSpan, ...]
    recovered: tuple[AlertSpan, ...]  # blocking, but recovered before the steady span
    minor: tuple[AlertSpan, ...]  # below the blocking severity
    quiet_since: float | None
    steady_for_s: float
    ended_at: float

    @property
    def quiet_s(self) -> float:
        return 0.0 if self.quiet_since is None else max(0.0, self.ended_at - self.quiet_since)

    def decided_by(self) -> str:
        if self.deciding:
            # still firing first (that is what the end looked like), then the worst, the latest
            worst = sorted(
                self.deciding,
                key=lambda s: (s.resolved_at is not None, -s.severity.rank, -s.fired_at),
            )
            more = f" (and {len(worst) - 1} more)" if len(worst) > 1 else ""
            return f"decided by {worst[0].alert}: {_why(worst[0], self)}{more}"
        need = _length(self.steady_for_s)
        if self.quiet_since is None:
            return "never evaluated: no steady span"
        if self.quiet_s < self.steady_for_s:
            return (
                f"not steady long enough: every rollback trigger quiet since "
                f"{_clock(self.quiet_since)}, {_length(self.quiet_s)} of the {need} needed"
            )
        return (
            f"steady: every rollback trigger quiet since {_clock(self.quiet_since)} "
            f"({_length(self.quiet_s)}; needs {need})"
        )


def _why(span: AlertSpan, steady: _Steadiness) -> str:
    if span.resolved_at is None:
        return span.text()
    return (
        f"{span.text()} {_length(steady.ended_at - span.resolved_at)} before the end, inside "
        f"the {_length(steady.steady_for_s)} that must be steady"
    )


#: Triggers that a quiet hour does not undo: media lost or corrupted while the alert fired
#: stays lost, and a hole that was open may have been used. Only rates (errors, latency,
#: saturation) heal, so only they can be "recovered" by steadiness.
NEVER_HEALS = frozenset({RollbackTrigger.DATA_LOSS, RollbackTrigger.SECURITY_VULNERABILITY})


def _steadiness(
    spans: Sequence[AlertSpan],
    *,
    first_look: float | None,
    ended_at: float,
    steady_for_s: float,
    block: Severity,
) -> _Steadiness:
    blocking = [s for s in spans if s.alert != BLIND and s.severity.at_least(block)]
    minor = tuple(s for s in spans if s.alert != BLIND and not s.severity.at_least(block))
    window_start = ended_at - steady_for_s
    deciding = tuple(
        s
        for s in blocking
        if s.resolved_at is None or s.resolved_at > window_start or s.trigger in NEVER_HEALS
    )
    recovered = tuple(s for s in blocking if s not in deciding)
    quiet_since: float | None = first_look
    if any(s.resolved_at is None for s in blocking):
        quiet_since = None
    elif first_look is not None:
        quiet_since = max([first_look] + [s.resolved_at for s in blocking if s.resolved_at])
    return _Steadiness(deciding, recovered, minor, quiet_since, steady_for_s, ended_at)


def summarise(
    state: WatchState,
    rules: Sequence[Rule],
    *,
    ended_at: float,
    ended_early: str = "",
    block_severity: Severity = Severity.HIGH,
) -> list[StageResult]:
    """The watch window as stage results for the gate (see the module docstring)."""
    events = state.events
    plan = state.plan
    looks = [e for e in events if e["kind"] == EventKind.EVALUATION and not e.get("blind")]
    steady = _steadiness(
        alert_spans(events),
        first_look=looks[0]["at"] if looks else None,
        ended_at=ended_at,
        steady_for_s=plan.steady_for_s,
        block=block_severity,
    )
    origin = {rule.name: rule.expr for rule in rules}
    findings = [_finding(span, steady, origin, Severity(span.severity)) for span in steady.deciding]
    findings += [_finding(span, steady, origin, span.severity) for span in steady.minor]
    findings += [_finding(span, steady, origin, Severity.INFO) for span in steady.recovered]
    checks = [_rule_check(rule, events, steady, plan.interval_s) for rule in rules]
    if plan.steady_for_s > 0:
        checks.append(_steady_check(steady))
    for gap in _unwatched(events, plan.interval_s):
        checks.append(CheckResult(f"watched {gap}", CheckOutcome.ERROR, message="not watched"))
    if ended_early:
        checks.append(
            CheckResult(
                "watched to the end",
                CheckOutcome.ERROR,
                message=f"{ended_early}; {_clock(ended_at)} → {_clock(plan.ends_at)} "
                "was not watched",
            )
        )
    monitoring_findings = tuple(f for f in findings if f.stage == "monitoring")
    decides = any(s.alert != SMOKE for s in steady.deciding)
    budgets = _last_budgets(events)
    reason = steady.decided_by() + (
        f"; error budget left: {budget_text(budgets)}" if budgets else ""
    )
    metrics = _figures(events) | {f"budget_left_pct:{k}": round(100 * v, 3)
                                  for k, v in budgets.items() if v is not None}  # fmt: skip
    monitoring = StageResult(
        "monitoring",
        StageStatus.FAILED if decides else StageStatus.PASSED,
        duration_s=max(0.0, ended_at - plan.started_at),
        reason=reason,
        findings=monitoring_findings,
        checks=tuple(checks),
        metrics=metrics | {"steady_s": round(steady.quiet_s, 1)},
        artifacts=("watch/timeline.jsonl", "watch/watch.json"),
        charts=Charts(
            timeline=tuple(timeline_points(events)),
            timeline_unit="% 5xx",
            slo=tuple(slo_points(events, rules)),
        ),
    )
    smoke_findings = tuple(f for f in findings if f.stage == "smoke")
    smoke_decides = any(s.alert == SMOKE for s in steady.deciding)
    return [monitoring, _smoke_result(events, smoke_findings, decides=smoke_decides)]


def _finding(
    span: AlertSpan, steady: _Steadiness, origin: dict[str, str], severity: Severity
) -> Finding:
    if span in steady.recovered:
        how = f"{span.text()}; steady for the {_length(steady.steady_for_s)} after"
    elif span in steady.deciding:
        how = _why(span, steady)
    else:
        how = span.text()
    return Finding(
        stage="smoke" if span.alert == SMOKE else "monitoring",
        title=f"{span.summary} ({how})",
        severity=severity,
        trigger=span.trigger,
        evidence=f"{span.alert}: {span.detail}",
        origin=origin.get(span.alert, span.alert),
    )


def _steady_check(steady: _Steadiness) -> CheckResult:
    name = f"steady for {_length(steady.steady_for_s)}"
    if steady.deciding:
        return CheckResult(name, CheckOutcome.FAILED, message=steady.decided_by())
    if steady.quiet_since is None or steady.quiet_s < steady.steady_for_s:
        return CheckResult(name, CheckOutcome.ERROR, message=steady.decided_by())
    return CheckResult(name, CheckOutcome.PASSED, message=steady.decided_by())


def budget_text(budgets: dict[str, float | None]) -> str:
    """``api-availability 97.1%, api-latency 100%`` (``no data`` where nothing was judged)."""
    return ", ".join(
        f"{name} {'no data' if left is None else f'{100 * left:.1f}%'}"
        for name, left in budgets.items()
    )


def _last_budgets(events: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    for event in reversed(events):
        if event["kind"] == EventKind.EVALUATION and event.get("budgets"):
            return dict(event["budgets"])
    return {}


def slo_points(events: Sequence[dict[str, Any]], rules: Sequence[Rule]) -> list[SloPoint]:
    """Per SLO and evaluation: the fast page's burn rate, and the budget when it was read."""
    fast = {
        labels["slo"]: (rule.name, float(labels.get("burn_rate", "nan")))
        for rule in rules
        if rule.name.endswith("PageFast") and "slo" in (labels := dict(rule.labels))
    }
    points = []
    for event in events:
        if event["kind"] != EventKind.EVALUATION or event.get("blind"):
            continue
        at = datetime.fromtimestamp(event["at"], UTC)
        values, budgets = event.get("values", {}), event.get("budgets", {})
        for slo, (rule, page) in fast.items():
            burn, left = values.get(rule), budgets.get(slo)
            points.append(
                SloPoint(
                    at,
                    slo,
                    None if burn is None else round(burn, 3),
                    None if left is None else round(100 * left, 3),
                    page,
                )
            )
    return points


def timeline_points(events: Sequence[dict[str, Any]]) -> list[TimelinePoint]:
    """One chart point per evaluation: the error ratio in %, the alert firing, the figures."""
    firing: dict[str, str] = {}
    points: list[TimelinePoint] = []
    for event in events:
        if event["kind"] == EventKind.ALERT:
            if event["status"] == "firing" and event.get("severity") in _ROLLBACK_SEVERITIES:
                # an SLO ticket (medium) is reported, but it is no rollback trigger firing
                firing[event["alert"]] = event["trigger"]
            else:
                firing.pop(event["alert"], None)
        elif event["kind"] == EventKind.EVALUATION:
            values = event.get("values", {})
            ratio = values.get(ERROR_RATIO_RULE)
            trigger = next(iter(firing.values()), None)
            note = "blind" if event.get("blind") else _note(values)
            if firing:
                note = f"{', '.join(sorted(firing))}; {note}"
            points.append(
                TimelinePoint(
                    at=datetime.fromtimestamp(event["at"], UTC),
                    trigger=trigger,
                    value=None if ratio is None else round(100.0 * ratio, 3),
                    note=note,
                )
            )
    return points


def _note(values: dict[str, float | None]) -> str:
    parts = []
    latency = values.get("PostdeployLatencyRegression")
    memory = values.get("PostdeployMemoryLeak")
    if latency is not None:
        parts.append(f"p95 {1000 * latency:.0f} ms")
    if memory is not None:
        parts.append(f"RSS {memory / 2**20:.0f} MiB")
    return ", ".join(parts)


def _rule_check(
    rule: Rule, events: Sequence[dict[str, Any]], steady: _Steadiness, interval_s: float
) -> CheckResult:
    spans = [s for s in (*steady.deciding, *steady.minor) if s.alert == rule.name]
    if spans:
        return CheckResult(rule.name, CheckOutcome.FAILED, message=spans[0].text())
    recovered = [s for s in steady.recovered if s.alert == rule.name]
    evaluations = [e for e in events if e["kind"] == EventKind.EVALUATION and not e.get("blind")]
    judged = [e for e in evaluations if rule.name in e.get("states", {})]
    blind_spans = _spans(
        [e for e in judged if e["states"][rule.name] in ("nodata", "error")], interval_s
    )
    if not judged:
        if rule.optional:
            return CheckResult(rule.name, CheckOutcome.SKIPPED, message=rule.optional)
        return CheckResult(rule.name, CheckOutcome.ERROR, message="never evaluated")
    if blind_spans:
        if (
            rule.optional
            and len(blind_spans) == 1
            and len(judged) == sum(1 for e in judged if e["states"][rule.name] == "nodata")
        ):
            return CheckResult(rule.name, CheckOutcome.SKIPPED, message=rule.optional)
        return CheckResult(
            rule.name, CheckOutcome.ERROR, message="no data " + ", ".join(blind_spans)
        )
    note = f"; {recovered[0].text()}, steady after" if recovered else ""
    return CheckResult(
        rule.name, CheckOutcome.PASSED, message=f"{len(judged)} evaluations{note or ' clear'}"
    )


def _unwatched(events: Sequence[dict[str, Any]], interval_s: float) -> list[str]:
    """Spans where Prometheus was blind or the watch was not running, as clock ranges."""
    spans = []
    for event in events:
        if event["kind"] == EventKind.GAP:
            spans.append(f"{_clock(event['from'])}-{_clock(event['at'])} (watch not running)")
    blind = [e for e in events if e["kind"] == EventKind.EVALUATION and e.get("blind")]
    spans += [f"{span} (monitoring blind)" for span in _spans(blind, interval_s)]
    return spans


def _spans(events: Sequence[dict[str, Any]], interval_s: float) -> list[str]:
    """Consecutive events (no more than 2 intervals apart) merged into clock ranges."""
    spans: list[tuple[float, float]] = []
    for event in events:
        if spans and event["at"] - spans[-1][1] <= 2.5 * interval_s:
            spans[-1] = (spans[-1][0], event["at"])
        else:
            spans.append((event["at"], event["at"]))
    return [f"{_clock(a)}-{_clock(b)}" for a, b in spans]


def _smoke_result(
    events: Sequence[dict[str, Any]], findings: tuple[Finding, ...], *, decides: bool
) -> StageResult:
    runs = [e for e in events if e["kind"] == EventKind.SMOKE]
    checks = tuple(
        CheckResult(
            f"smoke at {_clock(e['at'])}",
            {"passed": CheckOutcome.PASSED, "failed": CheckOutcome.FAILED}.get(
                e["status"], CheckOutcome.ERROR
            ),
            duration_s=float(e.get("duration_s", 0.0)),
            message=e.get("reason", ""),
        )
        for e in runs
    )
    failed = sum(1 for check in checks if check.outcome is CheckOutcome.FAILED)
    if failed and not findings:  # a failing run must say why (no alert event: older timeline)
        findings = tuple(
            Finding("smoke", f"smoke failed at {_clock(e['at'])}", Severity.CRITICAL,
                    RollbackTrigger.CRITICAL_ERROR, e.get("reason", ""))
            for e in runs if e["status"] == "failed"
        )  # fmt: skip
        decides = True
    if not runs:
        return StageResult("smoke", StageStatus.SKIPPED, reason="no smoke rerun was due")
    return StageResult(
        "smoke",
        StageStatus.FAILED if decides else StageStatus.PASSED,
        reason=f"{failed} of {len(runs)} reruns failed"
        + ("" if decides or not failed else "; recovered and steady since")
        if failed
        else f"{len(runs)} reruns",
        findings=findings,
        checks=checks,
    )


def _figures(events: Sequence[dict[str, Any]]) -> dict[str, float]:
    evaluations = [e for e in events if e["kind"] == EventKind.EVALUATION and not e.get("blind")]
    return {
        "evaluations": float(len(evaluations)),
        "blind_evaluations": float(
            sum(1 for e in events if e["kind"] == EventKind.EVALUATION and e.get("blind"))
        ),
        "alerts_fired": float(
            sum(1 for e in events if e["kind"] == EventKind.ALERT and e["status"] == "firing")
        ),
    }


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%SZ")


def _length(seconds: float) -> str:
    """``45 s``, ``5m``, ``6m 40s``, ``1h``, ``1h 5m``: a duration people read."""
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    if minutes:
        parts.append(f"{minutes}m")
    if secs and not hours:
        parts.append(f"{secs}s")
    return " ".join(parts)
