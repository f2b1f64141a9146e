"""Measuring conditions: when does the machine explain a difference (issue 23 §1b)?"""

from __future__ import annotations

import pytest

from postdeploy.baseline.conditions import (
    ConditionsCheck,
    MeasuringConditions,
    calibration_ms,
    compare,
)
from postdeploy.baseline.sequential import ShiftState

RECORDED = MeasuringConditions(calibration_ms=20.0, generator_cpu_percent=40.0)


def control(estimate: float, lower: float, upper: float, **flags: bool) -> ShiftState:
    return ShiftState(300, estimate, lower, upper, **flags)


def test_the_calibration_workload_is_a_positive_duration() -> None:
    assert calibration_ms(rounds=1) > 0


@pytest.mark.parametrize(
    ("now", "slower", "faster"),
    [
        (20.0, False, False),
        (24.0, False, False),  # 20 % slower: within the 1.25 bound
        (28.0, True, False),  # 40 % slower
        (14.0, False, True),  # 30 % faster
    ],
)
def test_the_calibration_workload_names_a_slower_or_faster_machine(
    now: float, slower: bool, faster: bool
) -> None:
    check = compare(RECORDED, MeasuringConditions(calibration_ms=now), None, bound=1.25)
    assert bool(check.slower) is slower
    assert bool(check.faster) is faster
    if slower:
        assert "40% slower than when the baseline was recorded" in check.slower[0]


def test_locusts_cpu_warning_is_a_cause_only_when_it_is_new() -> None:
    warned = MeasuringConditions(calibration_ms=20.0, generator_cpu_warning=True)
    assert "Locust warned" in compare(RECORDED, warned, None, bound=1.25).slower[0]
    both = MeasuringConditions(calibration_ms=20.0, generator_cpu_warning=True)
    assert compare(both, warned, None, bound=1.25).slower == ()


def test_the_control_request_vouches_for_the_machine_each_way() -> None:
    same = compare(RECORDED, RECORDED, control(1.02, 0.9, 1.15), bound=1.25)
    assert same == ConditionsCheck((), (), True, True, same.lines)
    slower = compare(RECORDED, RECORDED, control(1.6, 1.4, 1.8, slower=True), bound=1.25)
    assert "was x1.60 slower than in the baseline" in slower.slower[0]
    assert not slower.control_not_slower
    faster = compare(RECORDED, RECORDED, control(0.6, 0.5, 0.7, faster=True), bound=1.25)
    assert faster.faster
    assert not faster.control_not_faster
    unsure = compare(RECORDED, RECORDED, control(1.0, 0.6, 1.7), bound=1.25)
    assert (unsure.slower, unsure.faster) == ((), ())
    assert not unsure.control_not_slower
    assert not unsure.control_not_faster


def test_an_old_baseline_without_conditions_is_said_so() -> None:
    check = compare(None, MeasuringConditions(calibration_ms=30.0), None, bound=1.25)
    assert "recorded no measuring conditions" in check.lines[0]
    assert check.slower == ()


def test_conditions_round_trip() -> None:
    assert MeasuringConditions.from_dict(RECORDED.to_dict()) == RECORDED
    assert MeasuringConditions.from_dict(None) is None
