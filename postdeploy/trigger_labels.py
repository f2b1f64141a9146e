"""Plain words for rollback triggers and severities, for people and for Allure.

One place so the HTML page, ``summary.md``, the Allure labels and categories say the same
thing about a trigger — a manager reads "Data loss: media … comes back different", not
``data_loss``. Only the findings vocabulary below it, so stages and the pytest plugin may
use it as well as the reports.
"""

from __future__ import annotations

from postdeploy.findings import RollbackTrigger, Severity

__all__ = ["ALLURE_SEVERITY", "TRIGGER_NAME", "TRIGGER_WORDS"]

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
