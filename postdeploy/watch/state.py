"""The watch's state on disk: what it was asked to do, and everything that happened.

Two files under ``reports/<run-id>/watch/``: ``watch.json`` (the plan: start, duration,
intervals, the deploy instant — written once) and ``timeline.jsonl`` (one JSON event per
line, appended and flushed to the OS as it happens). A watch killed at any moment loses at
most the line being written; restarted with the same run id it reads both back and carries
on, the time it was not running recorded as a gap (not watched, so not "fine").
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from postdeploy.redact import redact_text

__all__ = ["EventKind", "WatchPlan", "WatchState"]

log = logging.getLogger(__name__)


class EventKind(StrEnum):
    """Event types in ``timeline.jsonl``."""

    STARTED = "started"
    RESUMED = "resumed"
    GAP = "gap"
    EVALUATION = "evaluation"
    SMOKE = "smoke"
    ALERT = "alert"
    STATUS = "status"
    NOTIFICATION_FAILED = "notification_failed"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """What the watch was asked to do; fixed for the life of a run id."""

    run_id: str
    started_at: float
    duration_s: float
    interval_s: float
    smoke_every_s: float
    status_every_s: float
    deploy_at: float
    scale: str
    target_url: str
    embedded: bool
    # The final GO needs every rollback trigger quiet for this long at the end (issue 19);
    # the default is for watch.json files written before it existed.
    steady_for_s: float = 3600.0
    release: str = "unknown"

    @property
    def ends_at(self) -> float:
        return self.started_at + self.duration_s


class WatchState:
    """The plan plus the append-only timeline of one watch run."""

    plan: WatchPlan

    def __init__(self, directory: Path, plan: WatchPlan, events: list[dict[str, Any]]) -> None:
        self.directory = directory
        self.plan = plan
        self.events = events
        self._timeline = directory / "timeline.jsonl"
        self._lock = threading.Lock()  # the notifier thread records its failures too

    @classmethod
    def open(cls, directory: Path, plan: WatchPlan) -> tuple[WatchState, bool]:
        """Resume the run in ``directory`` if there is one, else start ``plan``.

        Returns the state and whether it was resumed.
        """
        directory.mkdir(parents=True, exist_ok=True)
        plan_file = directory / "watch.json"
        if plan_file.exists():
            fields = json.loads(plan_file.read_text(encoding="utf-8"))
            known = {f.name for f in dataclasses.fields(WatchPlan)}
            stored = WatchPlan(**{k: v for k, v in fields.items() if k in known})
            return cls(directory, stored, _read_events(directory / "timeline.jsonl")), True
        partial = plan_file.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(plan), indent=2) + "\n", encoding="utf-8")
        partial.replace(plan_file)
        return cls(directory, plan, []), False

    def append(self, kind: str, at: float, **fields: Any) -> dict[str, Any]:
        """Record one event (flushed at once: a kill loses nothing already appended)."""
        # redacted on the way to disk: errors quote Prometheus' and webhooks' URLs (issue 16)
        event = {"kind": str(kind), "at": round(at, 3), **_redacted(fields)}
        with self._lock, self._timeline.open("a", encoding="utf-8") as handle:
            self.events.append(event)
            handle.write(json.dumps(event, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return event

    def last(self, kind: str) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e["kind"] == kind), None)

    @property
    def last_at(self) -> float | None:
        return self.events[-1]["at"] if self.events else None


def _read_events(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if not path.exists():
        return events
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        with contextlib.suppress(ValueError):
            events.append(json.loads(line))
            continue
        # Only the last line can be torn by a kill mid-write; anything else is corruption.
        log.warning("timeline line %d is not JSON (torn by a kill?); skipped", number)
    return events


def _redacted(value: Any) -> Any:
    """``value`` with every string in it through :func:`postdeploy.redact.redact_text`."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value
