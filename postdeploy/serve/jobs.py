"""Verification jobs: a bounded queue, one verification at a time per target.

A delivery tool may call the gate for many releases at once; each verification loads the
target, so two at once on one target would measure each other. Jobs wait in one FIFO
(bounded: a full queue is refused, not grown) and a worker takes the oldest job whose
target is not being verified.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobBoard", "JobState", "QueueFull", "RunRequest"]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class QueueFull(Exception):
    """The queue holds as many waiting jobs as it may."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What to verify: the arguments of one ``postdeploy verify``."""

    target: str
    profile: str = "smoke"
    stages: str | None = None
    expected_version: str | None = None
    rollback_of: str | None = None
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "profile": self.profile,
            "stages": self.stages,
            "expected_version": self.expected_version,
            "rollback_of": self.rollback_of,
            "dry_run": self.dry_run,
        }


@dataclass(slots=True)
class Job:
    """One verification; ``decision`` and ``verdict`` once DONE (``error`` if it crashed)."""

    id: str
    request: RunRequest
    key: str | None
    run_dir: Path
    state: JobState = JobState.QUEUED
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_at: datetime | None = None
    finished_at: datetime | None = None
    decision: str | None = None
    verdict: dict[str, Any] | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "request": self.request.to_dict(),
            "key": self.key,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "started_at": self.started_at.isoformat(timespec="seconds")
            if self.started_at
            else None,
            "finished_at": (
                self.finished_at.isoformat(timespec="seconds") if self.finished_at else None
            ),
            "decision": self.decision,
            "error": self.error,
            "verdict": self.verdict,
            "reports": f"/runs/{self.id}/reports/" if self.state is JobState.DONE else None,
        }


Execute = Callable[[Job], None]


class JobBoard:
    """Jobs by id and by caller key; ``workers`` threads run them through ``execute``.

    ``execute(job)`` sets ``decision``/``verdict``/``error``; the board sets the states.
    """

    def __init__(
        self, *, work_dir: Path, execute: Execute, queue_size: int = 8, workers: int = 2
    ) -> None:
        self._work_dir = work_dir
        self._execute = execute
        self._queue_size = queue_size
        self._lock = threading.Condition()
        self._jobs: dict[str, Job] = {}
        self._keys: dict[str, str] = {}
        self._waiting: list[Job] = []
        self._busy_targets: set[str] = set()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"postdeploy-serve-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, request: RunRequest, *, key: str | None = None) -> Job:
        """The job for ``key`` if one exists (any state), else a new queued one."""
        with self._lock:
            if key is not None and key in self._keys:
                return self._jobs[self._keys[key]]
            if len(self._waiting) >= self._queue_size:
                raise QueueFull(f"{len(self._waiting)} verifications are already waiting")
            job_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
            job = Job(job_id, request, key, self._work_dir / job_id)
            self._jobs[job_id] = job
            if key is not None:
                self._keys[key] = job_id
            self._waiting.append(job)
            self._lock.notify_all()
            return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()

    def _next(self) -> Job | None:
        with self._lock:
            while not self._stopping:
                for job in self._waiting:
                    if job.request.target not in self._busy_targets:
                        self._waiting.remove(job)
                        self._busy_targets.add(job.request.target)
                        job.state = JobState.RUNNING
                        job.started_at = datetime.now(UTC)
                        return job
                self._lock.wait()
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._execute(job)
            except Exception as exc:  # noqa: BLE001 - a crashed job must still end, and say why
                job.error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                job.state = JobState.DONE
                job.finished_at = datetime.now(UTC)
                if job.decision is None:
                    job.decision = "INCONCLUSIVE"  # fail closed: an unknown result holds
                self._busy_targets.discard(job.request.target)
                self._lock.notify_all()
            job.done.set()
