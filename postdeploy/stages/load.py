"""The load stage: Locust load, judged endpoint by endpoint against the last good release.

Where the baseline comes from:

* a real target: ``baselines/load-<profile>.json``, recorded from the last good release
  with ``postdeploy baseline record --stage load``; missing or mismatched → the stage
  cannot judge (ERROR → INCONCLUSIVE);
* the embedded target without such a file: a fresh instance of the release under test and
  the *previous release* — its pinned code from ``releases/`` (:mod:`postdeploy.target.
  previous_release`), not the working tree — are started together and loaded *at the same
  time*, by one Locust run whose simulated users alternate between them — the
  canary-vs-fresh-baseline setup automated canary analysis recommends, paired so that
  machine and load-generator noise fall on both sides alike and server state is the same;
* ``--baseline-target URL`` (``[load] baseline_target``): the previous release, still
  running (blue/green, a canary's stable side), loaded together with the target in the
  same paired run — Kayenta's advice: compare with a baseline running *now*.

How it is judged: by default in rounds (:mod:`postdeploy.load.rounds`), stopping as soon as
every critical endpoint is decided; ``[load] mode = "fixed"`` keeps the single test after
the profile's fixed duration.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from postdeploy.baseline.calibrate import read_tolerances
from postdeploy.baseline.conditions import CONTROL_ENDPOINT, MeasuringConditions, calibration_ms
from postdeploy.baseline.judge import (
    Classification,
    EndpointJudgement,
    MetricJudgement,
    Tolerances,
    judge_endpoint,
    score,
    summarize,
)
from postdeploy.baseline.pairing import Pairs, pair_by_order, pair_by_time
from postdeploy.baseline.sequential import RoundJudgement, to_endpoint_judgements
from postdeploy.baseline.store import LoadBaseline, read_load_baseline
from postdeploy.config import TargetSettings
from postdeploy.errors import BaselineError, PostdeployError
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
from postdeploy.load.locust_runner import (
    LoadRun,
    LocustProcess,
    paired_process,
    run_locust,
    run_paired,
)
from postdeploy.load.profiles import LoadProfile, load_profile
from postdeploy.load.rounds import Outcome, RoundsResult, run_in_rounds
from postdeploy.load.samples import as_sample
from postdeploy.measurements import Charts, EndpointLatency, RoundPoint, SequentialTrack
from postdeploy.stages.base import StageContext
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.previous_release import (
    PREVIOUS_RELEASE,
    PreviousRelease,
    read_previous_release,
    unpacked,
)

__all__ = ["LoadStage", "baseline_path", "chosen_profile", "tolerances_path"]

log = logging.getLogger(__name__)

# Happens once per simulated user: too few samples to judge, and not what users wait on.
# The control request measures the machine, not the release (postdeploy.baseline.conditions).
NOT_JUDGED = frozenset({"POST /api/v2/auth/login", "POST /api/v2/media [setup]"})
NOT_THE_RELEASE = NOT_JUDGED | {CONTROL_ENDPOINT}

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
    # The embedded target's reference: the manifest of the pinned previous release
    # (None: releases/previous.json of this checkout).
    previous_release: Path | None = None

    def run(self, context: StageContext) -> StageResult:
        stage_dir = context.stage_dir(self.name)
        try:
            profile = chosen_profile(context.embedded, context.load.profile)
            tolerances = tolerances_in_force(
                read_tolerances(tolerances_path(context.baseline_dir, profile.name)),
                context.load.tolerances,
            )
            critical = (
                CRITICAL_ENDPOINTS
                if context.load.critical_endpoints is None
                else frozenset(context.load.critical_endpoints)
            )
            fixed = context.load.mode == "fixed"
            # Locust's live figures for the progress display, in either mode (issue 21 §2):
            # the fixed judge runs the profile's duration, the rounds at most its longest.
            live = LiveLoad(
                self.name,
                stage_dir,
                context.progress,
                planned_s=float(profile.duration_s if fixed else profile.longest_s),
            )
            with live:
                if fixed:
                    return self._run_fixed(context, profile, tolerances, critical, stage_dir)
                return self._run_sequential(
                    context, profile, tolerances, critical, stage_dir, on_round=live.judged
                )
        except PostdeployError as exc:
            return StageResult(self.name, StageStatus.ERROR, reason=str(exc))

    # --- the fixed judge: one test after the profile's duration ---------------------------

    def _run_fixed(
        self,
        context: StageContext,
        profile: LoadProfile,
        tolerances: Tolerances,
        critical: frozenset[str],
        stage_dir: Path,
    ) -> StageResult:
        baseline, current, source = self._measure(context, profile, stage_dir)
        judged = [
            name for name in sorted(baseline)
            if name not in NOT_THE_RELEASE and name in current.endpoints
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
        missing = sorted(set(baseline) - set(current.endpoints) - NOT_THE_RELEASE)
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
        rate = context.load.arrival_rate
        if context.load.baseline_target:
            reference = _baseline_target(context)
            baseline_run, current = run_paired(
                reference, context.target, profile, context.run_id, stage_dir / "paired",
                arrival_rate=rate, environment=context.environment,
            )  # fmt: skip
            return baseline_run.endpoints, current, _paired_source(reference, profile)
        path = baseline_path(context.baseline_dir, profile.name)
        if path.exists() or not context.embedded:
            recorded = read_load_baseline(path, profile=profile.name)
            current = run_locust(
                context.target, profile, context.run_id, stage_dir / "current",
                arrival_rate=rate, environment=context.environment,
            )  # fmt: skip
            source = (
                f"{path} (release {recorded.release or 'unknown'}, profile {recorded.profile}, "
                f"recorded {recorded.recorded_at})"
            )
            return recorded.endpoints, current, source
        with ExitStack() as servers:
            ref, candidate, previous = self._embedded_pair(context, stage_dir, servers)
            baseline_run, current = run_paired(
                ref, candidate, profile, context.run_id, stage_dir / "paired",
                arrival_rate=rate, environment=context.environment,
            )  # fmt: skip
        return baseline_run.endpoints, current, _previous_source(previous, profile)

    def _embedded_pair(
        self, context: StageContext, stage_dir: Path, servers: ExitStack
    ) -> tuple[TargetSettings, TargetSettings, PreviousRelease]:
        """Two fresh instances, loaded in one paired Locust run: the previous release (its
        pinned code, outside the working tree, no faults) and the release under test (the
        working tree; it inherits UNIMEDIA_FAULTS like the embedded target). Loading the
        long-running target instead would compare a server that other stages have used
        with a pristine one — a difference of state, not of release. A reference started
        from the working tree would carry the same code-level regressions as the candidate
        and hide them (issue 22 §2): without the previous release the stage cannot judge."""
        # read (and hash-checked) before anything starts: a missing release costs nothing
        previous = read_previous_release(self.previous_release or PREVIOUS_RELEASE)
        code = servers.enter_context(unpacked(previous))
        https = _https(context.target)
        candidate_server = EmbeddedUnimedia(
            log_path=stage_dir / "candidate.log", environment=context.environment, https=https
        )
        candidate = servers.enter_context(candidate_server)
        # one run CA for both, so that one Locust trusts both
        ref = servers.enter_context(
            EmbeddedUnimedia(
                faults="", accounts=candidate.accounts, log_path=stage_dir / "reference.log",
                environment=context.environment, code=code, https=https,
                authority=candidate_server.authority,
            )
        )  # fmt: skip
        return ref, candidate, previous

    # --- the sequential judge: rounds until decided (issue 23) ----------------------------

    def _run_sequential(
        self,
        context: StageContext,
        profile: LoadProfile,
        tol: Tolerances,
        critical: frozenset[str],
        stage_dir: Path,
        *,
        on_round: Callable[[RoundJudgement], None],
    ) -> StageResult:
        rate = context.load.arrival_rate
        recorded: LoadBaseline | None = None
        with ExitStack() as servers:
            if context.load.baseline_target:
                reference = _baseline_target(context)
                process = paired_process(
                    reference, context.target, profile, context.run_id, stage_dir / "paired",
                    run_time_s=profile.longest_s, arrival_rate=rate,
                    environment=context.environment,
                )  # fmt: skip
                rounds = run_in_rounds(
                    process, profile, tol, pair=_paired_pairs, critical=critical, on_round=on_round
                )
                source = _paired_source(reference, profile)
            elif baseline_path(context.baseline_dir, profile.name).exists() or not context.embedded:
                recorded = _recorded_for_rounds(context.baseline_dir, profile, rate)
                now = MeasuringConditions(calibration_ms=calibration_ms())
                process = LocustProcess(
                    context.target, profile, context.run_id, stage_dir / "current",
                    users=profile.users, run_time_s=profile.longest_s, arrival_rate=rate,
                    base=context.environment,
                )  # fmt: skip
                rounds = run_in_rounds(
                    process, profile, tol, pair=lambda sides: _recorded_pairs(sides, recorded),
                    critical=critical, recorded=recorded.conditions, now=now,
                    against_recording=True, on_round=on_round,
                )  # fmt: skip
                source = (
                    f"{baseline_path(context.baseline_dir, profile.name)} "
                    f"(release {recorded.release or 'unknown'}, "
                    f"profile {recorded.profile}, recorded {recorded.recorded_at})"
                )
            else:
                ref, candidate, previous = self._embedded_pair(context, stage_dir, servers)
                process = paired_process(
                    ref, candidate, profile, context.run_id, stage_dir / "paired",
                    run_time_s=profile.longest_s, arrival_rate=rate,
                    environment=context.environment,
                )  # fmt: skip
                rounds = run_in_rounds(
                    process, profile, tol, pair=_paired_pairs, critical=critical, on_round=on_round
                )
                source = _previous_source(previous, profile)
        return _sequential_result(
            self.name, rounds, profile, source, tol, critical, stage_dir, recorded
        )


def _result(
    stage: str,
    judgements: list[EndpointJudgement],
    missing: list[str],
    current: LoadRun,
    profile: LoadProfile,
    source: str,
    tol: Tolerances,
    critical: frozenset[str],
    family_size: int | None = None,
) -> StageResult:
    checks: list[CheckResult] = []
    findings: list[Finding] = []
    # a critical endpoint nobody measured is not a pass (fail closed)
    judged_names = {judgement.name for judgement in judgements}
    missing = sorted(set(missing) | (critical - judged_names))
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
                    evidence=_evidence(judgement, source, tol, family_size or 2 * len(judgements)),
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
        duration_s=float(current.duration_s),
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
        f"({family_size} tests, each at p < {tol.alpha / max(1, family_size):.2g})"
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


# --- the sequential judge's result --------------------------------------------------------


def _baseline_target(context: StageContext) -> TargetSettings:
    """The previous release (``--baseline-target``): the target's accounts must work there."""
    url = context.load.baseline_target
    if url == context.target.url:
        raise BaselineError(
            f"--baseline-target {url} is the target itself: name the previous release"
        )
    # the embedded target's run CA is not the previous release's; a private CA may well be
    ca_file = None if context.embedded else context.target.ca_file
    return replace(context.target, url=url, expected_version=None, ca_file=ca_file)


def _https(target: TargetSettings) -> bool:
    """The embedded target's fresh instances speak what the embedded target speaks."""
    return (target.url or "").startswith("https://")


def _previous_source(previous: PreviousRelease, profile: LoadProfile) -> str:
    return (
        f"the previous release, {previous.describe()}, started from its pinned copy, and a "
        "fresh instance of the release under test, loaded together in one paired run "
        f"(load profile {profile.name})"
    )


def _paired_source(reference: TargetSettings, profile: LoadProfile) -> str:
    return (
        f"the previous release at {reference.url}, still running, loaded together with the "
        f"release under test in one paired run (load profile {profile.name})"
    )


def _recorded_for_rounds(
    baseline_dir: Path, profile: LoadProfile, arrival_rate: float | None
) -> LoadBaseline:
    path = baseline_path(baseline_dir, profile.name)
    recorded = read_load_baseline(path, profile=profile.name)
    if recorded.arrival_rate != arrival_rate:

        def loop(rate: float | None) -> str:
            return f"open loop at {rate:g} requests/s" if rate else "closed loop"

        raise BaselineError(
            f"{path} was recorded with a {loop(recorded.arrival_rate)}"
            f" load, this run uses a {loop(arrival_rate)}: record it again with the same "
            "[load] arrival_rate"
        )
    if not recorded.series:
        raise BaselineError(
            f"{path} was recorded by an older postdeploy (baseline "
            f"version {recorded.version}, no request series): record it again with "
            '`postdeploy baseline record --stage load`, or set [load] mode = "fixed"'
        )
    return recorded


def _paired_pairs(sides: Mapping[str, Mapping]) -> dict[str, Pairs]:
    candidate, reference = sides.get("candidate", {}), sides.get("reference", {})
    return {
        name: pair_by_time(candidate[name], reference[name])
        for name in sorted(set(candidate) & set(reference))
        if name not in NOT_JUDGED
    }


def _recorded_pairs(sides: Mapping[str, Mapping], recorded: LoadBaseline) -> dict[str, Pairs]:
    candidate = sides.get("candidate", {})
    return {
        name: pair_by_order(candidate[name], recorded.series[name])
        for name in sorted(set(candidate) & set(recorded.series))
        if name not in NOT_JUDGED
    }


_CONDITION_FAILURES = {
    Outcome.MACHINE_SLOWER: "latency not comparable with the recorded baseline",
    Outcome.MACHINE_FASTER: "a GO would not be trustworthy",
}


def _sequential_result(
    stage: str,
    rounds: RoundsResult,
    profile: LoadProfile,
    source: str,
    tol: Tolerances,
    critical: frozenset[str],
    stage_dir: Path,
    recorded: LoadBaseline | None = None,
) -> StageResult:
    final = rounds.final
    duration = rounds.duration_s
    candidate_series = {
        name: series.until(final.at_s)
        for name, series in rounds.series.get("candidate", {}).items()
    }
    candidate = {name: as_sample(series, duration) for name, series in candidate_series.items()}
    if recorded is not None:
        reference = recorded.endpoints
    else:
        reference = {
            name: as_sample(series.until(final.at_s), duration)
            for name, series in rounds.series.get("reference", {}).items()
        }
    summaries = {
        name: summarize(reference[name], candidate[name]) for name in candidate if name in reference
    }
    judgements = to_endpoint_judgements(final, tol, summaries)
    missing = sorted(set(reference) - set(candidate) - NOT_THE_RELEASE)
    run = LoadRun(candidate, duration, rounds_out_dir(stage_dir, recorded is not None))
    result = _result(
        stage, judgements, missing, run, profile, source, tol, critical, final.family_size
    )
    findings = list(result.findings)
    checks = list(result.checks)
    for metric, state, bound in (
        ("latency_tail", final.pooled_tail, tol.tail_excess),
        ("error_rate", final.pooled_errors, tol.error_rate_delta),
    ):
        if metric in final.pooled_slower:
            findings.append(_pooled_finding(stage, metric, state, bound, final, source, tol))
    status, reason = result.status, result.reason
    if rounds.outcome in _CONDITION_FAILURES:
        kept = []
        for finding in findings:
            if "more errors" in finding.title:
                kept.append(finding)
                continue
            checks.append(
                CheckResult(
                    finding.origin, CheckOutcome.ERROR,
                    message=f"{finding.title} — but the machine differed from the recording",
                )
            )  # fmt: skip
        findings = kept
        why = "; ".join(rounds.causes)
        checks.append(CheckResult("load::conditions", CheckOutcome.ERROR, message=why))
        status = StageStatus.FAILED if findings else StageStatus.ERROR
        reason = f"{_CONDITION_FAILURES[rounds.outcome]}: {why}"
    else:
        checks.append(
            CheckResult("load::conditions", CheckOutcome.PASSED, message=_conditions_note(rounds))
        )
        if findings:
            # stopped at the first proof of a regression: what was still open is not a gap
            # in the verdict (NO_GO stands), just not decided
            checks = [
                replace(
                    check, outcome=CheckOutcome.SKIPPED,
                    message=f"not decided: the run stopped at {duration:.0f} s on a "
                    f"regression ({check.message})",
                )
                if check.outcome in (CheckOutcome.ERROR, CheckOutcome.SKIPPED)
                and check.message.startswith("no data")
                else check
                for check in checks
            ]  # fmt: skip
        if findings:
            status = StageStatus.FAILED
            reason = f"{len(findings)} regression(s) after {duration:.0f} s of load"
        elif rounds.outcome is Outcome.UNDECIDED:
            reason = (
                f"{result.reason}: still undecided after {duration:.0f} s, the profile's maximum"
            )
    metrics = dict(result.metrics)
    metrics.update(
        {
            "load_seconds": round(duration, 1),
            "rounds": float(len(rounds.history)),
            "tests_in_family": float(final.family_size),
        }
    )
    if rounds.usage.cpu_percent_mean is not None:
        metrics["generator_cpu_percent"] = round(rounds.usage.cpu_percent_mean, 1)
    tracks = _tracks(rounds, tol, critical)
    (stage_dir / "judgement.json").write_text(
        json.dumps(
            _judgement_document(judgements, source, tol) | _sequential_document(rounds, tracks),
            indent=2,
        ),
        encoding="utf-8",
    )
    return replace(
        result,
        status=status,
        reason=reason,
        findings=tuple(findings),
        checks=tuple(checks),
        metrics=metrics,
        charts=replace(result.charts, sequential=tracks),
    )


def rounds_out_dir(stage_dir: Path, recorded: bool) -> Path:
    return stage_dir / ("current" if recorded else "paired")


def _conditions_note(rounds: RoundsResult) -> str:
    usage = rounds.usage
    generator = (
        f"load generator CPU {usage.cpu_percent_mean:.0f} % (peak {usage.cpu_percent_max:.0f} %)"
        if usage.cpu_percent_mean is not None and usage.cpu_percent_max is not None
        else "load generator CPU not reported"
    )
    if usage.cpu_warning:
        generator += ", Locust warned its CPU was above 90 %"
    if rounds.conditions is None:
        return f"paired run: both releases measured at the same time; {generator}"
    return "; ".join([*rounds.conditions.lines, generator])


def _pooled_finding(
    stage: str,
    metric: str,
    state: object,
    bound: float,
    final: object,
    source: str,
    tol: Tolerances,
) -> Finding:
    what = (
        "slow tail grew" if metric == "latency_tail" else "more errors than the last good release"
    )
    unit = "tail score" if metric == "latency_tail" else "failure rate"
    worst = sorted(
        final.endpoints,
        key=lambda e: -(e.tail.excess if metric == "latency_tail" else e.errors.excess),
    )[:4]
    names = ", ".join(
        f"{e.name} ({(e.tail if metric == 'latency_tail' else e.errors).excess:+.4f})"
        for e in worst
    )
    evidence = "\n".join(
        [
            state.detail,
            f"always-valid p={state.p_value:.2g} (each regression test at p < "
            f"{final.alpha_slower:.2g}, {final.family_size} tests in the run); counts when the "
            f"{unit} is higher by more than {bound:g} per pair",
            f"largest contributions: {names}",
            f"baseline: {source}",
        ]
    )
    critical = any(e.critical for e in worst[:2])
    return Finding(
        stage=stage,
        title=f"all endpoints together: {what}",
        severity=Severity.CRITICAL if critical else Severity.HIGH,
        trigger=RollbackTrigger.PERFORMANCE_DEGRADATION,
        evidence=evidence,
        origin=f"load::pooled {metric}",
    )


def _tracks(
    rounds: RoundsResult, tol: Tolerances, critical: frozenset[str]
) -> tuple[SequentialTrack, ...]:
    """Per critical endpoint: the estimate and confidence bounds after every round, and
    when it was decided."""
    tracks = []
    for name in sorted(critical):
        points = []
        decided_at = None
        decision = "undecided"
        for judgement in rounds.history:
            endpoint = judgement.endpoint(name)
            if endpoint is None or endpoint.shift.estimate is None:
                continue
            shift = endpoint.shift
            at = judgement.at_s - rounds.started_at
            points.append(RoundPoint(at, shift.estimate, shift.lower, shift.upper))
            if decided_at is None and endpoint.decided:
                decided_at = at
                decision = {
                    Classification.HIGH: "worse",
                    Classification.LOW: "faster",
                    Classification.PASS: "within tolerance",
                }[endpoint.classification]
        if points:
            tracks.append(
                SequentialTrack(name, tol.median_ratio, tuple(points), decided_at, decision)
            )
    return tuple(tracks)


def _sequential_document(rounds: RoundsResult, tracks: tuple[SequentialTrack, ...]) -> dict:
    final = rounds.final
    return {
        "mode": "sequential",
        "outcome": rounds.outcome.value,
        "causes": list(rounds.causes),
        "load_seconds": rounds.duration_s,
        "family_size": final.family_size,
        "alpha_slower": final.alpha_slower,
        "alpha_within": final.alpha_within,
        "pooled": {
            name: {
                "pairs": state.pairs, "excess": state.excess, "p_value": state.p_value,
                "rejected": state.rejected, "detail": state.detail,
            }
            for name, state in (("latency_tail", final.pooled_tail),
                                ("error_rate", final.pooled_errors))
        },
        "control": None if final.control is None else {
            "estimate": final.control.estimate, "lower": final.control.lower,
            "upper": final.control.upper, "pairs": final.control.pairs,
        },
        "conditions": list(rounds.conditions.lines) if rounds.conditions else [],
        "generator": {
            "cpu_percent_mean": rounds.usage.cpu_percent_mean,
            "cpu_percent_max": rounds.usage.cpu_percent_max,
            "cpu_warning": rounds.usage.cpu_warning,
        },
        "rounds": [
            {
                "at_s": round(j.at_s - rounds.started_at, 2),
                "endpoints": {
                    e.name: {
                        "classification": e.classification.value,
                        "pairs": e.shift.pairs, "estimate": e.shift.estimate,
                        "lower": e.shift.lower, "upper": e.shift.upper,
                        "tail_excess": e.tail.excess, "error_excess": e.errors.excess,
                    }
                    for e in j.endpoints
                },
            }
            for j in rounds.history
        ],
        "tracks": [track.to_dict() for track in tracks],
    }  # fmt: skip
