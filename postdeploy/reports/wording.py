"""Plain words for verdicts, shared by every human-facing report (triggers: ``words``)."""

from __future__ import annotations

from postdeploy.gate import Decision
from postdeploy.trigger_labels import ALLURE_SEVERITY, TRIGGER_NAME, TRIGGER_WORDS

__all__ = [
    "ALLURE_SEVERITY",
    "DECISION_HEADLINE",
    "DECISION_WORDS",
    "EMBEDDED_NOTICE",
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


#: Said loudly wherever a verdict of the embedded default is shown (issue 16): its GO says
#: nothing about any deployment.
EMBEDDED_NOTICE = (
    "verified the embedded reference service, not a deployment: no --target, "
    "POSTDEPLOY_TARGET or [target] url was given"
)


def decision_label(decision: Decision) -> str:
    """``NO_GO`` → ``NO-GO``: how people write it."""
    return decision.value.replace("_", "-")
