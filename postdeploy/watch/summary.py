"""The post-deployment summary: the whole watch window as stage results, gated once.

The watch does not decide GO/NO-GO itself: its timeline becomes two :class:`StageResult`
values (``monitoring``: one check per rule over the window; ``smoke``: the reruns) and the
ordinary gate decides. Every alert that fired is a finding; every span nobody could see —
Prometheus blind, a rule without data, the watch not running, an early Ctrl-C — is a check
that could not run, so the verdict is INCONCLUSIVE unless something fired.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from postdeploy.measurements import Charts, TimelinePoint
from postdeploy.monitoring.rules import Rule
from postdeploy.watch.alerts import BLIND, SMOKE
from postdeploy.watch.state import EventKind, WatchState

__all__ = ["summarise", "timeline_points"]

ERROR_RATIO_RULE = "PostdeployHighErrorRatio"


def summarise(
    state: WatchState, rules: Sequence[Rule], *, ended_at: float, ended_early: str = ""
) -> list[StageResult]:
    """The watch window as stage results for the gate."""
    events = state.events
    alerts = [e for e in events if e["kind"] == EventKind.ALERT and e["status"] == "firing"]
    findings = [
        Finding(
            stage="smoke" if e["alert"] == SMOKE else "monitoring",
            title=f"{e['summary']} (fired {_clock(e['at'])})",
            severity=Severity(e["severity"]),
            trigger=RollbackTrigger(e["trigger"]),
            evidence=f"{e['alert']}: {e.get('detail', '')}",
            origin=next((r.expr for r in rules if r.name == e["alert"]), e["alert"]),
        )
        for e in alerts
        if e["alert"] != BLIND  # blindness is "not checked", not a fault of the release
    ]
    checks = [
        _rule_check(rule, events, state.plan.deploy_at, state.plan.interval_s) for rule in rules
    ]
    for gap in _unwatched(events, state.plan.interval_s):
        checks.append(CheckResult(f"watched {gap}", CheckOutcome.ERROR, message="not watched"))
    if ended_early:
        checks.append(
            CheckResult(
                "watched to the end",
                CheckOutcome.ERROR,
                message=f"{ended_early}; {_clock(ended_at)} → {_clock(state.plan.ends_at)} "
                "was not watched",
            )
        )
    monitoring_findings = tuple(f for f in findings if f.stage == "monitoring")
    monitoring = StageResult(
        "monitoring",
        StageStatus.FAILED if monitoring_findings else StageStatus.PASSED,
        duration_s=max(0.0, ended_at - state.plan.started_at),
        reason=f"{len(monitoring_findings)} alert(s) fired" if monitoring_findings else "",
        findings=monitoring_findings,
        checks=tuple(checks),
        metrics=_figures(events),
        artifacts=("watch/timeline.jsonl", "watch/watch.json"),
        charts=Charts(timeline=tuple(timeline_points(events)), timeline_unit="% 5xx"),
    )
    return [monitoring, _smoke_result(events, tuple(f for f in findings if f.stage == "smoke"))]


def timeline_points(events: Sequence[dict[str, Any]]) -> list[TimelinePoint]:
    """One chart point per evaluation: the error ratio in %, the alert firing, the figures."""
    firing: dict[str, str] = {}
    points: list[TimelinePoint] = []
    for event in events:
        if event["kind"] == EventKind.ALERT:
            if event["status"] == "firing":
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
    rule: Rule, events: Sequence[dict[str, Any]], deploy_at: float, interval_s: float
) -> CheckResult:
    fired = [e for e in events if e["kind"] == EventKind.ALERT and e["alert"] == rule.name]
    if any(e["status"] == "firing" for e in fired):
        first = next(e for e in fired if e["status"] == "firing")
        return CheckResult(
            rule.name, CheckOutcome.FAILED, message=f"fired at {_clock(first['at'])}"
        )
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
    return CheckResult(rule.name, CheckOutcome.PASSED, message=f"{len(judged)} evaluations clear")


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


def _smoke_result(events: Sequence[dict[str, Any]], findings: tuple[Finding, ...]) -> StageResult:
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
    failed = any(check.outcome is CheckOutcome.FAILED for check in checks)
    if failed and not findings:  # a failing run must say why
        findings = tuple(
            Finding("smoke", f"smoke failed at {_clock(e['at'])}", Severity.CRITICAL,
                    RollbackTrigger.CRITICAL_ERROR, e.get("reason", ""))
            for e in runs if e["status"] == "failed"
        )  # fmt: skip
    if not runs:
        return StageResult("smoke", StageStatus.SKIPPED, reason="no smoke rerun was due")
    return StageResult(
        "smoke",
        StageStatus.FAILED if failed else StageStatus.PASSED,
        reason=f"{sum(1 for c in checks if c.outcome is CheckOutcome.FAILED)} of {len(runs)} "
        "reruns failed"
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
