"""When may a run in rounds stop? The stop rules as a table."""

from __future__ import annotations

import pytest

from postdeploy.baseline.conditions import ConditionsCheck
from postdeploy.baseline.judge import Classification
from postdeploy.baseline.sequential import (
    ExcessState,
    RoundJudgement,
    SequentialEndpoint,
    ShiftState,
)
from postdeploy.load.profiles import load_profile
from postdeploy.load.rounds import Outcome, decide, undecided_causes

PROFILE = load_profile("quick")  # GO from 30 s on


def judgement(classification: Classification, slower: tuple[str, ...] = ()) -> RoundJudgement:
    endpoint = SequentialEndpoint(
        "GET /api/v2/media", ShiftState(100, 1.0, 0.9, 1.1), ExcessState(100),
        ExcessState(100), classification, critical=True, slower_metrics=slower,
    )  # fmt: skip
    return RoundJudgement(
        10.0, (endpoint,), ExcessState(100), ExcessState(100), 42, 0.005 / 32, 0.005 / 10,
        critical=frozenset({"GET /api/v2/media"}),
    )  # fmt: skip


SLOWER = judgement(Classification.HIGH, ("latency_shift",))
ERRORS = judgement(Classification.HIGH, ("error_rate",))
WITHIN = judgement(Classification.PASS)
OPEN = judgement(Classification.NODATA)
SAME_MACHINE = ConditionsCheck(control_not_slower=True, control_not_faster=True)
SLOWER_MACHINE = ConditionsCheck(slower=("the machine was slower",))
FASTER_MACHINE = ConditionsCheck(faster=("the machine was faster",), control_not_slower=True)
UNSURE = ConditionsCheck()


@pytest.mark.parametrize(
    ("round_", "elapsed", "conditions", "expected"),
    [
        (SLOWER, 5, None, Outcome.REGRESSION),  # paired: at once
        (ERRORS, 5, SLOWER_MACHINE, Outcome.REGRESSION),  # errors are never the machine's
        (SLOWER, 5, SAME_MACHINE, Outcome.REGRESSION),
        (SLOWER, 5, SLOWER_MACHINE, Outcome.MACHINE_SLOWER),
        (SLOWER, 5, UNSURE, None),  # keep measuring: is it the machine?
        (WITHIN, 10, None, None),  # too early for GO: the tail tests get 30 s
        (WITHIN, 30, None, Outcome.WITHIN_TOLERANCE),
        (WITHIN, 30, SAME_MACHINE, Outcome.WITHIN_TOLERANCE),
        (WITHIN, 30, FASTER_MACHINE, Outcome.MACHINE_FASTER),
        (WITHIN, 30, SLOWER_MACHINE, None),  # a slower machine cannot fake a GO, but the
        (OPEN, 60, None, None),  # control must still vouch for it; and undecided goes on
    ],
)
def test_stop_rules(round_, elapsed, conditions, expected) -> None:
    result = decide(round_, elapsed, PROFILE, conditions)
    assert (result[0] if result else None) is expected


def test_what_the_maximum_duration_leaves_open() -> None:
    assert undecided_causes(OPEN, None) == (Outcome.UNDECIDED, ())
    outcome, causes = undecided_causes(SLOWER, UNSURE)
    assert outcome is Outcome.MACHINE_SLOWER
    assert "may be the slower one" in causes[0]
    outcome, causes = undecided_causes(WITHIN, UNSURE)
    assert outcome is Outcome.MACHINE_FASTER
    assert "faster machine could hide a slowdown" in causes[0]
