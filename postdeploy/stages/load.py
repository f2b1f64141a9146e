"""The load stage: Locust load, judged endpoint by endpoint against the last good release.

Where the baseline comes from:

* a real target: ``baselines/load-<profile>.json``, recorded from the last good release
  with ``postdeploy baseline record --stage load``; missing or mismatched → the stage
  cannot judge (ERROR → INCONCLUSIVE);
* the embedded target without such a file: a fresh instance of the release under test and a
  clean reference unimedia are started together and loaded *at the same time*, by one
  Locust run whose simulated users alternate between them — the canary-vs-fresh-baseline
  setup automated canary analysis recommends, paired so that machine and load-generator
  noise fall on both sides alike and server state is the same.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from postdeploy.baseline.calibrate import read_tolerances
from postdeploy.baseline.judge import (
    Classification,
    EndpointJudgement,
    MetricJudgement,
    Tolerances,
    judge_endpoint,
    score,
)
from postdeploy.baseline.store import read_load_baseline
from postdeploy.errors import PostdeployError
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.load.live import LiveLoad
from postdeploy.load.locust_runner import LoadRun, run_locust, run_paired
from postdeploy.load.profiles import LoadProfile, load_profile
from postdeploy.measurements import Charts, EndpointLatency
from postdeploy.stages.base import StageContext
from postdeploy.target.embedded import EmbeddedUnimedia

__all__ = ["LoadStage", "baseline_path", "chosen_profile", "tolerances_path"]

log = logging.getLogger(__name__)

# Happens once per simulated user: too few samples to judge, and not what users wait on.
NOT_JUDGED = frozenset({"POST /api/v2/auth/login", "POST /api/v2/media [setup]"})

# What every user of the unified API does all the time. A critical endpoint's regression is
# a critical finding, and when it cannot be judged (too few samples) the stage cannot pass;
# other endpoints that cannot be judged are listed as not checked.
CRITICAL_ENDPOINTS = frozenset(
    {
        "GET /api/v2/media",
        "GET /api/v2/media/{id}",
        "GET /api/v2/media/{id}/content",
        "POST /api/v2/media",
    }
)


def baseline_path(baseline_dir: Path, profile: str) -> Path:
    """The recorded load baseline of ``profile`` in the run's baseline folder."""
    return baseline_dir / f"load-{profile}.json"


def tolerances_path(baseline_dir: Path, profile: str) -> Path:
    """Written by ``postdeploy baseline calibrate``; used when present."""
    return baseline_dir / f"load-{profile}-tolerances.json"


def chosen_profile(embedded: bool, configured: str | None = None) -> LoadProfile:
    """The configured load profile (``--load-profile`` > ``POSTDEPLOY_LOAD_PROFILE`` >
    ``[load] profile``, resolved by the config), else quick for the embedded target and
    standard for a real one."""
    return load_profile(configured or ("quick" if embedded else "standard"))


def tolerances_in_force(
    calibrated: Tolerances | None, configured: Mapping[str, float]
) -> Tolerances:
    """The judge's defaults, then a calibration file's, then ``[load]`` in postdeploy.toml:
    a value a person wrote down wins over a measured proposal. ``source`` says which."""
    base = calibrated or DEFAULT_TOLERANCES
    if not configured:
        return base
    keys = ", ".join(sorted(configured))
    return replace(base, **configured, source=f"{base.source}; postdeploy.toml [load] sets {keys}")


DEFAULT_TOLERANCES = Tolerances()


@dataclass(frozen=True, slots=True)
class LoadStage:
    name: str = "load"
    # Runs alone, after the other stages: their traffic would be measured as the release's
    # latency, and the load would slow them down.
    exclusive: bool = True

    def run(self, context: StageContext) -> StageResult:
        stage_dir = context.stage_dir(self.name)
        try:
            profile = chosen_profile(context.embedded, context.load.profile)
            tolerances = tolerances_in_force(
                read_tolerances(tolerances_path(context.baseline_dir, profile.name)),
                context.load.tolerances,
            )
            live = LiveLoad(
                self.name, stage_dir, context.progress, planned_s=float(profile.duration_s)
            )
            with live:
                baseline, current, source = self._measure(context, profile, stage_dir)
        except PostdeployError as exc:
            return StageResult(self.name, StageStatus.ERROR, reason=str(exc))
        critical = (
            CRITICAL_ENDPOINTS
            if context.load.critical_endpoints is None
            else frozenset(context.load.critical_endpoints)
        )
        judged = [
            name for name in sorted(baseline)
            if name not in NOT_JUDGED and name in current.endpoints
        ]  # fmt: skip
        judgements = [
            judge_endpoint(
                name,
                baseline[name],
                current.endpoints[name],
                tolerances,
                critical=name in critical,
                family_size=2 * len(judged),
            )
            for name in judged
        ]
        missing = sorted(set(baseline) - set(current.endpoints) - NOT_JUDGED)
        result = _result(
            self.name, judgements, missing, current, profile, source, tolerances, critical
        )
        (stage_dir / "judgement.json").write_text(
            json.dumps(_judgement_document(judgements, source, tolerances), indent=2),
            encoding="utf-8",
        )
        return result

    def _measure(
        self, context: StageContext, profile: LoadProfile, stage_dir: Path
    ) -> tuple[dict, LoadRun, str]:
        path = baseline_path(context.baseline_dir, profile.name)
        if path.exists() or not context.embedded:
            recorded = read_load_baseline(path, profile=profile.name)
            current = run_locust(
                context.target, profile, context.run_id, stage_dir / "current",
                environment=context.environment,
            )  # fmt: skip
            source = (
                f"{path} (release {recorded.release or 'unknown'}, profile {recorded.profile}, "
                f"recorded {recorded.recorded_at})"
            )
            return recorded.endpoints, current, source
        # Two fresh instances: the release under test (it inherits UNIMEDIA_FAULTS like the
        # embedded target) and the clean reference release, loaded in one paired Locust run.
        # Loading the long-running target instead would compare a server that other stages
        # have used with a pristine one — a difference of state, not of release.
        candidate_server = EmbeddedUnimedia(
            log_path=stage_dir / "candidate.log", environment=context.environment
        )
        with candidate_server as candidate:
            reference_server = EmbeddedUnimedia(
                faults="", accounts=candidate.accounts, log_path=stage_dir / "reference.log",
                environment=context.environment,
            )  # fmt: skip
            with reference_server as ref:
                baseline_run, current = run_paired(
                    ref, candidate, profile, context.run_id, stage_dir / "paired",
                    environment=context.environment,
                )  # fmt: skip
        source = (
            f"a clean unimedia {ref.expected_version} and a fresh instance of the release "
            f"under test, loaded together in one paired run (load profile {profile.name})"
        )
        return baseline_run.endpoints, current, source


def _result(
    stage: str,
    judgements: list[EndpointJudgement],
    missing: list[str],
    current: LoadRun,
    profile: LoadProfile,
    source: str,
    tol: Tolerances,
    critical: frozenset[str],
) -> StageResult:
    checks: list[CheckResult] = []
    findings: list[Finding] = []
    # What each endpoint was judged on, linked from its check and finding (issue 21 §4):
    # the judge's figures and every request's latency (the per-process sample files).
    part = current.out_dir.name
    evidence = (
        str(Path("stages") / stage / "judgement.json"),
        *(
            str(Path("stages") / stage / part / "samples" / path.name)
            for path in sorted((current.out_dir / "samples").glob("samples-*.tsv"))
        ),
    )
    for judgement in judgements:
        check_id = f"load::{judgement.name}"
        if judgement.classification is Classification.HIGH:
            checks.append(
                CheckResult(
                    check_id,
                    CheckOutcome.FAILED,
                    message=_headline(judgement),
                    attachments=evidence,
                )
            )
            findings.append(
                Finding(
                    stage=stage,
                    title=f"{judgement.name}: {_headline(judgement)}",
                    severity=Severity.CRITICAL if judgement.critical else Severity.HIGH,
                    trigger=RollbackTrigger.PERFORMANCE_DEGRADATION,
                    evidence=_evidence(judgement, source, tol, 2 * len(judgements)),
                    origin=check_id,
                    attachments=evidence,
                )
            )
        elif judgement.classification is Classification.NODATA:
            why = "; ".join(
                m.detail for m in judgement.metrics if m.classification is Classification.NODATA
            )
            outcome = CheckOutcome.ERROR if judgement.critical else CheckOutcome.SKIPPED
            checks.append(CheckResult(check_id, outcome, message=f"no data: {why}"))
        else:
            checks.append(
                CheckResult(
                    check_id, CheckOutcome.PASSED, message=_numbers(judgement), attachments=evidence
                )
            )
    for name in missing:
        outcome = CheckOutcome.ERROR if name in critical else CheckOutcome.SKIPPED
        checks.append(CheckResult(f"load::{name}", outcome, message="no requests in this run"))
    metrics = {"rps": round(current.rps, 2), "requests": float(current.requests)}
    overall = score(judgements)
    if overall is not None:
        metrics["score"] = round(overall, 1)
    for judgement in judgements:
        for key, value in judgement.summary.items():
            metrics[f"{judgement.name} {key}"] = round(value, 3)
    artifacts = tuple(
        str(Path("stages") / stage / part / name)
        for part in ("current", "paired")  # a recorded baseline's run, or the paired run
        for name in ("locust.html", "locust_stats.csv")
        if (current.out_dir.parent / part / name).exists()
    )
    errors = [c for c in checks if c.outcome is CheckOutcome.ERROR]
    if findings:
        status, reason = StageStatus.FAILED, f"{len(findings)} endpoint(s) slower or failing more"
    elif errors:
        status, reason = StageStatus.ERROR, f"{len(errors)} critical endpoint(s) not judged"
    else:
        status, reason = StageStatus.PASSED, ""
    # The median: the statistic whose shift the judge tolerates up to ``median_ratio``, so
    # the chart's tolerance mark means what the judge meant; colour by the judge's word.
    latency = tuple(
        EndpointLatency(
            endpoint=j.name,
            current_ms=j.summary["current_p50_ms"],
            baseline_ms=j.summary.get("baseline_p50_ms"),
            statistic="p50",
            classification=_CHART_CLASS[j.classification],
            tolerance=tol.median_ratio,
        )
        for j in judgements
        if "current_p50_ms" in j.summary
    )
    return StageResult(
        name=stage,
        status=status,
        duration_s=float(profile.duration_s),
        reason=reason,
        findings=tuple(findings),
        checks=tuple(checks),
        metrics=metrics,
        artifacts=artifacts,
        charts=Charts(latency=latency),
    )


_CHART_CLASS = {
    Classification.HIGH: "regression",
    Classification.PASS: "within tolerance",
    Classification.LOW: "faster",
    Classification.NODATA: "no data",
}


def _headline(judgement: EndpointJudgement) -> str:
    high = {m.metric for m in judgement.metrics if m.classification is Classification.HIGH}
    parts = []
    if "latency_shift" in high:
        parts.append("slower than the last good release")
    if "latency_tail" in high:
        parts.append("slow tail grew")
    if "error_rate" in high:
        parts.append("more errors than the last good release")
    return ", ".join(parts) or "degraded"


def _numbers(judgement: EndpointJudgement) -> str:
    s = judgement.summary
    if "current_p50_ms" not in s or "baseline_p50_ms" not in s:
        return ""
    return (
        f"p50 {s['baseline_p50_ms']:.1f} → {s['current_p50_ms']:.1f} ms, "
        f"p95 {s['baseline_p95_ms']:.1f} → {s['current_p95_ms']:.1f} ms, "
        f"p99 {s['baseline_p99_ms']:.1f} → {s['current_p99_ms']:.1f} ms"
    )


def _evidence(judgement: EndpointJudgement, source: str, tol: Tolerances, family_size: int) -> str:
    s = judgement.summary
    lines = [
        _numbers(judgement),
        f"throughput {s.get('baseline_rps', 0):.1f} → {s.get('current_rps', 0):.1f} req/s, "
        f"errors {s.get('baseline_error_rate', 0):.2%} → {s.get('current_error_rate', 0):.2%}",
    ]
    lines += [_metric_line(metric) for metric in judgement.metrics]
    lines.append(
        f"tolerances ({tol.source}): median x{tol.median_ratio:.2f}, tail x{tol.tail_ratio:.2f}, "
        f"errors +{tol.error_rate_delta:.1%} at {tol.confidence:.0%} confidence over the run "
        f"({family_size} latency tests, each at p < {tol.alpha / max(1, family_size):.2g})"
    )
    lines.append(f"baseline: {source}")
    return "\n".join(line for line in lines if line)


def _metric_line(metric: MetricJudgement) -> str:
    parts = [f"{metric.metric}: {metric.classification.value}"]
    if metric.effect is not None:
        parts.append(f"effect {metric.effect:.3g}")
    if metric.p_value is not None:
        parts.append(f"p={metric.p_value:.2g}")
    if metric.detail:
        parts.append(metric.detail)
    return ", ".join(parts)


def _judgement_document(judgements: list[EndpointJudgement], source: str, tol: Tolerances) -> dict:
    return {
        "baseline": source,
        "tolerances": {
            "source": tol.source, "confidence": tol.confidence, "median_ratio": tol.median_ratio,
            "tail_quantile": tol.tail_quantile, "tail_ratio": tol.tail_ratio,
            "error_rate_delta": tol.error_rate_delta, "min_samples": tol.min_samples,
        },
        "score": score(judgements),
        "endpoints": [
            {
                "name": j.name,
                "classification": j.classification.value,
                "summary": j.summary,
                "metrics": [
                    {
                        "metric": m.metric, "classification": m.classification.value,
                        "baseline": m.baseline, "current": m.current, "effect": m.effect,
                        "p_value": m.p_value, "samples_needed": m.samples_needed,
                        "detail": m.detail,
                    }
                    for m in j.metrics
                ],
            }
            for j in judgements
        ],
    }  # fmt: skip
