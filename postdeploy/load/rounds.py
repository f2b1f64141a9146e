"""Run the load in rounds and stop as soon as the sequential judge has decided.

After every round the samples so far are paired and judged
(:func:`postdeploy.baseline.sequential.judge_round`); :func:`decide` says whether the run
may stop and why. The tests stay valid at any stopping time, so stopping early costs no
error rate — only the rounds not run.

The stop rules:

* a **regression** (an endpoint, or the pooled tail or errors, clearly worse) stops the
  run at once — NO_GO. Against a *recorded* baseline a latency regression stops it only
  once the machine is known not to be slower than at recording (the control request
  within ``machine_ratio``, the calibration workload too); a slower machine stops it as
  INCONCLUSIVE naming the cause (:mod:`postdeploy.baseline.conditions`);
* **every critical endpoint within tolerance**, from the profile's minimum duration on,
  stops it — GO (against a recorded baseline: once the control request shows the machine
  not faster than at recording);
* otherwise it goes on, up to the profile's maximum; what is still undecided then is
  ``nodata`` with the number of pairs it still needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from postdeploy.baseline.conditions import (
    CONTROL_ENDPOINT,
    ConditionsCheck,
    MeasuringConditions,
    compare,
)
from postdeploy.baseline.judge import Tolerances
from postdeploy.baseline.pairing import Pairs, RequestSeries
from postdeploy.baseline.sequential import RoundJudgement, judge_round
from postdeploy.load.locust_runner import LocustProcess
from postdeploy.load.profiles import LoadProfile
from postdeploy.load.samples import GeneratorUsage, SampleStream

__all__ = ["Outcome", "RoundsResult", "decide", "run_in_rounds"]

log = logging.getLogger(__name__)

Sides = Mapping[str, Mapping[str, RequestSeries]]

# A round judges what had completed a second before it: the locustfile flushes every half
# second, so by then every request up to the cut-off is in the files, and each round sees
# a prefix of the same sequence of pairs — one test, looked at again and again.
SETTLE_S = 1.0


class Outcome(StrEnum):
    REGRESSION = "regression"  # NO_GO
    WITHIN_TOLERANCE = "within_tolerance"  # GO
    MACHINE_SLOWER = "machine_slower"  # a latency regression the machine explains
    MACHINE_FASTER = "machine_faster"  # a GO the machine's speed-up could explain
    UNDECIDED = "undecided"  # the maximum duration came first


@dataclass(frozen=True, slots=True)
class RoundsResult:
    history: tuple[RoundJudgement, ...]
    outcome: Outcome
    started_at: float  # the samples' clock at Locust's start
    duration_s: float
    series: dict[str, dict[str, RequestSeries]]
    usage: GeneratorUsage
    conditions: ConditionsCheck | None = None  # recorded baselines only
    causes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def final(self) -> RoundJudgement:
        return self.history[-1]


def decide(
    judgement: RoundJudgement,
    elapsed_s: float,
    profile: LoadProfile,
    conditions: ConditionsCheck | None,
) -> tuple[Outcome, tuple[str, ...]] | None:
    """May the run stop after this round? ``conditions``: the machine check against a
    recorded baseline (``None`` for a paired run). Returns the outcome and its causes."""
    if _error_regression(judgement):
        return Outcome.REGRESSION, ()
    if judgement.regression:
        if conditions is None:
            return Outcome.REGRESSION, ()
        if conditions.slower:
            return Outcome.MACHINE_SLOWER, conditions.slower
        if conditions.control_not_slower:
            return Outcome.REGRESSION, ()
        return None
    if judgement.critical_decided and elapsed_s >= profile.shortest_s:
        if conditions is None:
            return Outcome.WITHIN_TOLERANCE, ()
        if conditions.faster:
            return Outcome.MACHINE_FASTER, conditions.faster
        if conditions.control_not_faster:
            return Outcome.WITHIN_TOLERANCE, ()
    return None


def _error_regression(judgement: RoundJudgement) -> bool:
    """More failures: never the machine's doing, so never excused by it."""
    return any("error_rate" in e.slower_metrics for e in judgement.endpoints) or (
        "error_rate" in judgement.pooled_slower
    )


def undecided_causes(
    judgement: RoundJudgement, conditions: ConditionsCheck | None
) -> tuple[Outcome, tuple[str, ...]]:
    """What the maximum duration left open."""
    if judgement.regression and conditions is not None:
        return Outcome.MACHINE_SLOWER, conditions.slower or (
            f"slower than the recorded baseline, but the control request {CONTROL_ENDPOINT} "
            "was not shown to be as fast as when the baseline was recorded, so the machine "
            "may be the slower one",
        )
    if judgement.critical_decided and conditions is not None:
        return Outcome.MACHINE_FASTER, conditions.faster or (
            f"within tolerance, but the control request {CONTROL_ENDPOINT} was not shown to "
            "be as slow as when the baseline was recorded: a faster machine could hide a "
            "slowdown",
        )
    return Outcome.UNDECIDED, ()


def run_in_rounds(
    process: LocustProcess,
    profile: LoadProfile,
    tol: Tolerances,
    *,
    pair: Callable[[Sides], dict[str, Pairs]],
    critical: frozenset[str],
    recorded: MeasuringConditions | None = None,
    now: MeasuringConditions | None = None,
    against_recording: bool = False,
    on_round: Callable[[RoundJudgement], None] | None = None,
) -> RoundsResult:
    """Start ``process``, judge after every round, stop it when :func:`decide` says so.
    ``against_recording``: the baseline is a recording (``recorded``: its conditions,
    ``now``: this run's), so the machine is checked. ``on_round`` sees every round's
    judgement as it is made (the live display's decided endpoints)."""
    stream = SampleStream(process.samples_dir)
    history: list[RoundJudgement] = []
    cut_offs: list[float] = []
    result: tuple[Outcome, tuple[str, ...]] | None = None
    conditions: ConditionsCheck | None = None
    with process:
        next_look = profile.round_s
        while True:
            ended = process.wait_for(process.started_at + next_look - time.time())
            stream.read_new()
            at = time.time() - SETTLE_S
            judgement = judge_round(
                pair(stream.series()), tol, at_s=at, round_starts=cut_offs,
                critical=critical, control=CONTROL_ENDPOINT,
            )  # fmt: skip
            cut_offs.append(at)
            history.append(judgement)
            if on_round is not None:
                on_round(judgement)
            if against_recording:
                conditions = compare(
                    recorded, now or MeasuringConditions(), judgement.control,
                    bound=tol.machine_ratio,
                )  # fmt: skip
            elapsed = at - process.started_at
            result = decide(judgement, elapsed, profile, conditions)
            log.info(
                "load: round %d at %.0f s: %s", len(history), elapsed,
                result[0].value if result else "undecided",
            )  # fmt: skip
            if result or ended or elapsed >= profile.longest_s:
                break
            next_look += profile.round_s
        duration = time.time() - process.started_at
        process.stop()
    stream.read_new()
    usage = stream.usage()
    if against_recording:
        # Locust's CPU warning is known once it has quit: a latency regression measured by
        # a saturated generator is the generator's (error-rate regressions still stand)
        base = now or MeasuringConditions()
        now = MeasuringConditions(base.calibration_ms, usage.cpu_percent_mean, usage.cpu_warning)
        conditions = compare(
            recorded, now, history[-1].control, bound=tol.machine_ratio
        )  # fmt: skip
        if result is not None and result[0] is Outcome.REGRESSION and conditions.slower:
            latency_only = not _error_regression(history[-1])
            if latency_only:
                result = (Outcome.MACHINE_SLOWER, conditions.slower)
    if result is None:
        result = undecided_causes(history[-1], conditions)
    return RoundsResult(
        tuple(history), result[0], process.started_at, duration, stream.series(),
        usage, conditions, result[1],
    )  # fmt: skip
