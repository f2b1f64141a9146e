"""How a check says what its failure means for the release.

Two ways, both read by the pytest plugin:

* the marker ``@pytest.mark.gate(trigger="data_loss", severity="critical")`` for a whole
  test;
* the context manager :func:`fails_as` for one step of a test, when one workflow can fail
  in ways that mean different things (an upload that fails is a ``critical_error``; a
  download that returns other bytes is ``data_loss``).

A failure that names nothing counts as ``critical_error`` / ``high``: unknown failures
block the release rather than slip through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import allure

from postdeploy.findings import RollbackTrigger, Severity

__all__ = ["DEFAULT_GATE", "GateTag", "fails_as", "gate_tag_of"]

_ATTRIBUTE = "__postdeploy_gate__"


@dataclass(frozen=True, slots=True)
class GateTag:
    """The rollback trigger and severity of a failure, and an optional finding title."""

    trigger: RollbackTrigger
    severity: Severity
    title: str | None = None

    @classmethod
    def of(
        cls, trigger: RollbackTrigger | str, severity: Severity | str, title: str | None = None
    ) -> GateTag:
        """Build a tag from enum members or their names; a bad name raises ValueError."""
        return cls(RollbackTrigger(trigger), Severity(severity), title)


DEFAULT_GATE = GateTag(RollbackTrigger.CRITICAL_ERROR, Severity.HIGH)


@contextmanager
def fails_as(
    trigger: RollbackTrigger | str,
    severity: Severity | str = Severity.HIGH,
    title: str | None = None,
) -> Iterator[None]:
    """Tag any failure raised inside the block with ``trigger`` and ``severity``.

    The innermost tag wins, so a helper can be more specific than its caller. A titled
    block is also an Allure step, so the report shows which step of a workflow broke.
    """
    tag = GateTag.of(trigger, severity, title)
    step: AbstractContextManager[Any] = allure.step(title) if title else nullcontext()
    try:
        with step:
            yield
    except BaseException as exc:
        if not hasattr(exc, _ATTRIBUTE):
            setattr(exc, _ATTRIBUTE, tag)
        raise


def gate_tag_of(exc: BaseException | None) -> GateTag | None:
    """The tag :func:`fails_as` attached to ``exc``, if any."""
    tag = getattr(exc, _ATTRIBUTE, None) if exc is not None else None
    return tag if isinstance(tag, GateTag) else None
