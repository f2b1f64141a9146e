"""One bounded, replayable run of the model against the live target.

:func:`run_model` runs :class:`~postdeploy.checks.model_machine.MediaMachine` with
Hypothesis as a library (its pytest plugin is switched off for start-up speed): a fixed
seed, a fixed budget of examples times steps, no example database (nothing written beside a
production run), no deadline (a network has latency). A failing example is shrunk, against
the live target, to the shortest sequence that still fails, and that sequence is the
finding's evidence together with the seed and budget that replay it exactly.

Shrinking replays sequences on the target, so it is bounded too: ``shrink_seconds`` of
shrinking at most (Hypothesis' own limit, lowered for the run), after which Hypothesis
reports the shortest failing sequence found so far.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.errors import Flaky, FlakyStrategyDefinition
from hypothesis.internal.conjecture import engine as _engine
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from postdeploy.checks.model_machine import MediaMachine
from postdeploy.checks.model_promises import Promise, Violation, violation
from postdeploy.checks.model_strategies import Budget
from postdeploy.checks.model_target import ModelTarget, RunCounters

__all__ = ["ModelReport", "run_model"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelReport:
    """What a run did and found. ``violation`` is None when every answer kept its promise."""

    seed: int
    budget: Budget
    counters: RunCounters
    violation: Violation | None = None
    reproduction: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> str:
        c = self.counters
        text = (
            f"seed {self.seed}, budget {self.budget} (examples x steps : largest upload in "
            f"bytes); ran {c.examples} examples, {c.steps} steps in {c.elapsed_s:.1f} s "
            f"({c.bytes_up} bytes up, {c.bytes_down} down)"
        )
        if c.unjudged:
            text += "; not judged: " + ", ".join(f"{k} ({n}x)" for k, n in c.unjudged.items())
        return text

    def evidence(self, limit: int = 1200) -> str:
        """The violation, the replay line and as much of the shortest sequence as fits."""
        lines = [str(self.violation), f"replay: {self.summary}", *self.notes]
        if self.reproduction:
            lines.append("shortest failing sequence:")
            steps = "\n".join(self.reproduction)
            lines.append(steps if len(steps) <= limit else steps[:limit] + "\n…(cut; see the file)")
        return "\n".join(lines)


def _first_violation(exc: BaseException) -> Violation | None:
    if isinstance(exc, Violation):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _first_violation(inner)
            if found is not None:
                return found
    return None


def _as_violation(exc: BaseException, seen: list[Violation] | None = None) -> Violation:
    """Any failure of a run as a violation: a transport error means the service stopped
    answering; anything else is reported as it is, as a server-side failure."""
    found = _first_violation(exc)
    if found is not None:
        return found
    if seen:  # Hypothesis could not replay it (a flaky service): the first one it met
        return seen[0]
    if isinstance(exc, httpx.TransportError):
        return violation(Promise.SERVER_ERROR, f"the service stopped answering: {exc!r}")
    return violation(Promise.SERVER_ERROR, f"the run failed: {type(exc).__name__}: {exc}")


@contextmanager
def _shrinking_for(seconds: float) -> Iterator[None]:
    """Hypothesis stops shrinking after ``MAX_SHRINKING_SECONDS`` (300 s) and reports the
    best sequence so far; that constant is the only knob it has for it. Its presence is
    pinned by a test, so an upgrade that drops it fails loudly, not silently unbounded."""
    old = _engine.MAX_SHRINKING_SECONDS
    _engine.MAX_SHRINKING_SECONDS = seconds  # type: ignore[misc]  # a module constant
    try:
        yield
    finally:
        _engine.MAX_SHRINKING_SECONDS = old  # type: ignore[misc]


def run_model(
    target: ModelTarget, budget: Budget, run_seed: int, *, shrink_seconds: float = 60.0
) -> ModelReport:
    """Run the model; never raises for what it finds (that is the report's violation)."""
    counters = target.counters

    def factory() -> MediaMachine:
        return MediaMachine(target, budget)

    seeded: Callable[[], MediaMachine] = seed(run_seed)(factory)
    run_settings = settings(
        max_examples=budget.examples,
        stateful_step_count=budget.steps,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
    )
    printed: list[str] = []
    notes: list[str] = []
    try:
        with with_reporter(printed.append), _shrinking_for(shrink_seconds):
            run_state_machine_as_test(seeded, settings=run_settings)
    except (Flaky, FlakyStrategyDefinition) as exc:
        notes.append(
            "the failure did not reproduce on replay (the service answered differently to "
            "the same sequence); the first failing answer is shown"
        )
        found = _as_violation(exc, counters.violations)
        printed.extend(getattr(exc, "__notes__", []))
        return ModelReport(run_seed, budget, counters, found, _steps(printed), tuple(notes))
    except Exception as exc:  # noqa: BLE001 - every failure of the run is the finding
        found = _as_violation(exc, counters.violations)
        printed.extend(getattr(exc, "__notes__", []))
        log.info("model run failed after %.1f s: %s", counters.elapsed_s, found)
        return ModelReport(run_seed, budget, counters, found, _steps(printed), tuple(notes))
    return ModelReport(run_seed, budget, counters)


def _steps(printed: list[str]) -> tuple[str, ...]:
    """The reproduction Hypothesis reports: from ``state = MediaMachine()`` on."""
    lines = [line for text in printed for line in text.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("state = ")), len(lines))
    return tuple(lines[start:])
