"""The job board's rules (one verification per target, bounded queue, fail closed) and the
answer tables, with plain values: no server, no verification."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from postdeploy.serve import JobBoard, QueueFull, RunRequest, target_allowed, verify_command
from postdeploy.serve.answers import argo_answer, flagger_answer
from postdeploy.serve.jobs import Job, JobState


class Gatekeeper:
    """An ``execute`` that blocks until released, recording what ran at the same time."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.running: list[str] = []
        self.overlaps: list[tuple[str, ...]] = []
        self.started = threading.Semaphore(0)

    def __call__(self, job: Job) -> None:
        with self.lock:
            self.running.append(job.request.target)
            self.overlaps.append(tuple(self.running))
        self.started.release()
        self.release.wait(30)
        with self.lock:
            self.running.remove(job.request.target)
        job.decision = "GO" if job.request.profile == "smoke" else None


def test_one_verification_per_target_and_a_bounded_queue(tmp_path: Path) -> None:
    gate = Gatekeeper()
    board = JobBoard(work_dir=tmp_path, execute=gate, queue_size=2, workers=3)
    try:
        a1 = board.submit(RunRequest("http://a"))
        assert gate.started.acquire(timeout=10)
        a2 = board.submit(RunRequest("http://a"))  # waits: a is being verified
        b1 = board.submit(RunRequest("http://b", profile="full"))  # another target: runs now
        assert gate.started.acquire(timeout=10)
        assert a2.state is JobState.QUEUED
        assert b1.state is JobState.RUNNING
        board.submit(RunRequest("http://a"))  # two waiting now: the limit
        with pytest.raises(QueueFull):
            board.submit(RunRequest("http://c"))
        gate.release.set()
        for job in (a1, a2, b1):
            assert job.done.wait(30)
    finally:
        gate.release.set()
        board.stop()
    assert all(len(set(now)) == len(now) for now in gate.overlaps), gate.overlaps
    assert a1.decision == "GO"
    assert b1.decision == "INCONCLUSIVE"  # execute set nothing: fail closed


def test_a_key_names_one_job(tmp_path: Path) -> None:
    gate = Gatekeeper()
    gate.release.set()
    board = JobBoard(work_dir=tmp_path, execute=gate, queue_size=1, workers=1)
    try:
        first = board.submit(RunRequest("http://a"), key="flagger:ns/app:abc")
        again = board.submit(RunRequest("http://a"), key="flagger:ns/app:abc")
        assert again is first
        assert first.done.wait(30)
        assert board.submit(RunRequest("http://a"), key="flagger:ns/app:abc") is first
    finally:
        board.stop()


def _job(state: JobState, decision: str | None) -> Job:
    job = Job("j1", RunRequest("http://a"), None, Path("/nonexistent"), state=state)
    job.decision = decision
    return job


@pytest.mark.parametrize(
    ("hook", "decision", "status"),
    [
        ("confirm-promotion", "GO", 200),
        ("confirm-promotion", "NO_GO", 403),
        ("confirm-promotion", "INCONCLUSIVE", 403),  # holds
        ("confirm-rollout", "INCONCLUSIVE", 403),
        ("confirm-traffic-increase", "GO", 200),
        ("rollout", "GO", 200),
        ("rollout", "NO_GO", 412),
        ("rollout", "INCONCLUSIVE", 503),
        ("pre-rollout", "NO_GO", 412),
        ("rollback", "NO_GO", 200),  # 2xx: Flagger rolls back
        ("rollback", "GO", 409),
        ("rollback", "INCONCLUSIVE", 409),
    ],
)
def test_flagger_answers(hook: str, decision: str, status: int) -> None:
    assert flagger_answer(hook, _job(JobState.DONE, decision))[0] == status


@pytest.mark.parametrize("hook", ["confirm-promotion", "rollout", "rollback"])
def test_flagger_never_advances_or_rolls_back_while_running(hook: str) -> None:
    status, body = flagger_answer(hook, _job(JobState.RUNNING, None))
    assert not 200 <= status < 300
    assert body["decision"] == "RUNNING"


def test_argo_answers() -> None:
    status, body = argo_answer(_job(JobState.RUNNING, None))
    assert status == 503
    assert body["decision"] == "RUNNING"
    for decision in ("GO", "NO_GO", "INCONCLUSIVE"):
        status, body = argo_answer(_job(JobState.DONE, decision))
        assert status == 200
        assert body["decision"] == decision


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000/", True),
        ("http://127.0.0.1:8000/api", True),
        ("http://127.0.0.1:8001", False),
        ("https://127.0.0.1:8000", False),
        ("http://127.0.0.1:8000@evil.example", False),
        ("http://localhost:8000", False),
        ("http://media.example.com/v2", True),
        ("http://media.example.com/v20", False),
        ("http://media.example.com", False),
        ("file:///etc/passwd", False),
    ],
)
def test_allow_list(url: str, allowed: bool) -> None:
    assert target_allowed(url, ("http://127.0.0.1:8000", "http://media.example.com/v2")) is allowed


def test_values_cannot_become_options() -> None:
    job = Job("j", RunRequest("http://a", expected_version="-x"), None, Path("/r"))
    argv = verify_command(job)
    assert "--expected-version=-x" in argv
    assert "-x" not in argv
