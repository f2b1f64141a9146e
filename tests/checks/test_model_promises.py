"""The promise → trigger table: one in code, one in docs/model-checks.md, the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postdeploy.checks.model_promises import (
    TRIGGERS,
    Promise,
    Violation,
    expect,
    page_agrees,
    violation,
)
from postdeploy.findings import RollbackTrigger, Severity

DOC = Path(__file__).resolve().parents[2] / "docs" / "model-checks.md"
_ROW = re.compile(
    r"^\| `(?P<promise>[a-z_]+)` \| .+ \| `(?P<trigger>[a-z_]+)` \| (?P<severity>\w+) \|$"
)


def _documented() -> dict[str, tuple[str, str]]:
    rows = (_ROW.match(line) for line in DOC.read_text(encoding="utf-8").splitlines())
    return {m["promise"]: (m["trigger"], m["severity"]) for m in rows if m}


def test_the_documented_table_is_the_code_table() -> None:
    in_code = {p.value: (t.value, s.value) for p, (t, s) in TRIGGERS.items()}
    assert _documented() == in_code


def test_every_promise_has_a_trigger() -> None:
    assert set(TRIGGERS) == set(Promise)


@pytest.mark.parametrize(
    ("promise", "trigger"),
    [
        # the issue's own examples of the right trigger
        (Promise.RANGE, RollbackTrigger.USER_IMPACT),
        (Promise.ETAG, RollbackTrigger.USER_IMPACT),
        (Promise.TOKEN_REFUSAL, RollbackTrigger.USER_IMPACT),
        (Promise.TOKEN_ACCEPTED, RollbackTrigger.SECURITY_VULNERABILITY),
        (Promise.BYTES, RollbackTrigger.DATA_LOSS),
    ],
)
def test_the_right_trigger(promise: Promise, trigger: RollbackTrigger) -> None:
    assert TRIGGERS[promise][0] is trigger
    assert TRIGGERS[promise][1].at_least(Severity.HIGH)  # every one of them blocks


def test_each_promise_raises_its_own_exception_type() -> None:
    """Hypothesis tells failures apart by type: a shrink may not slip between promises."""
    types = {type(violation(p, "x")) for p in Promise}
    assert len(types) == len(Promise)
    with pytest.raises(Violation) as caught:
        expect(False, Promise.RANGE, "wrong slice")
    assert caught.value.promise is Promise.RANGE
    assert str(caught.value) == "[range] wrong slice"
    expect(True, Promise.RANGE, "never raised")


def test_a_page_that_disagrees_with_its_own_total_is_walked_again_then_a_violation() -> None:
    """Another writer between the service's count and its rows: walk again (False); the same
    disagreement on the last attempt is the violation — a lasting bug is still found."""
    assert page_agrees(True, Promise.PAGING, "fine", last_attempt=True)
    assert not page_agrees(False, Promise.PAGING, "10 rows, expected 9", last_attempt=False)
    with pytest.raises(Violation) as caught:
        page_agrees(False, Promise.PAGING, "10 rows, expected 9", last_attempt=True)
    assert caught.value.promise is Promise.PAGING
