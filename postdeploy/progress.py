"""Progress of a run as events: what the library says while it works (issue 21 §2).

The library never prints (STYLE §4): the runner, the stages and the watch call a
:data:`Progress` callback with these plain values, and only the command line turns them
into a live display (a terminal), one line per finished stage (CI), or nothing (``-q``) —
see :mod:`postdeploy.commands.progress_view`. A caller that passes no callback gets
:func:`no_progress`.

Who sends what:

* the runner: :class:`RunPlanned` (the stages, in order), :class:`RunNote` (starting the
  target, writing reports), :class:`StageStarted` and :class:`StageDone` per stage;
* pytest-based stages: :class:`ChecksPlanned` once the child has collected, then one
  :class:`CheckDone` per finished test. These two cross the subprocess boundary as JSON
  lines (:func:`to_json_line` / :func:`from_json_line`): the plugin's controller appends one
  line per finished test to ``--postdeploy-progress FILE`` and the stage follows the file;
* the load stage: :class:`LoadProgress` about once a second — live requests/s and p95 and,
  from the sequential judge, the round and the endpoints already decided (see
  ``docs/reports.md``, "Progress", for how a judge feeds it);
* the watch: :class:`WatchProgress` after every evaluation.

Callbacks may be called from several threads at once (stages run side by side) and must
be cheap; the runner shields the run from a callback that raises (:func:`shielded`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any

from postdeploy.findings import CheckOutcome, StageStatus

__all__ = [
    "CheckDone",
    "ChecksPlanned",
    "LoadProgress",
    "Progress",
    "ProgressEvent",
    "RunNote",
    "RunPlanned",
    "StageDone",
    "StageStarted",
    "Ticker",
    "WatchProgress",
    "from_json_line",
    "no_progress",
    "shielded",
    "to_json_line",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunPlanned:
    """The stages this run will go through, in the registry's order."""

    stages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunNote:
    """What the run is doing between stages ("starting the embedded unimedia")."""

    text: str


@dataclass(frozen=True, slots=True)
class StageStarted:
    stage: str


@dataclass(frozen=True, slots=True)
class ChecksPlanned:
    """How many checks the stage will run (a pytest stage knows once it has collected)."""

    stage: str
    total: int


@dataclass(frozen=True, slots=True)
class CheckDone:
    """One check finished; ``outcome`` is final (a retried check reports once, as FLAKY)."""

    stage: str
    check_id: str
    outcome: CheckOutcome


@dataclass(frozen=True, slots=True)
class LoadProgress:
    """The load stage while Locust runs.

    ``rps`` and ``p95_ms``: the load generator's figures over its last seconds (``None``
    until it has any); ``planned_s``: the longest the load may run. ``round`` and
    ``decided`` come from a judge that decides in rounds: ``decided`` maps an endpoint to
    its decision so far ("within tolerance", "worse", "faster"); ``undecided`` counts the
    critical endpoints still open.
    """

    stage: str
    elapsed_s: float
    planned_s: float
    rps: float | None = None
    p95_ms: float | None = None
    requests: int = 0
    round: int | None = None
    decided: tuple[tuple[str, str], ...] = ()
    undecided: int | None = None


@dataclass(frozen=True, slots=True)
class StageDone:
    stage: str
    status: StageStatus
    checks: int
    failed: int
    duration_s: float
    reason: str = ""
    flaky: int = 0


@dataclass(frozen=True, slots=True)
class WatchProgress:
    """The watch after an evaluation: how far, what is next, what fired.

    ``next_evaluation_in_s``: ``None`` when the watch is over; ``alerts``: how many alerts
    fired so far; ``firing``: the ones firing now.
    """

    elapsed_s: float
    duration_s: float
    evaluations: int
    next_evaluation_in_s: float | None
    alerts: int = 0
    firing: tuple[str, ...] = ()
    smoke_running: bool = False
    last_smoke: str = ""
    blind: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


ProgressEvent = (
    RunPlanned
    | RunNote
    | StageStarted
    | ChecksPlanned
    | CheckDone
    | LoadProgress
    | StageDone
    | WatchProgress
)
Progress = Callable[[ProgressEvent], None]


def no_progress(event: ProgressEvent) -> None:
    """The callback of a caller that wants no progress."""


def shielded(progress: Progress) -> Progress:
    """``progress``, but a callback that raises is logged instead of ending the run: a
    display must never change a verdict."""

    def call(event: ProgressEvent) -> None:
        try:
            progress(event)
        except Exception:  # a broken display must not break a verification
            log.warning("progress display failed on %r", event, exc_info=True)

    return call


class Ticker:
    """Calls :meth:`tick` every ``every_s`` seconds in a daemon thread while the ``with``
    block runs (and once more at its end when ``final_tick``): how a stage turns a file a
    child process grows — Locust's CSV, a pytest child's progress lines — into events
    without the stage's own work waiting on the display."""

    def __init__(self, every_s: float, *, name: str, final_tick: bool = False) -> None:
        self._every_s = every_s
        self._final_tick = final_tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def tick(self) -> None:
        """One look at what to report (subclasses)."""
        raise NotImplementedError

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        if self._final_tick:
            self.tick()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self.tick()


# --- the wire format between a pytest child and its stage -----------------------------------

_WIRE: dict[str, type[ChecksPlanned] | type[CheckDone]] = {
    "planned": ChecksPlanned,
    "done": CheckDone,
}


def to_json_line(event: ChecksPlanned | CheckDone) -> str:
    """One line of JSON (with its newline) for the progress file."""
    kind = "planned" if isinstance(event, ChecksPlanned) else "done"
    return json.dumps({"kind": kind, **asdict(event)}) + "\n"


def from_json_line(line: str) -> ChecksPlanned | CheckDone | None:
    """The event of one line, or ``None`` for a line that is not one (a torn or foreign
    line is skipped, never fatal: progress is a display, not a result)."""
    try:
        data: dict[str, Any] = json.loads(line)
        kind = _WIRE[data.pop("kind")]
        if kind is CheckDone:
            return CheckDone(data["stage"], data["check_id"], CheckOutcome(data["outcome"]))
        return ChecksPlanned(data["stage"], int(data["total"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
