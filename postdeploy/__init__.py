"""postdeploy: post-deployment verification and monitoring.

Library use::

    from postdeploy import load_config, run
    outcome = run(load_config())
    print(outcome.verdict.decision)

The names below are the public API (pinned by ``tests/test_public_api.py``): the run
(``load_config``, ``run``, ``RunOutcome``), its answer (``Verdict``, ``Decision``), the
findings vocabulary, and what a stage or a check of your own needs (``Stage``,
``StageContext``, ``StageResult``, ``CheckResult``, ``Finding``, ``fails_as``) — see
``docs/extending.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postdeploy.checks import fails_as
    from postdeploy.config import Config, load_config
    from postdeploy.errors import PostdeployError
    from postdeploy.findings import (
        CheckOutcome,
        CheckResult,
        Finding,
        RollbackTrigger,
        Severity,
        StageResult,
        StageStatus,
    )
    from postdeploy.gate import Decision, Verdict
    from postdeploy.runner import RunOutcome, run
    from postdeploy.stages.base import Stage, StageContext

# Where each public name lives. Imported on first use (PEP 562), not with the package:
# every ``postdeploy.*`` import — the pytest plugin's, the CLI's — runs this file first,
# and importing the runner here pulled every stage (SciPy, the watch rules) into the
# start-up of ``pytest suites -m smoke``.
_PUBLIC = {
    "fails_as": "postdeploy.checks",
    "Config": "postdeploy.config",
    "load_config": "postdeploy.config",
    "PostdeployError": "postdeploy.errors",
    "CheckOutcome": "postdeploy.findings",
    "CheckResult": "postdeploy.findings",
    "Finding": "postdeploy.findings",
    "RollbackTrigger": "postdeploy.findings",
    "Severity": "postdeploy.findings",
    "StageResult": "postdeploy.findings",
    "StageStatus": "postdeploy.findings",
    "Decision": "postdeploy.gate",
    "Verdict": "postdeploy.gate",
    "RunOutcome": "postdeploy.runner",
    "run": "postdeploy.runner",
    "Stage": "postdeploy.stages.base",
    "StageContext": "postdeploy.stages.base",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'postdeploy' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "CheckOutcome",
    "CheckResult",
    "Config",
    "Decision",
    "Finding",
    "PostdeployError",
    "RollbackTrigger",
    "RunOutcome",
    "Severity",
    "Stage",
    "StageContext",
    "StageResult",
    "StageStatus",
    "Verdict",
    "fails_as",
    "load_config",
    "run",
]
__version__ = "0.1.0"
