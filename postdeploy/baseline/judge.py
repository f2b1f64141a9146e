"""Judge current load-test samples against a baseline, endpoint by endpoint.

The approach follows automated canary analysis (Kayenta's judge): each metric is classified
``pass`` / ``high`` / ``low`` / ``nodata`` by a significance test *and* an effect-size
tolerance. Significance alone would block releases on harmless, statistically real 2 %
shifts; effect size alone would block on noise. Both must agree.

Three metrics per endpoint:

* **latency shift** — one-sided Mann-Whitney U (is current stochastically slower?) and the
  ratio of medians against ``median_ratio``;
* **latency tail** — Kayenta's judge misses regressions that only fatten the tail
  (spinnaker/kayenta#780), because a rank test barely moves when 2 % of requests get slow.
  We count the samples above the baseline's ``tail_quantile`` (p99) in both runs and test
  the two proportions with Fisher's exact test, plus a tolerance on the ratio of p99s.
  The exceedance count is what a tail regression changes most, so this test has power
  exactly where the rank test has none;
* **error rate** — the failure proportions compared with Fisher's exact test plus an
  absolute tolerance ``error_rate_delta``.

Many endpoints, one verdict: a run judges two latency metrics for each of some ten
endpoints, and one ``high`` blocks the release. Testing each at 1 % would block one clean
release in four or five (measured: 2 false alarms in 9 clean paired runs). So
``confidence`` is for the whole run: with ``family_size`` latency tests, each is made at
``alpha / family_size`` (Bonferroni; for a single regressed endpoint exactly Holm's first
step), and the samples-needed figure uses that same level. The error rate is left at
``alpha``: a clean release has no errors to be unlucky with, and ``error_rate_delta``
guards it.

Power discipline: when a sample is too small to detect the tolerated effect at the chosen
confidence, the metric is ``nodata`` with the number of samples needed — never a silent
pass. SciPy provides the tests; this module decides what they mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType

import numpy as np

__all__ = [
    "Classification",
    "EndpointJudgement",
    "EndpointSample",
    "MetricJudgement",
    "Tolerances",
    "judge_endpoint",
    "judge_errors",
    "judge_shift",
    "judge_tail",
    "mwu_samples_needed",
    "score",
    "summarize",
]


MIN_TAIL_QUANTILE = 0.90


def _stats() -> ModuleType:
    """``scipy.stats``, imported on first use: it takes about a second to import, and every
    ``postdeploy`` command (the smoke profile too) imports this module through the stage
    registry without ever judging a load test."""
    from scipy import stats

    return stats


class Classification(StrEnum):
    PASS = "pass"  # noqa: S105 - a classification, not a password
    HIGH = "high"  # worse: slower, more errors
    LOW = "low"  # better than the baseline (reported, never blocking)
    NODATA = "nodata"  # too few samples to tell: never a pass


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How much worse is still acceptable, and how sure we must be before saying "worse".

    ``source`` records where the numbers came from (defaults, ``postdeploy.toml`` or a
    calibration run) so the verdict can show it.
    """

    confidence: float = 0.99
    median_ratio: float = 1.20
    tail_quantile: float = 0.99
    tail_ratio: float = 1.50
    error_rate_delta: float = 0.01
    min_samples: int = 30
    min_tail_exceedances: int = 5
    power: float = 0.80
    # the sequential judge's tail (issue 23): the mean excess tail score that counts — 0.002
    # is one request in 500 at ten times the p99, or one in 200 at 2.5 times
    tail_excess: float = 0.002
    # against a recorded baseline: how much slower or faster the machine may be than when
    # the baseline was recorded (control request, calibration workload) before its
    # latencies no longer compare (issue 23 §1b)
    machine_ratio: float = 1.25
    source: str = "defaults"

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence


@dataclass(frozen=True, slots=True)
class MetricJudgement:
    """One metric's classification with the numbers behind it."""

    metric: str
    classification: Classification
    baseline: float | None = None
    current: float | None = None
    effect: float | None = None
    p_value: float | None = None
    samples_needed: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EndpointSample:
    """One endpoint's measurements from one run: every latency (ms) and the failures."""

    latencies_ms: Sequence[float]
    failures: int = 0
    duration_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.failures

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class EndpointJudgement:
    name: str
    classification: Classification
    metrics: tuple[MetricJudgement, ...]
    critical: bool = False
    summary: dict[str, float] = field(default_factory=dict)


def judge_shift(
    baseline: Sequence[float],
    current: Sequence[float],
    tol: Tolerances,
    alpha: float | None = None,
) -> MetricJudgement:
    """Has the bulk of the distribution moved? Mann-Whitney U + ratio of medians.
    ``alpha``: the level of this one test (default ``tol.alpha``)."""
    name = "latency_shift"
    alpha = tol.alpha if alpha is None else alpha
    if len(baseline) < tol.min_samples or len(current) < tol.min_samples:
        return MetricJudgement(
            name, Classification.NODATA, samples_needed=tol.min_samples,
            detail=f"{len(baseline)} baseline / {len(current)} current samples, "
            f"need {tol.min_samples}",
        )  # fmt: skip
    base = np.asarray(baseline, dtype=float)
    cur = np.asarray(current, dtype=float)
    base_median, cur_median = float(np.median(base)), float(np.median(cur))
    effect = cur_median / base_median if base_median > 0 else math.inf
    slower = _stats().mannwhitneyu(cur, base, alternative="greater").pvalue
    faster = _stats().mannwhitneyu(cur, base, alternative="less").pvalue
    common = {"baseline": base_median, "current": cur_median, "effect": effect}
    if slower < alpha and effect > tol.median_ratio:
        return MetricJudgement(name, Classification.HIGH, p_value=float(slower), **common)
    if faster < alpha and effect < 1 / tol.median_ratio:
        return MetricJudgement(name, Classification.LOW, p_value=float(faster), **common)
    needed = mwu_samples_needed(base, tol.median_ratio, alpha, tol.power)
    if needed is not None and min(len(base), len(cur)) < needed:
        return MetricJudgement(
            name, Classification.NODATA, p_value=float(slower), samples_needed=needed,
            detail=f"too few samples to detect a x{tol.median_ratio:.2f} slowdown with "
            f"{tol.power:.0%} power: need {needed} per run",
            **common,
        )  # fmt: skip
    return MetricJudgement(name, Classification.PASS, p_value=float(slower), **common)


def judge_tail(
    baseline: Sequence[float],
    current: Sequence[float],
    tol: Tolerances,
    alpha: float | None = None,
) -> MetricJudgement:
    """Has the tail grown? Exceedances over a high quantile, and the ratio of the quantiles.

    The quantile is ``tail_quantile`` (p99) when both samples expect at least
    ``min_tail_exceedances`` values above it, else the highest quantile that does, down to
    p90; below that the tail cannot be judged (``nodata``).

    The threshold is that quantile of *both runs pooled*: when the release has not changed,
    the two samples are exchangeable and the number of current samples above a pooled
    threshold is exactly hypergeometric, so Fisher's exact test holds its level. A
    threshold taken from the baseline alone fixes the baseline's count by construction
    while the current count inherits the quantile estimate's error; with a few hundred
    samples that made clean runs fail (measured: 1 false alarm in 4 paired runs).
    """
    name = "latency_tail"
    alpha = tol.alpha if alpha is None else alpha
    smallest = min(len(baseline), len(current))
    q = min(tol.tail_quantile, 1.0 - tol.min_tail_exceedances / smallest) if smallest else 0.0
    if q < MIN_TAIL_QUANTILE:
        needed = math.ceil(round(tol.min_tail_exceedances / (1.0 - MIN_TAIL_QUANTILE), 6))
        return MetricJudgement(
            name, Classification.NODATA, samples_needed=needed,
            detail=f"judging even the p90 tail needs {needed} samples per run "
            f"({len(baseline)} baseline / {len(current)} current)",
        )  # fmt: skip
    base = np.asarray(baseline, dtype=float)
    cur = np.asarray(current, dtype=float)
    threshold = float(np.quantile(np.concatenate([base, cur]), q))
    base_over = int(np.count_nonzero(base > threshold))
    cur_over = int(np.count_nonzero(cur > threshold))
    table = [[cur_over, len(cur) - cur_over], [base_over, len(base) - base_over]]
    p_value = float(_stats().fisher_exact(table, alternative="greater").pvalue)
    base_q, cur_q = float(np.quantile(base, q)), float(np.quantile(cur, q))
    effect = cur_q / base_q if base_q > 0 else math.inf
    label = f"p{q * 100:.3g}"
    detail = (
        f"{label} of both runs ({threshold:.1f} ms): {cur_over / len(cur):.2%} of current "
        f"requests above it vs {base_over / len(base):.2%} of baseline requests"
    )
    common = {"baseline": base_q, "current": cur_q, "effect": effect, "p_value": p_value}
    if p_value < alpha and effect > tol.tail_ratio:
        return MetricJudgement(name, Classification.HIGH, detail=detail, **common)
    return MetricJudgement(name, Classification.PASS, detail=detail, **common)


def judge_errors(
    baseline_failures: int,
    baseline_total: int,
    current_failures: int,
    current_total: int,
    tol: Tolerances,
) -> MetricJudgement:
    """More failures than before? Fisher's exact test plus an absolute tolerance."""
    name = "error_rate"
    if baseline_total < tol.min_samples or current_total < tol.min_samples:
        return MetricJudgement(
            name, Classification.NODATA, samples_needed=tol.min_samples,
            detail=f"{baseline_total} baseline / {current_total} current requests",
        )  # fmt: skip
    base_rate = baseline_failures / baseline_total
    cur_rate = current_failures / current_total
    table = [
        [current_failures, current_total - current_failures],
        [baseline_failures, baseline_total - baseline_failures],
    ]
    p_value = float(_stats().fisher_exact(table, alternative="greater").pvalue)
    common = {
        "baseline": base_rate, "current": cur_rate, "effect": cur_rate - base_rate,
        "p_value": p_value,
    }  # fmt: skip
    if p_value < tol.alpha and cur_rate - base_rate > tol.error_rate_delta:
        return MetricJudgement(name, Classification.HIGH, **common)
    return MetricJudgement(name, Classification.PASS, **common)


def judge_endpoint(
    name: str,
    baseline: EndpointSample,
    current: EndpointSample,
    tol: Tolerances,
    *,
    critical: bool = False,
    family_size: int = 1,
) -> EndpointJudgement:
    """Classify one endpoint: HIGH if any metric is HIGH, else NODATA if any is, else PASS.
    ``family_size``: how many latency tests the run makes (each is at alpha / that)."""
    alpha = tol.alpha / max(1, family_size)
    metrics = (
        judge_shift(baseline.latencies_ms, current.latencies_ms, tol, alpha),
        judge_tail(baseline.latencies_ms, current.latencies_ms, tol, alpha),
        judge_errors(baseline.failures, baseline.requests, current.failures, current.requests,
                     tol),
    )  # fmt: skip
    classes = {metric.classification for metric in metrics}
    if Classification.HIGH in classes:
        overall = Classification.HIGH
    elif Classification.NODATA in classes:
        overall = Classification.NODATA
    elif Classification.LOW in classes:
        overall = Classification.LOW
    else:
        overall = Classification.PASS
    return EndpointJudgement(
        name, overall, metrics, critical,
        summary=summarize(baseline, current),
    )  # fmt: skip


def score(judgements: Sequence[EndpointJudgement]) -> float | None:
    """Kayenta-style score: the percentage of judged metrics that did not get worse.

    ``nodata`` metrics are left out (they are reported separately as not checked);
    ``None`` when nothing could be judged.
    """
    judged = [
        metric
        for judgement in judgements
        for metric in judgement.metrics
        if metric.classification is not Classification.NODATA
    ]
    if not judged:
        return None
    good = sum(1 for metric in judged if metric.classification is not Classification.HIGH)
    return 100.0 * good / len(judged)


def mwu_samples_needed(
    baseline: np.ndarray, ratio: float, alpha: float, power: float
) -> int | None:
    """Samples per run for a one-sided Mann-Whitney U test to detect a ``ratio`` slowdown.

    Noether's formula, with P(Y > X) under the alternative estimated from the baseline
    itself scaled by ``ratio`` — so the answer reflects this endpoint's real spread.
    ``None`` when the baseline cannot tell (e.g. all values equal).
    """
    if len(baseline) < 2:
        return None
    shifted = baseline * ratio
    u = _stats().mannwhitneyu(shifted, baseline, alternative="greater").statistic
    p_greater = float(u) / (len(baseline) ** 2)
    if p_greater <= 0.5:
        return None
    z = _stats().norm.ppf(1 - alpha) + _stats().norm.ppf(power)
    total = z**2 / (12 * 0.25 * (p_greater - 0.5) ** 2)  # equal group sizes: c = 1/2
    return max(2, math.ceil(total / 2))


def summarize(baseline: EndpointSample, current: EndpointSample) -> dict[str, float]:
    """The figures a report shows for one endpoint: p50/p95/p99, requests, error rate and
    throughput of both sides."""
    out: dict[str, float] = {}
    for label, sample in (("baseline", baseline), ("current", current)):
        values = np.asarray(sample.latencies_ms, dtype=float)
        if len(values):
            for q in (50, 95, 99):
                out[f"{label}_p{q}_ms"] = float(np.percentile(values, q))
        out[f"{label}_requests"] = float(sample.requests)
        out[f"{label}_error_rate"] = sample.failures / sample.requests if sample.requests else 0.0
        out[f"{label}_rps"] = sample.throughput
    return out
