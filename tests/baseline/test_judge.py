"""The performance judge against known values and seeded synthetic latencies.

Seeded random numbers make these deterministic; SciPy's tests are the reference for the
p-values, and the classifications are checked against situations with a known answer.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from postdeploy.baseline.judge import (
    Classification,
    EndpointSample,
    Tolerances,
    judge_endpoint,
    judge_errors,
    judge_shift,
    judge_tail,
    mwu_samples_needed,
    score,
)

TOL = Tolerances()


def latencies(seed: int, n: int = 2000, median: float = 10.0, spread: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(np.log(median), spread, n)


def test_shift_p_value_is_scipys_one_sided_mann_whitney() -> None:
    base, cur = latencies(1, 200), latencies(2, 200) * 1.1
    expected = stats.mannwhitneyu(cur, base, alternative="greater").pvalue
    assert judge_shift(base, cur, TOL).p_value == pytest.approx(expected)


def test_known_small_example() -> None:
    # Classic textbook pair: every current value above every baseline value.
    base = [float(x) for x in range(1, 41)]
    cur = [float(x) for x in range(61, 101)]
    judgement = judge_shift(base, cur, TOL)
    assert judgement.classification is Classification.HIGH
    assert judgement.p_value == pytest.approx(
        stats.mannwhitneyu(cur, base, alternative="greater").pvalue
    )
    assert judgement.effect == pytest.approx(80.5 / 20.5)


def test_aa_runs_do_not_alarm() -> None:
    alarms = 0
    for seed in range(0, 100, 2):
        verdict = judge_endpoint(
            "list", EndpointSample(latencies(seed)), EndpointSample(latencies(seed + 1)), TOL
        )
        alarms += verdict.classification is Classification.HIGH
    assert alarms == 0


def test_thirty_percent_slowdown_is_high() -> None:
    verdict = judge_endpoint(
        "download", EndpointSample(latencies(3)), EndpointSample(latencies(4) * 1.3), TOL
    )
    assert verdict.classification is Classification.HIGH
    shift = verdict.metrics[0]
    assert shift.metric == "latency_shift"
    assert shift.classification is Classification.HIGH
    assert shift.effect == pytest.approx(1.3, rel=0.05)


def test_small_significant_shift_within_tolerance_passes() -> None:
    judgement = judge_shift(latencies(5), latencies(6) * 1.05, TOL)
    assert judgement.p_value is not None
    assert judgement.p_value < TOL.alpha
    assert judgement.classification is Classification.PASS


def test_tail_only_regression_is_caught_with_median_unchanged() -> None:
    base, cur = latencies(7), latencies(8)
    slow = np.random.default_rng(9).random(len(cur)) < 0.03
    cur[slow] *= 6
    assert np.median(cur) / np.median(base) < 1.1
    verdict = judge_endpoint("list", EndpointSample(base), EndpointSample(cur), TOL)
    classes = {m.metric: m.classification for m in verdict.metrics}
    assert classes["latency_shift"] is Classification.PASS  # the rank test misses it …
    assert classes["latency_tail"] is Classification.HIGH  # … the tail test does not
    assert verdict.classification is Classification.HIGH


def test_tail_quantile_adapts_to_the_sample_then_gives_up() -> None:
    judgement = judge_tail(latencies(1, 100), latencies(2, 100), TOL)
    assert judgement.classification is Classification.PASS
    assert judgement.detail.startswith("p95 of both runs")  # 5 expected exceedances in 100
    too_few = judge_tail(latencies(1, 40), latencies(2, 40), TOL)
    assert too_few.classification is Classification.NODATA
    assert too_few.samples_needed == 50


def test_error_rate_two_percent_is_high_and_p_value_is_fishers() -> None:
    judgement = judge_errors(0, 2000, 40, 2000, TOL)
    assert judgement.classification is Classification.HIGH
    expected = stats.fisher_exact([[40, 1960], [0, 2000]], alternative="greater").pvalue
    assert judgement.p_value == pytest.approx(expected)
    assert judge_errors(1, 2000, 3, 2000, TOL).classification is Classification.PASS


def test_too_few_samples_is_nodata_never_pass() -> None:
    verdict = judge_endpoint(
        "rare", EndpointSample(latencies(1, 10)), EndpointSample(latencies(2, 10)), TOL
    )
    assert verdict.classification is Classification.NODATA


def test_underpowered_comparison_says_how_many_samples_are_needed() -> None:
    wide = Tolerances(min_samples=10)
    judgement = judge_shift(latencies(1, 40, spread=1.0), latencies(2, 40, spread=1.0), wide)
    assert judgement.classification is Classification.NODATA
    assert judgement.samples_needed is not None
    assert judgement.samples_needed > 40


def test_samples_needed_grows_with_spread() -> None:
    narrow = mwu_samples_needed(latencies(1, spread=0.2), 1.2, 0.01, 0.8)
    wide = mwu_samples_needed(latencies(1, spread=1.0), 1.2, 0.01, 0.8)
    assert narrow is not None
    assert wide is not None
    assert narrow < wide


def test_faster_is_low_and_never_blocks() -> None:
    verdict = judge_endpoint(
        "list", EndpointSample(latencies(1)), EndpointSample(latencies(2) * 0.5), TOL
    )
    assert verdict.classification is Classification.LOW


def test_score() -> None:
    good = judge_endpoint("a", EndpointSample(latencies(1)), EndpointSample(latencies(2)), TOL)
    bad = judge_endpoint("b", EndpointSample(latencies(3)), EndpointSample(latencies(4) * 2), TOL)
    assert score([good]) == 100.0
    # x2 moves both the median and the p99: two of six metrics are high
    assert score([good, bad]) == pytest.approx(100 * 4 / 6)
    assert score([]) is None
