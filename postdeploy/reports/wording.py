"""Plain words for the verdict's vocabulary, shared by every human-facing report.

One place so the HTML page, ``summary.md`` and the Allure categories say the same thing
about a trigger — a manager reads "Data loss: stored or downloaded data differs…", not
``data_loss``.
"""

from __future__ import annotations

from postdeploy.findings import RollbackTrigger, Severity
from postdeploy.gate import Decision

__all__ = [
    "ALLURE_SEVERITY",
    "DECISION_HEADLINE",
    "DECISION_WORDS",
    "TRIGGER_NAME",
    "TRIGGER_WORDS",
    "decision_label",
]

DECISION_WORDS: dict[Decision, str] = {
    Decision.GO: "All required checks ran and nothing that blocks the release was found.",
    Decision.NO_GO: "Roll back: at least one rollback trigger fired.",
    Decision.INCONCLUSIVE: (
        "Not everything could be checked, so this release cannot be called good. "
        "Fix what blocked the checks and verify again."
    ),
}

DECISION_HEADLINE: dict[Decision, str] = {
    Decision.GO: "Release can stay",
    Decision.NO_GO: "Roll the release back",
    Decision.INCONCLUSIVE: "No decision possible",
}

TRIGGER_NAME: dict[RollbackTrigger, str] = {
    RollbackTrigger.CRITICAL_ERROR: "Critical error",
    RollbackTrigger.DATA_LOSS: "Data loss",
    RollbackTrigger.PERFORMANCE_DEGRADATION: "Performance degradation",
    RollbackTrigger.SECURITY_VULNERABILITY: "Security vulnerability",
    RollbackTrigger.USER_IMPACT: "User impact",
}

TRIGGER_WORDS: dict[RollbackTrigger, str] = {
    RollbackTrigger.CRITICAL_ERROR: (
        "The service, or a core function of it, is broken or is not the release that was deployed."
    ),
    RollbackTrigger.DATA_LOSS: (
        "Media that was stored cannot be found again, or comes back different from what "
        "was uploaded."
    ),
    RollbackTrigger.PERFORMANCE_DEGRADATION: (
        "The release is measurably slower or less reliable than the last good release."
    ),
    RollbackTrigger.SECURITY_VULNERABILITY: (
        "Someone could see or change what they must not, or a known weakness is exposed."
    ),
    RollbackTrigger.USER_IMPACT: (
        "People using the service would notice: a workflow fails or behaves wrongly."
    ),
}

# postdeploy severity → Allure's severity names (Allure has no "info"/"high").
ALLURE_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "normal",
    Severity.LOW: "minor",
    Severity.INFO: "trivial",
}


def decision_label(decision: Decision) -> str:
    """``NO_GO`` → ``NO-GO``: how people write it."""
    return decision.value.replace("_", "-")
