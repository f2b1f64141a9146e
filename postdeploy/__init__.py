"""postdeploy: post-deployment verification and monitoring.

Library use::

    from postdeploy import load_config, run
    outcome = run(load_config())
    print(outcome.verdict.decision)
"""

from __future__ import annotations

from postdeploy.config import Config, load_config
from postdeploy.errors import PostdeployError
from postdeploy.findings import Finding, RollbackTrigger, Severity, StageResult, StageStatus
from postdeploy.gate import Decision, Verdict
from postdeploy.runner import RunOutcome, run

__all__ = [
    "Config",
    "Decision",
    "Finding",
    "PostdeployError",
    "RollbackTrigger",
    "RunOutcome",
    "Severity",
    "StageResult",
    "StageStatus",
    "Verdict",
    "load_config",
    "run",
]
__version__ = "0.1.0"
