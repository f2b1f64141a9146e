"""Progress on stderr, as the command line shows it (issue 21 §2).

Three ways, chosen once per command:

* **live** (stderr is a terminal): a table redrawn a few times a second with Rich — each
  stage waiting / running / how it ended, checks done of planned, failures so far, time,
  and what the stage is doing now (the load generator's requests/s and p95, the endpoints a
  round judge has decided); for the watch: time left, the next evaluation, alerts so far;
* **lines** (not a terminal: CI logs): one plain line per stage as it finishes, and for
  the watch one per alert that fires — no colours, no cursor movement, no control
  characters;
* **quiet** (``-q``): nothing.

It only renders :mod:`postdeploy.progress` events; it decides nothing. Events arrive from
several threads (stages run side by side); a lock keeps the state whole.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import TextIO

import click
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from postdeploy.findings import CheckOutcome, StageStatus
from postdeploy.progress import (
    CheckDone,
    ChecksPlanned,
    LoadProgress,
    ProgressEvent,
    RunNote,
    RunPlanned,
    StageDone,
    StageStarted,
    WatchProgress,
)
from postdeploy.redact import redact_text

__all__ = ["Mode", "ProgressView", "plain", "stage_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_STYLE = {
    StageStatus.PASSED: "green",
    StageStatus.FAILED: "red",
    StageStatus.ERROR: "yellow",
    StageStatus.SKIPPED: "yellow",
}


class Mode(StrEnum):
    LIVE = "live"
    LINES = "lines"
    QUIET = "quiet"


def plain(text: str, limit: int = 160) -> str:
    """One line of inert text: URL credentials masked (a stage's reason may quote the
    Prometheus or ZAP URL it could not reach; issue 16), control characters (escape
    sequences, carriage returns from a target's text) become spaces, and it is cut at
    ``limit``. Events carry the stages' raw text: the verdict's is made safe later, in
    :func:`~postdeploy.gate.build_verdict`, but the display shows it before that."""
    flat = " ".join(_CONTROL.sub(" ", redact_text(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class _Stage:
    name: str
    status: StageStatus | None = None  # None: not finished
    running: bool = False
    started: float | None = None
    done: int = 0
    total: int | None = None
    failed: int = 0
    flaky: int = 0
    duration_s: float | None = None
    now: str = ""
    reason: str = ""


@dataclass
class _Watch:
    event: WatchProgress
    at: float = field(default_factory=time.monotonic)


def stage_line(event: StageDone) -> str:
    """The one line a finished stage gets when stderr is not a terminal."""
    counts = f"{event.checks} check{'s' if event.checks != 1 else ''}, {event.failed} failed"
    if event.flaky:
        counts += f", {event.flaky} flaky"
    line = (
        f"postdeploy: stage {event.stage} {event.status.value}: {counts}, {event.duration_s:.1f} s"
    )
    if event.reason and event.status is not StageStatus.PASSED:
        line += f" — {event.reason}"
    return plain(line, limit=240)


class ProgressView:
    """A :data:`~postdeploy.progress.Progress` callback that draws on stderr; use it as a
    context manager around the work (the live table is shown while the block runs)."""

    def __init__(self, mode: Mode, *, console: Console | None = None, stream: TextIO | None = None):
        self.mode = mode
        self._console = console or Console(stderr=True)
        self._stream = stream
        self._lock = threading.Lock()
        self._stages: dict[str, _Stage] = {}
        self._note = ""
        self._watch: _Watch | None = None
        self._live: Live | None = None

    @classmethod
    def for_stderr(cls, *, quiet: bool) -> ProgressView:
        """Live on a terminal, lines elsewhere, nothing when ``quiet``."""
        if quiet:
            return cls(Mode.QUIET)
        console = Console(stderr=True)
        live = console.is_terminal and not console.is_dumb_terminal
        return cls(Mode.LIVE if live else Mode.LINES, console=console)

    # --- the context: start and stop the live display --------------------------------

    def __enter__(self) -> ProgressView:
        if self.mode is Mode.LIVE:
            self._live = Live(
                get_renderable=self._render,
                console=self._console,
                refresh_per_second=4,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=True,  # log lines (-v) print above the table
            )
            self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            with self._lock:
                self._note = ""
            self._live.stop()  # the last frame stays on the screen
            self._live = None

    # --- events -------------------------------------------------------------------------

    def __call__(self, event: ProgressEvent) -> None:
        if self.mode is Mode.QUIET:
            return
        with self._lock:
            line = self._apply(event)
        if line and self.mode is Mode.LINES:
            click.echo(line, file=self._stream, err=self._stream is None)

    def _apply(self, event: ProgressEvent) -> str:
        """Update the state; return the line to print in LINES mode ('' for none)."""
        match event:
            case RunPlanned(stages=names):
                for name in names:
                    self._stages.setdefault(name, _Stage(name))
            case RunNote(text=text):
                self._note = plain(text)
            case StageStarted(stage=name):
                stage = self._stage(name)
                stage.running, stage.started = True, time.monotonic()
                self._note = ""
            case ChecksPlanned(stage=name, total=total):
                self._stage(name).total = total
            case CheckDone(stage=name, outcome=outcome):
                stage = self._stage(name)
                stage.done += 1
                stage.failed += outcome is CheckOutcome.FAILED
                stage.flaky += outcome is CheckOutcome.FLAKY
            case LoadProgress():
                self._stage(event.stage).now = _load_words(event)
            case StageDone():
                stage = self._stage(event.stage)
                stage.running, stage.status = False, event.status
                stage.done, stage.failed, stage.flaky = event.checks, event.failed, event.flaky
                stage.total = event.checks
                stage.duration_s, stage.reason, stage.now = event.duration_s, event.reason, ""
                return stage_line(event)
            case WatchProgress():
                before = self._watch.event.alerts if self._watch else 0
                self._watch = _Watch(event)
                self._note = ""
                if event.alerts > before:
                    return plain(
                        f"postdeploy: watch {_clock(event.elapsed_s)} of "
                        f"{_clock(event.duration_s)}: {event.alerts} alert(s) fired so far; "
                        f"firing now: {', '.join(event.firing) or 'none'}"
                    )
        return ""

    def _stage(self, name: str) -> _Stage:
        return self._stages.setdefault(name, _Stage(name))

    # --- the live table -----------------------------------------------------------------

    def _render(self) -> RenderableType:
        with self._lock:
            parts: list[RenderableType] = []
            if self._stages:
                parts.append(self._table())
            if self._watch is not None:
                parts.append(_watch_text(self._watch))
            if self._note:
                parts.append(Spinner("dots", text=Text(self._note, style="dim")))
            return Group(*parts)

    def _table(self) -> Table:
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
        table.add_column("stage")
        table.add_column("state")
        table.add_column("checks", justify="right")
        table.add_column("failed", justify="right")
        table.add_column("time", justify="right")
        table.add_column("now", overflow="ellipsis", no_wrap=True, max_width=90)
        now = time.monotonic()
        for stage in self._stages.values():
            if stage.status is not None:
                state: RenderableType = Text(stage.status.value, style=_STYLE[stage.status])
                elapsed = stage.duration_s or 0.0
            elif stage.running:
                state = Spinner("dots", text="running", style="cyan")
                elapsed = now - (stage.started or now)
            else:
                state = Text("waiting", style="dim")
                elapsed = 0.0
            total = "?" if stage.total is None else str(stage.total)
            counted = stage.done or stage.total is not None
            checks = f"{stage.done}/{total}" if counted else ""
            failed = Text(str(stage.failed), style="red" if stage.failed else "")
            if stage.flaky:
                failed.append(f" +{stage.flaky} flaky", style="yellow")
            detail = stage.now or (
                stage.reason if stage.status not in (None, StageStatus.PASSED) else ""
            )
            table.add_row(
                Text(stage.name, style="bold"),
                state,
                checks,
                failed if stage.running or stage.status else "",
                f"{elapsed:.0f} s" if stage.running or stage.status else "",
                Text(plain(detail)),
            )
        return table


def _load_words(event: LoadProgress) -> str:
    parts = []
    if event.rps is None:
        parts.append("starting the load")
    else:
        parts.append(f"{event.rps:.0f} req/s")
        if event.p95_ms is not None:
            parts.append(f"p95 {event.p95_ms:.0f} ms")
    parts.append(f"{event.elapsed_s:.0f}/{event.planned_s:.0f} s")
    if event.round is not None:
        parts.append(f"round {event.round}")
    if event.decided or event.undecided is not None:
        worse = sum(1 for _, decision in event.decided if decision == "worse")
        text = f"{len(event.decided)} endpoint(s) decided"
        if worse:
            text += f" ({worse} worse)"
        if event.undecided:
            text += f", {event.undecided} open"
        parts.append(text)
    return " · ".join(parts)


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _watch_text(watch: _Watch) -> Text:
    event = watch.event
    since = time.monotonic() - watch.at
    elapsed = min(
        event.duration_s, event.elapsed_s + (0 if event.next_evaluation_in_s is None else since)
    )
    text = Text("watch ", style="bold")
    text.append(f"{_clock(elapsed)} of {_clock(event.duration_s)}")
    text.append(f" · {_clock(max(0.0, event.duration_s - elapsed))} left")
    if event.next_evaluation_in_s is not None:
        text.append(f" · next evaluation in {max(0.0, event.next_evaluation_in_s - since):.0f} s")
    text.append(f" · {event.evaluations} evaluation(s)")
    text.append(f" · alerts so far: {event.alerts}", style="red" if event.alerts else "")
    if event.firing:
        text.append(f" · firing: {', '.join(event.firing)}", style="bold red")
    if event.blind:
        text.append(" · rules not readable", style="yellow")
    if event.smoke_running:
        text.append(" · smoke rerun running")
    elif event.last_smoke:
        text.append(f" · last smoke: {event.last_smoke}")
    return text
