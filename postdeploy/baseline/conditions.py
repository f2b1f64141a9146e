"""Measuring conditions: was the machine the same when the baseline was recorded?

A recorded baseline compares this release, measured now, with the last good release,
measured on another day — perhaps on a quieter machine. Measured (issue 23): a baseline
recorded while other work ran, then three clean runs with both cores busy gave **3 of 3
NO_GO** for a release identical to the baseline's (medians +27 to +43 %, p95 and p99
*lower*: a uniformly slower machine, not a slower release). So a baseline records how fast
the machine was, and a run compares, with three yardsticks:

* a **calibration workload** — a fixed piece of pure-Python work timed in this process
  before and after the load (:func:`calibration_ms`): how much CPU a process gets;
* the **load generator's own CPU**, as Locust's usage monitor reported it, and Locust's
  "CPU usage above 90 %" warning: a saturated generator measures itself;
* the **control request** ``GET /healthz [control]``, loaded with the rest: its cost does
  not depend on the release, so when it is slower than in the baseline, the machine is.
  It is judged by the same sequential test as every endpoint.

What follows (:func:`compare`): when the machine was **slower** than at recording, a
latency regression cannot be told from the machine's slowness — the answer is INCONCLUSIVE
naming the cause, never NO_GO (error-rate regressions still count: a slower machine does
not make requests fail). When it was **faster**, a slowdown of the release could hide in
the machine's speed-up, so a GO is INCONCLUSIVE instead. A regression is NO_GO only once
the control request is shown not slower than ``machine_ratio``; a GO only once it is shown
not faster. Nothing is "corrected" by scaling: a slower machine adds queueing, which does
not scale latencies by one factor, and a release that slowed every request, ``/healthz``
included, would be corrected away. With ``--baseline-target`` (both releases loaded
together) none of this is needed.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from postdeploy.baseline.sequential import ShiftState

__all__ = [
    "CONTROL_ENDPOINT",
    "ConditionsCheck",
    "MeasuringConditions",
    "calibration_ms",
    "compare",
]

CONTROL_ENDPOINT = "GET /healthz [control]"
CALIBRATION_ROUNDS = 5


def calibration_ms(rounds: int = CALIBRATION_ROUNDS) -> float:
    """Milliseconds this process takes for a fixed piece of work (the median of
    ``rounds``): pure-Python arithmetic and hashing, about 20 ms on an idle core of the
    development machine. Not a benchmark of anything in particular — a yardstick that
    reads the same on one machine at one load and moves when the machine is busier."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(60_000):
            total += (i * i) % 7
        digest = hashlib.sha256(str(total).encode())
        for _ in range(2_000):
            digest = hashlib.sha256(digest.digest())
        timings.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(timings)


@dataclass(frozen=True, slots=True)
class MeasuringConditions:
    """How fast the machine was while a load run measured."""

    calibration_ms: float | None = None
    generator_cpu_percent: float | None = None
    generator_cpu_warning: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "calibration_ms": self.calibration_ms,
            "generator_cpu_percent": self.generator_cpu_percent,
            "generator_cpu_warning": self.generator_cpu_warning,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> MeasuringConditions | None:
        if not data:
            return None
        calibration = data.get("calibration_ms")
        cpu = data.get("generator_cpu_percent")
        return cls(
            calibration_ms=None if calibration is None else float(calibration),
            generator_cpu_percent=None if cpu is None else float(cpu),
            generator_cpu_warning=bool(data.get("generator_cpu_warning", False)),
        )


@dataclass(frozen=True, slots=True)
class ConditionsCheck:
    """The comparison: causes that make a slowdown (``slower``) or a GO (``faster``)
    untrustworthy, and whether the control request has been decided each way."""

    slower: tuple[str, ...] = ()
    faster: tuple[str, ...] = ()
    control_not_slower: bool = False
    control_not_faster: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)


def compare(
    recorded: MeasuringConditions | None,
    now: MeasuringConditions,
    control: ShiftState | None,
    *,
    bound: float,
) -> ConditionsCheck:
    """Compare now with the recording; ``bound``: how much slower or faster the machine may
    be (a ratio, e.g. 1.25) before its latencies are not comparable."""
    slower: list[str] = []
    faster: list[str] = []
    lines: list[str] = []
    if recorded is None:
        lines.append("the baseline recorded no measuring conditions")
    else:
        if recorded.calibration_ms and now.calibration_ms:
            ratio = now.calibration_ms / recorded.calibration_ms
            lines.append(
                f"calibration workload {now.calibration_ms:.1f} ms now vs "
                f"{recorded.calibration_ms:.1f} ms when recorded (x{ratio:.2f})"
            )
            if ratio > bound:
                slower.append(
                    f"this machine ran the calibration workload {ratio - 1:.0%} slower than "
                    "when the baseline was recorded"
                )
            elif ratio < 1 / bound:
                faster.append(
                    f"this machine ran the calibration workload {1 - ratio:.0%} faster than "
                    "when the baseline was recorded"
                )
        if now.generator_cpu_warning and not recorded.generator_cpu_warning:
            slower.append(
                "Locust warned that its CPU was above 90 % (it was not when the baseline "
                "was recorded): the load generator measured its own delays"
            )
    if now.generator_cpu_percent is not None:
        lines.append(f"load generator CPU {now.generator_cpu_percent:.0f} %")
    not_slower = not_faster = False
    if control is None or control.estimate is None:
        lines.append(f"no {CONTROL_ENDPOINT} requests to compare")
    else:
        lines.append(
            f"control request x{control.estimate:.3f} "
            f"[x{control.lower:.3f}, x{control.upper:.3f}] after {control.pairs} pairs"
        )
        if control.slower and control.estimate > bound:
            slower.append(
                f"the control request {CONTROL_ENDPOINT}, whose cost does not depend on the "
                f"release, was x{control.estimate:.2f} slower than in the baseline"
            )
        if control.faster and control.estimate < 1 / bound:
            faster.append(
                f"the control request {CONTROL_ENDPOINT} was x{1 / control.estimate:.2f} "
                "faster than in the baseline"
            )
        not_slower = control.upper is not None and control.upper < bound
        not_faster = control.lower is not None and control.lower > 1 / bound
    return ConditionsCheck(tuple(slower), tuple(faster), not_slower, not_faster, tuple(lines))
