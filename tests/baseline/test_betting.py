"""Testing by betting: its error rate under looks after every observation, and its power.

Seeded synthetic sequences make these deterministic; the property checked is the one the
sequential judge relies on — under the null, the capital reaches 1/alpha at *any* time in
at most about alpha of the sequences.
"""

from __future__ import annotations

import numpy as np

from postdeploy.baseline.betting import Alternative, betting_test, confidence_interval


def test_false_alarms_stay_below_alpha_under_continuous_monitoring() -> None:
    rng = np.random.default_rng(20)
    alpha, runs = 0.05, 300
    alarms = 0
    for _ in range(runs):
        # symmetric about 0, heavy-ish tails, clipped to the test's range
        x = np.clip(rng.standard_t(3, 1500) * 0.2, -1, 1)
        alarms += betting_test(x, 0.0, alpha, Alternative.GREATER).rejected
    # the guarantee is "at most alpha at any stopping time": 300 runs, 5 % -> 15 expected at
    # the very worst; a test that broke under peeking would exceed this by far
    assert alarms <= 15


def test_a_clear_effect_is_found_and_when() -> None:
    x = np.clip(np.random.default_rng(3).normal(0.1, 0.3, 3000), -1, 1)
    result = betting_test(x, 0.0, 0.001, Alternative.GREATER)
    assert result.rejected
    assert result.rejected_at is not None
    assert 50 < result.rejected_at < 1000
    # the other direction never rejects: the data speak against it
    assert not betting_test(x, 0.0, 0.001, Alternative.LESS).rejected


def test_a_null_at_another_value() -> None:
    x = np.clip(np.random.default_rng(4).normal(0.3, 0.2, 2000), -1, 1)
    assert betting_test(x, 0.2, 0.01, Alternative.GREATER).rejected  # the mean is above 0.2
    assert betting_test(x, 0.4, 0.01, Alternative.LESS).rejected  # and below 0.4
    assert not betting_test(x, 0.3, 0.01, Alternative.GREATER).rejected


def test_no_observations_reject_nothing() -> None:
    result = betting_test(np.zeros(0), 0.0, 0.01, Alternative.GREATER)
    assert (result.rejected, result.max_log_capital) == (False, 0.0)


def test_the_confidence_interval_covers_the_truth_and_narrows() -> None:
    d = np.random.default_rng(5).normal(0.15, 0.4, 4000)

    def interval(n: int) -> tuple[float, float]:
        return confidence_interval(lambda theta: np.clip(d[:n] - theta, -1, 1), -1, 1, 0.001)

    early, late = interval(200), interval(4000)
    assert early[0] <= 0.15 <= early[1]
    assert late[0] <= 0.15 <= late[1]
    assert late[1] - late[0] < early[1] - early[0]
    assert late[1] - late[0] < 0.15  # 4000 observations pin it down
