"""postdeploy: post-deployment verification and monitoring.

Library use::

    from postdeploy import load_config, run
    outcome = run(load_config())
    print(outcome.verdict.decision)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postdeploy.config import Config, load_config
    from postdeploy.errors import PostdeployError
    from postdeploy.findings import Finding, RollbackTrigger, Severity, StageResult, StageStatus
    from postdeploy.gate import Decision, Verdict
    from postdeploy.runner import RunOutcome, run

# Where each public name lives. Imported on first use (PEP 562), not with the package:
# every ``postdeploy.*`` import — the pytest plugin's, the CLI's — runs this file first,
# and importing the runner here pulled every stage (SciPy, the watch rules) into the
# start-up of ``pytest suites -m smoke``.
_PUBLIC = {
    "Config": "postdeploy.config",
    "load_config": "postdeploy.config",
    "PostdeployError": "postdeploy.errors",
    "Finding": "postdeploy.findings",
    "RollbackTrigger": "postdeploy.findings",
    "Severity": "postdeploy.findings",
    "StageResult": "postdeploy.findings",
    "StageStatus": "postdeploy.findings",
    "Decision": "postdeploy.gate",
    "Verdict": "postdeploy.gate",
    "RunOutcome": "postdeploy.runner",
    "run": "postdeploy.runner",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'postdeploy' has no attribute {name!r}")
    return getattr(import_module(module), name)


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
