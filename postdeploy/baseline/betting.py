"""Anytime-valid tests for the mean of bounded observations: testing by betting.

The load stage looks at its data after every round and stops when it is decided. A
fixed-horizon test (Mann-Whitney at the end of 90 s) loses its error rate under such
looks: peek ten times at 1 % and the chance of a false alarm is several times 1 %. A test
by betting keeps it at any stopping time (Waudby-Smith & Ramdas, "Estimating means of
bounded random variables by betting", JRSS-B 2024; Ramdas et al., "Game-theoretic
statistics and safe anytime-valid inference", 2023):

* observations ``x_i`` lie in ``[-1, 1]``; the null is ``E[x_i | past] <= m`` (or ``>=``);
* a gambler starts with capital 1 and stakes a fraction ``lambda_i`` chosen from the past
  only: ``K_t = prod (1 + lambda_i (x_i - m))``. Under the null ``K`` is a nonnegative
  supermartingale, so by Ville's inequality ``P(sup_t K_t >= 1/alpha) <= alpha`` — the
  test may be looked at after every observation, for ever, and still errs at most
  ``alpha`` of the time. Nothing is assumed but the bounds: no normality, no asymptotics;
* the bets follow aGRAPA (the paper's approximate growth-rate-adaptive bets): the plug-in
  Kelly fraction ``(mean - m) / (var + (mean - m)^2)`` from the past, capped at three
  quarters of the largest bet that keeps the capital positive. Under an alternative the
  capital grows about exponentially, so a clear effect is found after few observations.

A confidence sequence is the set of null values not rejected (:func:`confidence_interval`).

Why not a library: ``confseq`` (Howard, Waudby-Smith) has this construction but builds a
C++ extension against Boost and pulls matplotlib, pandas and pytest in at run time;
``savvi`` has no bounded-mean test; see ``docs/dependencies.md``. The construction is a
few lines of NumPy and is checked here against its defining property (coverage under
continuous monitoring, ``tests/baseline/test_betting.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

__all__ = ["Alternative", "BettingTest", "betting_test", "confidence_interval"]

MAX_BET = 0.75  # a fraction of the largest bet that keeps the capital positive
PRIOR_VARIANCE = 0.25  # the bets' variance before any observation (on [-1, 1])


class Alternative(StrEnum):
    GREATER = "greater"  # null: mean <= m
    LESS = "less"  # null: mean >= m


@dataclass(frozen=True, slots=True)
class BettingTest:
    """One test's outcome over a sequence: the capital's running maximum and where it
    first reached ``1/alpha`` (``None``: not rejected)."""

    max_log_capital: float
    rejected_at: int | None  # index of the observation that crossed, 0-based

    @property
    def rejected(self) -> bool:
        return self.rejected_at is not None


def _log_capital(y: np.ndarray, worst: np.ndarray) -> np.ndarray:
    """Log capital after each observation for each row of ``y`` (the gambler's gains per
    unit staked: positive when the data speak against the null). ``worst``: each row's
    largest possible loss per unit, which bounds the bet."""
    count = np.arange(1, y.shape[1] + 1, dtype=float)
    # predictable estimates from observations 1..i-1, shrunk toward the null (a mean of 0)
    # and a prior variance, so the first bets are small
    means = np.cumsum(y, axis=1) / (count + 1.0)
    prev_means = np.concatenate([np.zeros((y.shape[0], 1)), means[:, :-1]], axis=1)
    variances = (PRIOR_VARIANCE + np.cumsum((y - prev_means) ** 2, axis=1)) / (count + 1.0)
    prev_vars = np.concatenate(
        [np.full((y.shape[0], 1), PRIOR_VARIANCE), variances[:, :-1]], axis=1
    )
    kelly = prev_means / (prev_vars + prev_means**2)
    bets = np.clip(kelly, 0.0, MAX_BET / np.maximum(worst, 1e-12)[:, None])
    return np.cumsum(np.log1p(bets * y), axis=1)


def betting_test(x: np.ndarray, m: float, alpha: float, alternative: Alternative) -> BettingTest:
    """Test ``E[x] <= m`` (GREATER) or ``E[x] >= m`` (LESS) on ``x`` in ``[-1, 1]``."""
    x = np.clip(np.asarray(x, dtype=float), -1.0, 1.0)
    if x.size == 0:
        return BettingTest(0.0, None)
    sign = 1.0 if alternative is Alternative.GREATER else -1.0
    log_k = _log_capital((sign * (x - m))[None, :], np.array([1.0 + sign * m]))[0]
    threshold = np.log(1.0 / alpha)
    crossed = np.flatnonzero(log_k >= threshold)
    return BettingTest(float(log_k.max()), int(crossed[0]) if crossed.size else None)


def confidence_interval(
    x_of: Callable[[float], np.ndarray],
    low: float,
    high: float,
    alpha: float,
    *,
    alpha_high: float | None = None,
    resolution: float = 0.002,
) -> tuple[float, float]:
    """The confidence sequence for a location parameter, at its current time.

    ``x_of(theta)`` returns the observations (in ``[-1, 1]``) that have mean 0 when the
    parameter is ``theta``, and decrease as ``theta`` grows (for a shift: ``clip(d -
    theta)``). The interval holds every ``theta`` in ``[low, high]`` that neither one-sided
    test rejects (the lower end's at ``alpha``, the upper end's at ``alpha_high``, default
    the same); each end is found by bisection (the rejection of one side is monotone in
    ``theta``), so its cost is a few dozen tests, not a grid. It is a ``1 - alpha -
    alpha_high`` confidence sequence: valid at this and every other look.
    """
    threshold = np.log(1.0 / alpha)
    threshold_high = np.log(1.0 / (alpha if alpha_high is None else alpha_high))
    one = np.ones(1)

    def too_low(theta: float) -> bool:  # the truth lies above theta
        return bool(_log_capital(x_of(theta)[None, :], one).max() >= threshold)

    def too_high(theta: float) -> bool:
        return bool(_log_capital(-x_of(theta)[None, :], one).max() >= threshold_high)

    lower = low
    if too_low(low):
        a, b = low, high
        while b - a > resolution:
            middle = (a + b) / 2
            a, b = (middle, b) if too_low(middle) else (a, middle)
        lower = b
    upper = high
    if too_high(high):
        a, b = low, high
        while b - a > resolution:
            middle = (a + b) / 2
            a, b = (a, middle) if too_high(middle) else (middle, b)
        upper = a
    return lower, max(lower, upper)
