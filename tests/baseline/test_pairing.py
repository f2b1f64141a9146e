"""Pairing requests of the two sides: by time in a paired run, by order for a recording."""

from __future__ import annotations

import numpy as np

from postdeploy.baseline.pairing import RequestSeries, pair_by_order, pair_by_time


def series(times: list[float], ms: list[float] | None = None) -> RequestSeries:
    ms = ms or [10.0 * (i + 1) for i in range(len(times))]
    return RequestSeries.of(times, ms, [False] * len(times))


def test_each_request_meets_the_other_sides_oldest_waiting_one() -> None:
    candidate = series([0.1, 0.2, 0.9], [1, 2, 3])
    reference = series([0.15, 0.5, 1.0], [10, 20, 30])
    pairs = pair_by_time(candidate, reference, window_s=1.0)
    assert list(pairs.candidate_ms) == [1, 2, 3]
    assert list(pairs.reference_ms) == [10, 20, 30]
    assert list(pairs.times_s) == [0.15, 0.5, 1.0]  # when the later member completed


def test_a_request_that_waited_too_long_loses_its_partner() -> None:
    candidate = series([0.0, 5.0])
    reference = series([5.2])
    pairs = pair_by_time(candidate, reference, window_s=1.0)
    assert len(pairs) == 1
    assert pairs.candidate_ms[0] == 20.0  # the one at 5.0, not the stale one at 0.0


def test_pairing_a_prefix_gives_the_prefix_of_the_pairs() -> None:
    rng = np.random.default_rng(1)
    candidate = series(sorted(rng.uniform(0, 60, 300)))
    reference = series(sorted(rng.uniform(0, 60, 280)))
    full = pair_by_time(candidate, reference)
    part = pair_by_time(candidate.until(30.0), reference.until(30.0))
    assert len(part) > 0
    assert np.array_equal(part.times_s, full.times_s[: len(part)])  # rounds see a prefix


def test_failures_are_kept_and_latency_needs_both_sides_to_succeed() -> None:
    candidate = RequestSeries.of([1.0, 2.0], [5.0, 6.0], [True, False])
    reference = RequestSeries.of([1.1, 2.1], [7.0, 8.0], [False, False])
    pairs = pair_by_time(candidate, reference)
    assert list(pairs.candidate_failed) == [True, False]
    assert list(pairs.both_succeeded) == [False, True]


def test_a_recording_pairs_by_order_and_limits_the_pairs() -> None:
    current = series([10.0, 11.0, 12.0])
    recorded = series([0.0, 0.5])
    pairs = pair_by_order(current, recorded)
    assert len(pairs) == 2
    assert list(pairs.times_s) == [10.0, 11.0]  # this run's clock
    assert list(pairs.reference_ms) == [10.0, 20.0]
