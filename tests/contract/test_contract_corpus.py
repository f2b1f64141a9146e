"""The labelled corpus (``tests/contract/corpus/``), as one table: every pair judged as a
pipeline would judge it, its accuracy kept in ``docs/contracts.md``.

A case passes when the verdict is its label — ``breaking`` must be breaking, ``warning``
must warn but not break, ``safe`` must neither break nor warn, ``unchanged`` must report
nothing, ``unreadable`` must be refused — and the rule it names was reported at that
level. A case the classifier still gets wrong carries ``wrong: <why>`` and runs as a strict
xfail: fixing it makes the test fail until the mark is removed (and the figure updated).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corpus import Case, load_cases

from postdeploy.contract import RULES, Change, Level, SpecError, diff_specs

CASES = load_cases()
DOC = Path(__file__).resolve().parents[2] / "docs" / "contracts.md"
# rules that only OpenAPI 3.1 (JSON Schema 2020-12) can express: no 3.0 twin is possible
ONLY_31 = re.compile(r"webhook-|-(contains|tuple|property-rules|dependencies|content)-")


def judge(case: Case) -> list[Change] | None:
    """The changes, or None when the pair was refused as unreadable."""
    try:
        old, new = case.specs()
        return diff_specs(old, new)
    except SpecError:
        return None


def verdict(changes: list[Change] | None) -> str:
    """What a pipeline sees with the default ``--fail-on breaking``: 1, 0, or 2."""
    if changes is None:
        return "unreadable"
    return "breaking" if any(change.breaking for change in changes) else "not breaking"


def expected_verdict(case: Case) -> str:
    return case.label if case.label in ("breaking", "unreadable") else "not breaking"


def problems(case: Case, changes: list[Change] | None) -> list[str]:
    """Everything about ``changes`` that contradicts the case's label and rule."""
    if case.label == "unreadable":
        return [] if changes is None else [f"read and judged: {_show(changes)}"]
    if changes is None:
        return ["refused as unreadable"]
    worst = max((change.level for change in changes), default=None)
    found = {change.rule: change.level for change in changes}
    wanted = {"breaking": Level.BREAKING, "warning": Level.WARNING, "safe": Level.INFO}
    issues = []
    if case.label == "unchanged":
        if changes:
            issues.append(f"expected no change, got {_show(changes)}")
    elif worst is None or worst is not wanted[case.label]:
        issues.append(f"expected {case.label}, got {worst.label if worst else 'nothing'}: "
                      f"{_show(changes)}")  # fmt: skip
    if case.rule and case.rule not in found:
        issues.append(f"rule {case.rule} not reported: {_show(changes)}")
    return issues


def _show(changes: list[Change]) -> str:
    return ", ".join(f"{c.rule}({c.level.label}) at {c.path}" for c in changes) or "(none)"


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.wrong)] if case.wrong else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_pair_is_judged_as_labelled(case: Case) -> None:
    assert not problems(case, judge(case)), (case.why, problems(case, judge(case)))


def accuracy() -> tuple[int, int, list[Case]]:
    """(right, total, wrong cases) on the pipeline verdict alone (exit 1, 0 or 2)."""
    wrong = [case for case in CASES if verdict(judge(case)) != expected_verdict(case)]
    return len(CASES) - len(wrong), len(CASES), wrong


def test_corpus_is_large_and_accurate_and_the_doc_says_so() -> None:
    right, total, wrong = accuracy()
    scenarios = len({case.id.split("@")[0] for case in CASES})
    assert scenarios >= 150, scenarios
    assert right / total >= 0.97, [case.id for case in wrong]
    text = DOC.read_text(encoding="utf-8")
    figure = f"{right} of {total} pairs ({100 * right / total:.1f} %)"
    assert figure in text, f"docs/contracts.md must state the corpus accuracy: {figure!r}"
    assert f"{scenarios} scenarios" in text, f"docs/contracts.md: {scenarios} scenarios"
    # every pair still wrong on the verdict is marked, and listed in the doc by its id
    unmarked = [case.id for case in wrong if not case.wrong]
    assert not unmarked, f"wrong verdicts without a 'wrong:' note: {unmarked}"
    for case in wrong:
        assert f"`{case.id}`" in text, f"docs/contracts.md does not list {case.id}"


def test_every_rule_has_a_case_and_a_30_twin_where_30_can_say_it() -> None:
    covered = {case.rule for case in CASES}
    assert set(RULES) <= covered, sorted(set(RULES) - covered)
    twinned = {case.rule for case in CASES if case.version == "3.0.3"}
    missing = sorted(r for r in set(RULES) - twinned if not ONLY_31.search(r))
    assert not missing, f"rules without a case in 3.0 spelling: {missing}"


def test_labels_are_balanced() -> None:
    """A corpus of only breaking pairs would reward a classifier that says 'breaking'."""
    labels = [case.label for case in CASES]
    assert labels.count("breaking") <= 0.6 * len(labels)
    assert labels.count("unchanged") + labels.count("safe") >= 0.25 * len(labels)
