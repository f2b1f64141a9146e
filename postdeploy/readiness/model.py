"""The vocabulary of ``postdeploy preflight``: one check, its state, the readiness decision.

Pure, so the decision is tested with plain tables. It fails closed like the gate: a check
that should have run and could not makes the answer INCONCLUSIVE (exit 2), never READY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from postdeploy.target.info import TargetInfo

__all__ = [
    "CheckState",
    "Readiness",
    "ReadinessCheck",
    "ReadinessExit",
    "ReadinessReport",
    "decide",
]


class Readiness(StrEnum):
    READY = "READY"
    NOT_READY = "NOT_READY"
    INCONCLUSIVE = "INCONCLUSIVE"


class ReadinessExit(IntEnum):
    READY = 0
    NOT_READY = 1
    INCONCLUSIVE = 2
    INTERNAL_ERROR = 3


class CheckState(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # checked, and not ready
    ERROR = "error"  # could not check (unreachable, unreadable): not READY either
    SKIPPED = "skipped"  # does not apply here (no database URL given, no backup named)


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """One precondition of the deploy. ``fix``: what to do about a failure (a command)."""

    check_id: str
    title: str
    state: CheckState
    detail: str = ""
    fix: str = ""
    figures: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "title": self.title,
            "state": self.state.value,
            "detail": self.detail,
            "fix": self.fix,
            "figures": dict(self.figures or {}),
        }


def decide(checks: Sequence[ReadinessCheck]) -> Readiness:
    """NOT_READY if anything failed; INCONCLUSIVE if anything could not be checked (or
    nothing was); else READY. Skipped checks are listed, never counted as passed."""
    states = {check.state for check in checks}
    if CheckState.FAILED in states:
        return Readiness.NOT_READY
    if CheckState.ERROR in states or CheckState.PASSED not in states:
        return Readiness.INCONCLUSIVE
    return Readiness.READY


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """What ``preflight.json`` renders."""

    run_id: str
    decision: Readiness
    target: TargetInfo
    checks: tuple[ReadinessCheck, ...]
    started_at: datetime
    finished_at: datetime
    error: str | None = None

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def count(self, state: CheckState) -> int:
        return sum(1 for check in self.checks if check.state is state)
