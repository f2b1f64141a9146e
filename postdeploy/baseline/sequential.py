"""The sequential judge: after every round of load, is each endpoint decided yet?

The fixed judge (:mod:`postdeploy.baseline.judge`) tests once, at the end of a fixed
duration. Here the same questions are asked after every round, with tests that stay valid
however often they are looked at (:mod:`postdeploy.baseline.betting`), so the run can stop
as soon as the evidence is in — early on a clear regression, early on a clean release —
and keep going while it is not.

All tests work on pairs of requests (:mod:`postdeploy.baseline.pairing`), one of the
candidate and one of the reference, of one endpoint:

* **latency shift.** ``d = log(candidate ms) - log(reference ms)``, clipped to ±log 4 (a
  request four times slower than its partner counts as four times, so one stalled request
  cannot decide alone). For a ratio ``r`` the null "the candidate is ``r`` times the
  reference" makes ``d - log r`` symmetric about 0, so its clipped mean is 0: the set of
  ``r`` that neither one-sided betting test rejects is a confidence sequence for the
  slowdown (a Huber-type location of the log ratio; the estimate is the ``r`` that zeroes
  the clipped mean). The endpoint is

  - *slower* when ``r = 1`` is rejected from below (the candidate is stochastically slower
    — the null "not slower" holds under any distribution, not only a shift) **and** the
    estimate exceeds ``median_ratio``: Kayenta's rule, significance and effect size;
  - *within tolerance* (non-inferior) when ``r = median_ratio`` is rejected from above:
    at the run's confidence the candidate is less than ``median_ratio`` times slower;
  - *faster* when, moreover, ``r = 1`` is rejected from above and the estimate is below
    ``1 / median_ratio`` (reported, never blocking);
  - otherwise undecided: more pairs are needed (an estimate of how many is given).

* **tail, by magnitude** (issue 23 §3). Each request scores how far it lies above the tail
  threshold ``T`` — the ``tail_quantile`` (p99) of the *reference's* requests *before this
  round*, so it is fixed before the round's data are seen and the same for both members
  of a pair: ``min(1, log(x / T) / log 10)``, 0 at or below ``T``, 1 from ten times ``T``
  on. (Not the quantile of both sides: a candidate whose slowest 2 % are slow would lift
  a pooled p99 into its own slow requests and score them near 0. Fixing ``T`` before the
  round is what keeps the pair's members exchangeable; which side's past it comes from
  does not matter for that.) The pair's score difference has mean 0 when nothing changed;
  a release that makes 1 request in 100 take seconds adds about 0.01 per pair, however
  few land on one endpoint.
  Tested per endpoint and **pooled over all endpoints** (one stream of pairs in time
  order), slower when the test rejects and the estimated excess is at least
  ``tail_excess``.

* **errors.** The pair's failure difference (-1, 0, 1); per endpoint and pooled, slower
  when the test rejects and the excess failure rate is above ``error_rate_delta``.

**The guarantee.** A run makes ``3 m + 2`` tests that can claim a regression (``m``
judged endpoints: shift from below, tail, errors; plus the pooled tail and errors) and
``m`` that can claim "within tolerance" (or "faster": the shift from above), plus two for
the control request. Half of ``1 - confidence`` is split evenly over the first group,
half over the second (a weighted Bonferroni: a GO needs only the four critical endpoints'
upper bounds, so they get a larger share than a regression test each). Each test's error
is bounded at any stopping time, so at whatever round the run stops, the probability that
*any* of its claims is wrong — a regression claimed for an endpoint that did not change, a
tolerance claimed for an endpoint that is ``median_ratio`` or more times slower — is at
most ``1 - confidence``. What the guarantee assumes: pairs are exchangeable when nothing
changed (both sides measured alike, which the paired run arranges and a recorded baseline
only approximates; :mod:`postdeploy.baseline.conditions` checks the machine for that).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from postdeploy.baseline.betting import MAX_BET, Alternative, betting_test, confidence_interval
from postdeploy.baseline.judge import (
    MIN_TAIL_QUANTILE,
    Classification,
    EndpointJudgement,
    MetricJudgement,
    Tolerances,
)
from postdeploy.baseline.pairing import Pairs

__all__ = [
    "SHIFT_CLIP",
    "TAIL_SCALE",
    "ExcessState",
    "RoundJudgement",
    "SequentialEndpoint",
    "ShiftState",
    "family_size",
    "judge_round",
    "to_endpoint_judgements",
]

SHIFT_CLIP = math.log(4.0)  # one request counts at most as "four times slower"
TAIL_SCALE = 10.0  # a request ten times the tail threshold scores fully
FLOOR_MS = 0.01


@dataclass(frozen=True, slots=True)
class ShiftState:
    """The latency shift of one endpoint after a round; ratios candidate / reference."""

    pairs: int
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    slower: bool = False  # "not slower" rejected
    within: bool = False  # "median_ratio or more slower" rejected
    faster: bool = False  # "not faster" rejected
    p_slower: float = 1.0  # always-valid p-values: 1 / the capital's maximum
    p_within: float = 1.0
    pairs_needed: int | None = None
    candidate_median_ms: float | None = None
    reference_median_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ExcessState:
    """A tail or error comparison: the candidate's and reference's mean (tail score or
    failure rate), their difference, and whether "no excess" is rejected."""

    pairs: int
    candidate: float = 0.0
    reference: float = 0.0
    rejected: bool = False
    p_value: float = 1.0
    detail: str = ""

    @property
    def excess(self) -> float:
        return self.candidate - self.reference


@dataclass(frozen=True, slots=True)
class SequentialEndpoint:
    name: str
    shift: ShiftState
    tail: ExcessState
    errors: ExcessState
    classification: Classification
    critical: bool = False
    slower_metrics: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        return self.classification is not Classification.NODATA


@dataclass(frozen=True, slots=True)
class RoundJudgement:
    """Everything known after one round."""

    at_s: float
    endpoints: tuple[SequentialEndpoint, ...]
    pooled_tail: ExcessState
    pooled_errors: ExcessState
    family_size: int
    alpha_slower: float  # each test that can claim a regression
    alpha_within: float  # each test that can claim "within tolerance" (or "faster")
    pooled_slower: tuple[str, ...] = ()  # "latency_tail", "error_rate"
    control: ShiftState | None = None  # the control request's shift (never a finding)

    @property
    def regression(self) -> bool:
        return bool(self.pooled_slower) or any(
            e.classification is Classification.HIGH for e in self.endpoints
        )

    critical: frozenset[str] = frozenset()

    @property
    def critical_decided(self) -> bool:
        """Every critical endpoint present and decided — never true for want of data: a
        critical endpoint without requests is undecided, and so is a run without any."""
        decided = {e.name for e in self.endpoints if e.decided}
        return bool(self.critical) and self.critical <= decided

    def endpoint(self, name: str) -> SequentialEndpoint | None:
        return next((e for e in self.endpoints if e.name == name), None)


def family_size(endpoints: int, control: bool = False) -> int:
    """How many one-sided tests a run with ``endpoints`` judged endpoints makes."""
    return _slower_tests(endpoints) + _within_tests(endpoints, control)


def _slower_tests(endpoints: int) -> int:
    return 3 * max(1, endpoints) + 2


def _within_tests(endpoints: int, control: bool) -> int:
    return max(1, endpoints) + (2 if control else 0)


def judge_round(
    pairs: Mapping[str, Pairs],
    tol: Tolerances,
    *,
    at_s: float,
    round_starts: Sequence[float],
    critical: frozenset[str] = frozenset(),
    control: str | None = None,
) -> RoundJudgement:
    """Judge every endpoint's pairs completed by ``at_s``. ``round_starts``: the earlier
    rounds' cut-off times (ascending); the tail threshold of a round comes from the pairs
    before it. ``control``: the control request's name — its shift is judged (two more
    tests in the family) but it is no endpoint of the release: never a finding, not
    pooled."""
    judged = {name: p for name, p in pairs.items() if name != control}
    has_control = control is not None and control in pairs
    family = family_size(len(judged), has_control)
    alpha = tol.alpha / 2 / _slower_tests(len(judged))
    within = tol.alpha / 2 / _within_tests(len(judged), has_control)
    boundaries = [t for t in round_starts if t < at_s] + [at_s]
    endpoints = []
    tail_streams: list[tuple[np.ndarray, np.ndarray]] = []
    error_streams: list[tuple[np.ndarray, np.ndarray]] = []
    for name in sorted(judged):
        p = _until(judged[name], at_s)
        shift = _shift(p, tol, alpha, within)
        tail_times, tail_c, tail_r = _tail_scores(p, boundaries, tol)
        tail = _excess(tail_c - tail_r, tail_c, tail_r, alpha, _tail_detail(tail_c, tail_r))
        fails = p.candidate_failed.astype(float) - p.reference_failed.astype(float)
        errors = _excess(
            fails, p.candidate_failed.astype(float), p.reference_failed.astype(float), alpha
        )
        tail_streams.append((tail_times, tail_c - tail_r))
        error_streams.append((p.times_s, fails))
        endpoints.append(_classify(name, shift, tail, errors, tol, name in critical))
    pooled_tail = _pooled(tail_streams, alpha, "tail score")
    pooled_errors = _pooled(error_streams, alpha, "failure rate")
    pooled_slower = tuple(
        metric
        for metric, state, bound in (
            ("latency_tail", pooled_tail, tol.tail_excess),
            ("error_rate", pooled_errors, tol.error_rate_delta),
        )
        if state.rejected and state.excess > bound
    )
    control_shift = (
        _shift(_until(pairs[control], at_s), tol, within, within) if has_control else None
    )
    return RoundJudgement(
        at_s, tuple(endpoints), pooled_tail, pooled_errors, family, alpha, within,
        pooled_slower, control_shift, frozenset(critical),
    )  # fmt: skip


def _until(p: Pairs, at_s: float) -> Pairs:
    end = int(np.searchsorted(p.times_s, at_s, side="right"))
    if end == len(p):
        return p
    return Pairs(
        p.times_s[:end], p.candidate_ms[:end], p.reference_ms[:end],
        p.candidate_failed[:end], p.reference_failed[:end],
    )  # fmt: skip


def _shift(p: Pairs, tol: Tolerances, alpha: float, alpha_within: float) -> ShiftState:
    """``alpha``: the level of the test from below (slower); ``alpha_within``: of the tests
    from above (within tolerance, faster)."""
    ok = p.both_succeeded
    cand, ref = p.candidate_ms[ok], p.reference_ms[ok]
    n = int(cand.shape[0])
    if n == 0:
        return ShiftState(0)
    d = np.log(np.maximum(cand, FLOOR_MS)) - np.log(np.maximum(ref, FLOOR_MS))

    def scaled(log_ratio: float) -> np.ndarray:
        return np.clip((d - log_ratio) / SHIFT_CLIP, -1.0, 1.0)

    margin = math.log(tol.median_ratio)
    slower = betting_test(scaled(0.0), 0.0, alpha, Alternative.GREATER)
    faster = betting_test(scaled(0.0), 0.0, alpha_within, Alternative.LESS)
    within = betting_test(scaled(margin), 0.0, alpha_within, Alternative.LESS)
    low, high = confidence_interval(scaled, -SHIFT_CLIP, SHIFT_CLIP, alpha, alpha_high=alpha_within)
    estimate = _location(d)
    lower, upper = math.exp(low), math.exp(high)
    return ShiftState(
        pairs=n,
        estimate=math.exp(estimate),
        lower=lower,
        upper=upper,
        slower=slower.rejected,
        within=within.rejected,
        faster=faster.rejected,
        p_slower=min(1.0, math.exp(-slower.max_log_capital)),
        p_within=min(1.0, math.exp(-within.max_log_capital)),
        pairs_needed=None if within.rejected else _pairs_needed(scaled(margin), alpha_within),
        candidate_median_ms=float(np.median(cand)),
        reference_median_ms=float(np.median(ref)),
    )


def _location(d: np.ndarray) -> float:
    """The log ratio that zeroes the clipped mean of ``d - r`` (bisection: it is monotone)."""
    low, high = -SHIFT_CLIP, SHIFT_CLIP
    for _ in range(50):
        middle = (low + high) / 2
        if np.clip(d - middle, -SHIFT_CLIP, SHIFT_CLIP).mean() > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _pairs_needed(x: np.ndarray, alpha: float) -> int | None:
    """About how many pairs the "within tolerance" test needs, from its expected growth
    (``None``: the estimate is at or beyond the tolerance — more pairs will not help)."""
    gap = -float(x.mean())
    if gap <= 0:
        return None
    second = float(np.var(x)) + gap**2
    bet = min(MAX_BET, gap / second)
    growth = bet * gap - bet**2 * second / 2
    if growth <= 0:
        return None
    return math.ceil(math.log(1 / alpha) / growth)


def _tail_scores(
    p: Pairs, boundaries: Sequence[float], tol: Tolerances
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair completion times and tail scores (candidate, reference) of the pairs that have
    a threshold: pairs of round ``j`` use the reference's quantile over the pairs before
    it."""
    ok = p.both_succeeded
    times, cand, ref = p.times_s[ok], p.candidate_ms[ok], p.reference_ms[ok]
    segment = np.searchsorted(np.asarray(boundaries), times, side="left")
    keep_t, keep_c, keep_r = [], [], []
    needed = math.ceil(round(tol.min_tail_exceedances / (1.0 - MIN_TAIL_QUANTILE), 6))
    for j in range(1, len(boundaries)):
        members = segment == j
        if not members.any():
            continue
        before = ref[times <= boundaries[j - 1]]
        if before.size < needed:
            continue
        q = min(tol.tail_quantile, 1.0 - tol.min_tail_exceedances / before.size)
        threshold = max(float(np.quantile(before, q)), FLOOR_MS)
        keep_t.append(times[members])
        keep_c.append(_score(cand[members], threshold))
        keep_r.append(_score(ref[members], threshold))
    if not keep_t:
        empty = np.zeros(0)
        return empty, empty, empty
    return np.concatenate(keep_t), np.concatenate(keep_c), np.concatenate(keep_r)


def _score(values: np.ndarray, threshold: float) -> np.ndarray:
    ratio = np.maximum(values, FLOOR_MS) / threshold
    return np.clip(np.log(ratio) / math.log(TAIL_SCALE), 0.0, 1.0)


def _tail_detail(cand: np.ndarray, ref: np.ndarray) -> str:
    if cand.size == 0:
        return "no tail threshold yet (too few requests before this round)"
    far_c = float(np.mean(cand >= 1.0))
    far_r = float(np.mean(ref >= 1.0))
    return (
        f"tail score {cand.mean():.4f} vs {ref.mean():.4f} over {cand.size} pairs; "
        f"{far_c:.2%} vs {far_r:.2%} of requests at 10x the reference's p99 or more"
    )


def _excess(
    y: np.ndarray, cand: np.ndarray, ref: np.ndarray, alpha: float, detail: str = ""
) -> ExcessState:
    if y.size == 0:
        return ExcessState(0, detail=detail)
    test = betting_test(y, 0.0, alpha, Alternative.GREATER)
    return ExcessState(
        pairs=int(y.size),
        candidate=float(cand.mean()),
        reference=float(ref.mean()),
        rejected=test.rejected,
        p_value=min(1.0, math.exp(-test.max_log_capital)),
        detail=detail,
    )


def _pooled(
    streams: Sequence[tuple[np.ndarray, np.ndarray]], alpha: float, what: str
) -> ExcessState:
    times = np.concatenate([t for t, _ in streams]) if streams else np.zeros(0)
    values = np.concatenate([v for _, v in streams]) if streams else np.zeros(0)
    if values.size == 0:
        return ExcessState(0)
    order = np.argsort(times, kind="stable")
    y = values[order]
    test = betting_test(y, 0.0, alpha, Alternative.GREATER)
    excess = float(y.mean())
    return ExcessState(
        pairs=int(y.size),
        candidate=excess,
        reference=0.0,
        rejected=test.rejected,
        p_value=min(1.0, math.exp(-test.max_log_capital)),
        detail=f"all endpoints pooled: {what} higher by {excess:.4f} per pair over {y.size} pairs",
    )


def _classify(
    name: str,
    shift: ShiftState,
    tail: ExcessState,
    errors: ExcessState,
    tol: Tolerances,
    critical: bool,
) -> SequentialEndpoint:
    slower = []
    if shift.slower and (shift.estimate or 0.0) > tol.median_ratio:
        slower.append("latency_shift")
    if tail.rejected and tail.excess >= tol.tail_excess:
        slower.append("latency_tail")
    if errors.rejected and errors.excess > tol.error_rate_delta:
        slower.append("error_rate")
    if slower:
        classification = Classification.HIGH
    elif shift.within:
        faster = shift.faster and (shift.estimate or 1.0) < 1 / tol.median_ratio
        classification = Classification.LOW if faster else Classification.PASS
    else:
        classification = Classification.NODATA
    return SequentialEndpoint(name, shift, tail, errors, classification, critical, tuple(slower))


def to_endpoint_judgements(
    judgement: RoundJudgement, tol: Tolerances, summaries: Mapping[str, dict[str, float]]
) -> list[EndpointJudgement]:
    """The round's verdict per endpoint in the fixed judge's vocabulary, so findings, the
    report and ``judgement.json`` read the same whichever judge ran."""
    out = []
    for e in judgement.endpoints:
        out.append(
            EndpointJudgement(
                e.name,
                e.classification,
                (_shift_metric(e, tol), _tail_metric(e), _error_metric(e)),
                e.critical,
                summary=dict(summaries.get(e.name, {})),
            )
        )
    return out


def _shift_metric(e: SequentialEndpoint, tol: Tolerances) -> MetricJudgement:
    s = e.shift
    if "latency_shift" in e.slower_metrics:
        classification = Classification.HIGH
    elif s.within:
        low = e.classification is Classification.LOW
        classification = Classification.LOW if low else Classification.PASS
    else:
        classification = Classification.NODATA
    if s.estimate is None:
        detail = "no pairs of this endpoint yet"
    else:
        detail = (
            f"ratio x{s.estimate:.3f}, confidence sequence [x{s.lower:.3f}, x{s.upper:.3f}] "
            f"after {s.pairs} pairs"
        )
        if classification is Classification.NODATA:
            detail += f"; not yet shown within x{tol.median_ratio:.2f}: " + (
                f"about {s.pairs_needed} pairs needed"
                if s.pairs_needed
                else "the estimate is at or above the tolerance"
            )
    p_value = s.p_slower if classification is not Classification.PASS else s.p_within
    return MetricJudgement(
        "latency_shift", classification, baseline=s.reference_median_ms,
        current=s.candidate_median_ms, effect=s.estimate, p_value=p_value,
        samples_needed=s.pairs_needed, detail=detail,
    )  # fmt: skip


def _tail_metric(e: SequentialEndpoint) -> MetricJudgement:
    t = e.tail
    high = "latency_tail" in e.slower_metrics
    return MetricJudgement(
        "latency_tail", Classification.HIGH if high else Classification.PASS,
        baseline=t.reference, current=t.candidate, effect=t.excess, p_value=t.p_value,
        detail=t.detail,
    )  # fmt: skip


def _error_metric(e: SequentialEndpoint) -> MetricJudgement:
    t = e.errors
    high = "error_rate" in e.slower_metrics
    return MetricJudgement(
        "error_rate", Classification.HIGH if high else Classification.PASS,
        baseline=t.reference, current=t.candidate, effect=t.excess, p_value=t.p_value,
    )  # fmt: skip
