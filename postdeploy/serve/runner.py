"""Run one job as ``postdeploy verify`` in its own process, and read its verdict.

A process per verification, not a thread: stages read settings from the process (the
load profile, the snapshot path) and start pytest, Locust and browsers — two verifications
must not share any of that. Each job has its own report directory; its verdict is
``<run_dir>/latest/verdict.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from postdeploy.serve.jobs import Job

__all__ = ["VerifyInProcess", "verify_command"]


def verify_command(job: Job) -> list[str]:
    """The argv; values are passed as ``--option=value`` so none can be read as an option."""
    request = job.request
    argv = [sys.executable, "-m", "postdeploy", "verify", f"--report-dir={job.run_dir}",
            f"--target={request.target}", f"--profile={request.profile}"]  # fmt: skip
    if request.stages:
        argv.append(f"--stages={request.stages}")
    if request.expected_version:
        argv.append(f"--expected-version={request.expected_version}")
    if request.rollback_of:
        argv.append(f"--rollback-of={request.rollback_of}")
    if request.dry_run:
        argv.append("--dry-run")
    return argv


class VerifyInProcess:
    """``execute`` for the job board: ``postdeploy verify`` in a child process."""

    def __init__(self, env: Mapping[str, str], *, timeout_s: float = 3600.0) -> None:
        self._env = dict(env)
        self._timeout_s = timeout_s

    def __call__(self, job: Job) -> None:
        job.run_dir.mkdir(parents=True, exist_ok=True)
        with (job.run_dir / "verify.log").open("wb") as log:
            try:
                completed = subprocess.run(  # noqa: S603 - our own interpreter and CLI
                    verify_command(job), env=self._env, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, timeout=self._timeout_s, check=False,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                job.error = f"the verification took longer than {self._timeout_s:g} s"
                return
        verdict = job.run_dir / "latest" / "verdict.json"
        if not verdict.is_file():
            job.error = f"postdeploy verify exited {completed.returncode} without a verdict"
            return
        job.verdict = json.loads(verdict.read_text(encoding="utf-8"))
        job.decision = str(job.verdict["decision"])
        if completed.returncode == 3:
            job.error = "postdeploy verify hit an internal error (see verify.log)"


def report_path(job: Job, name: str) -> Path | None:
    """A report of a finished job, or None."""
    path = job.run_dir / "latest" / name
    return path if path.is_file() else None
