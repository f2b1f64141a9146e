"""``postdeploy preflight``: is everything a deploy (and its rollback) relies on in place?

The deployment plan's Phase 1 — resources, connectivity, the database and its
permissions, certificates, the backup, monitoring and alerting, rollback readiness —
checked against the release that is live *before* the deploy, answered READY / NOT_READY /
INCONCLUSIVE (exit 0 / 1 / 2) with ``preflight.json``, ``report.html`` and ``summary.md``.

Not to be confused with :mod:`postdeploy.target.access` ("can we reach the target and log
in at all?"), which every run does before its stages.
"""

from __future__ import annotations

from postdeploy.readiness.model import (
    CheckState,
    Readiness,
    ReadinessCheck,
    ReadinessExit,
    ReadinessReport,
    decide,
)
from postdeploy.readiness.run import PreflightOutcome, PreflightRequest, run_preflight

__all__ = [
    "CheckState",
    "PreflightOutcome",
    "PreflightRequest",
    "Readiness",
    "ReadinessCheck",
    "ReadinessExit",
    "ReadinessReport",
    "decide",
    "run_preflight",
]
