"""The sequential judge on seeded synthetic runs with known answers.

Each synthetic run has ten endpoints; the two sides are lognormal latencies (the shape the
clean service shows), arriving at random times; faults are planted on the candidate side.
Rounds of 5 s are judged the way the load stage judges them.
"""

from __future__ import annotations

import numpy as np
import pytest

from postdeploy.baseline.judge import Classification, Tolerances
from postdeploy.baseline.pairing import RequestSeries, pair_by_time
from postdeploy.baseline.sequential import (
    RoundJudgement,
    family_size,
    judge_round,
    to_endpoint_judgements,
)

TOL = Tolerances()
CRITICAL = frozenset({"e0", "e1"})


def endpoint_series(
    rng: np.random.Generator,
    seconds: float,
    rate: float,
    *,
    factor: float = 1.0,
    tail: float = 0.0,
    errors: float = 0.0,
    sigma: float = 0.4,
) -> RequestSeries:
    n = int(rate * seconds)
    times = np.sort(rng.uniform(0, seconds, n))
    ms = rng.lognormal(np.log(15.0), sigma, n) * factor
    ms[rng.random(n) < tail] += 1500.0
    return RequestSeries.of(times, ms, rng.random(n) < errors)


def synthetic_run(seed: int, seconds: float = 120, **candidate: float) -> dict:
    rng = np.random.default_rng(seed)
    pairs = {}
    for index in range(10):
        rate = 5.0 if index < 2 else 8.0
        cand = endpoint_series(rng, seconds, rate, **candidate)
        ref = endpoint_series(rng, seconds, rate)
        pairs[f"e{index}"] = pair_by_time(cand, ref)
    return pairs


def judge_in_rounds(pairs: dict, seconds: float = 120, round_s: float = 5.0) -> RoundJudgement:
    """Rounds until a regression, or every critical endpoint decided, or the end."""
    cut_offs: list[float] = []
    at = round_s
    while True:
        judgement = judge_round(pairs, TOL, at_s=at, round_starts=cut_offs, critical=CRITICAL)
        cut_offs.append(at)
        if judgement.regression or judgement.critical_decided or at >= seconds:
            return judgement
        at += round_s


def test_clean_runs_end_within_tolerance_without_false_alarms() -> None:
    decided = 0
    for seed in range(6):
        judgement = judge_in_rounds(synthetic_run(seed))
        assert not judgement.regression, [e.slower_metrics for e in judgement.endpoints]
        decided += judgement.critical_decided
    assert decided == 6  # 5 requests/s a side at sigma 0.4 decide well within 120 s


def test_a_thirty_percent_slowdown_stops_the_run_early() -> None:
    judgement = judge_in_rounds(synthetic_run(1, factor=1.3))
    assert judgement.regression
    assert judgement.at_s <= 30
    slow = [e for e in judgement.endpoints if e.classification is Classification.HIGH]
    assert slow
    assert all("latency_shift" in e.slower_metrics for e in slow)
    assert all(e.shift.lower is not None and e.shift.lower > 1 for e in slow)


def test_a_small_slowdown_within_tolerance_is_not_a_regression() -> None:
    judgement = judge_in_rounds(synthetic_run(2, factor=1.05), seconds=180)
    assert not judgement.regression
    e0 = judgement.endpoint("e0")
    assert e0 is not None
    assert e0.shift.estimate == pytest.approx(1.05, abs=0.06)


def test_a_rare_slow_tail_spread_over_all_endpoints_is_caught_pooled() -> None:
    # one request in a hundred takes 1.5 s longer, on every endpoint: ~1 slow request per
    # endpoint per 20 s, too few for any endpoint alone, plenty for the pooled test
    judgement = judge_in_rounds(synthetic_run(3, tail=0.01), seconds=120)
    assert "latency_tail" in judgement.pooled_slower
    assert judgement.pooled_tail.excess >= TOL.tail_excess
    medians = [e.shift.estimate for e in judgement.endpoints]
    assert all(0.85 < m < 1.2 for m in medians)  # the bulk did not move


def test_two_percent_errors_are_a_regression() -> None:
    judgement = judge_in_rounds(synthetic_run(4, errors=0.03))
    assert judgement.regression
    assert any("error_rate" in e.slower_metrics for e in judgement.endpoints) or (
        "error_rate" in judgement.pooled_slower
    )


def test_the_error_budget_is_split_over_every_test_of_the_run() -> None:
    pairs = synthetic_run(5, seconds=20)
    judgement = judge_round(pairs, TOL, at_s=20, round_starts=[10])
    assert judgement.family_size == family_size(10) == 42
    # half the budget over the 32 tests that can claim a regression, half over the 10
    # that can claim "within tolerance"
    assert judgement.alpha_slower == pytest.approx(0.005 / 32)
    assert judgement.alpha_within == pytest.approx(0.005 / 10)


def test_the_control_request_is_judged_but_never_a_finding() -> None:
    pairs = synthetic_run(6, seconds=60)
    rng = np.random.default_rng(7)
    slow_machine = endpoint_series(rng, 60, 8.0, factor=1.5)
    pairs["control"] = pair_by_time(slow_machine, endpoint_series(rng, 60, 8.0))
    judgement = judge_round(pairs, TOL, at_s=60, round_starts=[10, 30], control="control")
    assert judgement.control is not None
    assert judgement.control.slower
    assert judgement.endpoint("control") is None
    assert judgement.family_size == family_size(10, control=True) == 44


def test_undecided_endpoints_say_how_many_pairs_they_still_need() -> None:
    pairs = synthetic_run(8, seconds=10)
    judgement = judge_round(pairs, TOL, at_s=10, round_starts=[5], critical=CRITICAL)
    e0 = judgement.endpoint("e0")
    assert e0 is not None
    assert e0.classification is Classification.NODATA
    shift = to_endpoint_judgements(judgement, TOL, {})[0].metrics[0]
    assert shift.classification is Classification.NODATA
    assert shift.samples_needed is not None
    assert shift.samples_needed > e0.shift.pairs
    assert "pairs needed" in shift.detail


def test_no_data_is_never_decided() -> None:
    empty = judge_round({}, TOL, at_s=5, round_starts=[], critical=CRITICAL)
    assert not empty.critical_decided
    assert not empty.regression
    one_missing = {k: v for k, v in synthetic_run(9, seconds=120).items() if k != "e1"}
    judgement = judge_round(one_missing, TOL, at_s=120, round_starts=[30, 60], critical=CRITICAL)
    e0 = judgement.endpoint("e0")
    assert e0 is not None
    assert e0.decided
    assert not judgement.critical_decided  # e1 never showed up: the run cannot stop on GO
