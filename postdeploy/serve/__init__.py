"""``postdeploy serve``: the gate as a small HTTP service that delivery tools call.

``POST /runs`` starts a verification, ``GET /runs/{id}`` polls it, the reports are served
beside it; ``/flagger/{hook}`` and ``/argo`` answer in Flagger's and Argo Rollouts' terms
(see :mod:`postdeploy.serve.answers`). Each verification is a ``postdeploy verify`` child
process; the board runs one per target at a time from a bounded queue.
"""

from __future__ import annotations

from postdeploy.serve.app import create_app, target_allowed
from postdeploy.serve.jobs import Job, JobBoard, JobState, QueueFull, RunRequest
from postdeploy.serve.runner import VerifyInProcess, verify_command

__all__ = [
    "Job",
    "JobBoard",
    "JobState",
    "QueueFull",
    "RunRequest",
    "VerifyInProcess",
    "create_app",
    "target_allowed",
    "verify_command",
]
