"""What the pytest plugin adds to each test's Allure result: labels, the trigger, evidence.

allure-pytest already writes steps, timings and fixtures; this module adds what sign-off
needs on top, through allure's public ``allure.dynamic`` / ``allure.attach`` API (a no-op
when pytest runs without ``--alluredir``):

* labels: ``epic`` = the stage, ``feature`` = the rollback trigger the check guards,
  ``story`` = the check's title, ``severity`` mapped to Allure's names;
* on failure: a ``rollback_trigger`` label and a note on the exception —
  ``rollback trigger: data_loss (severity critical)`` — so the failure *message* names the
  trigger. Allure's categories match messages, not labels (Allure 2's ``categories.json``
  only knows ``messageRegex``/``traceRegex``/statuses), so the note is what lets
  ``categories.json`` group failures by trigger (see :mod:`postdeploy.reports.allure`);
* attachments: the check's HTTP exchanges (request line, status, response excerpt), and on
  failure the files its collectors saved (screenshot, browser trace; see
  :mod:`postdeploy.checks.artifacts`).
"""

from __future__ import annotations

from collections.abc import Sequence

import allure

from postdeploy.checks import GateTag
from postdeploy.checks.artifacts import Attachment
from postdeploy.trigger_labels import ALLURE_SEVERITY, TRIGGER_NAME

__all__ = [
    "CHECK_LABEL",
    "NOTE_PREFIX",
    "add_target",
    "attach_exchanges",
    "attach_files",
    "label_check",
    "mark_failure",
    "trigger_note",
]

NOTE_PREFIX = "rollback trigger: "
CHECK_LABEL = "postdeploy_check"  # the check's id (pytest node id): how reports find its result
_NOTED = "__postdeploy_trigger_noted__"


def trigger_note(tag: GateTag) -> str:
    """The line added to a failing check's exception; categories match on it."""
    return f"{NOTE_PREFIX}{tag.trigger.value} (severity {tag.severity.value})"


def label_check(stage: str, guards: GateTag, title: str, check_id: str = "") -> None:
    """Labels every check gets, pass or fail (called while the check is being set up).

    ``check_id`` (the node id) lets the run's reports find this result again: to give it a
    history id that does not change between runs and to mark it flaky (see
    :mod:`postdeploy.reports.allure_results`)."""
    allure.dynamic.epic(f"Stage: {stage}")
    if check_id:
        allure.dynamic.label(CHECK_LABEL, check_id)
    allure.dynamic.feature(f"Guards: {TRIGGER_NAME[guards.trigger]}")
    allure.dynamic.story(title)
    allure.dynamic.severity(allure.severity_level(ALLURE_SEVERITY[guards.severity]))


def mark_failure(exc: BaseException | None, tag: GateTag) -> None:
    """Name the trigger a failure fired: as a label and in the exception's message."""
    allure.dynamic.label("rollback_trigger", tag.trigger.value)
    allure.dynamic.severity(allure.severity_level(ALLURE_SEVERITY[tag.severity]))
    allure.dynamic.tag(tag.trigger.value)
    if exc is not None and not getattr(exc, _NOTED, False):
        # PEP 678 notes are part of the formatted exception: pytest's report and Allure's
        # statusDetails.message both show the line, without touching the check's own text.
        exc.add_note(trigger_note(tag))
        setattr(exc, _NOTED, True)


def attach_exchanges(rendered: str) -> None:
    """Attach the check's HTTP exchanges (already redacted and shortened)."""
    if rendered:
        allure.attach(rendered, name="HTTP exchanges", attachment_type=allure.attachment_type.TEXT)


def add_target(url: str | None) -> None:
    """The target as a parameter; excluded from Allure's history id, which must not change
    with the embedded target's random port."""
    if url:
        allure.dynamic.parameter("target", url, excluded=True)


def attach_files(attachments: Sequence[Attachment]) -> None:
    """Attach a failing check's evidence files (screenshot, trace, …) to its Allure result."""
    for attachment in attachments:
        kind = _ATTACHMENT_TYPES.get(attachment.path.suffix.lower())
        allure.attach.file(
            str(attachment.path),
            name=attachment.label,
            attachment_type=kind,
            extension=None if kind else attachment.path.suffix.lstrip(".") or None,
        )


_ATTACHMENT_TYPES = {
    ".png": allure.attachment_type.PNG,
    ".jpg": allure.attachment_type.JPG,
    ".zip": allure.attachment_type.ZIP,
    ".txt": allure.attachment_type.TEXT,
    ".log": allure.attachment_type.TEXT,
    ".json": allure.attachment_type.JSON,
}
