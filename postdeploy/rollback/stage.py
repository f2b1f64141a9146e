"""The ``rollback`` stage: the checks only a rollback has, beside the ordinary stages.

1. **the previous release is live** — ``/version`` is not the release rolled back (and is
   the expected one, when ``--expected-version`` names it). A rollback that did not take
   (a cached image, a deploy that never ran) is the most common way one fails.
2. **the contract baseline is the previous release's** — the contracts stage compares the
   live API with ``contract.json``; if that file was re-recorded from the release being
   rolled back, "matches the baseline" would prove nothing. Not a fault of the target, so
   it is an error (INCONCLUSIVE), with the way out: the baseline recorded before the deploy
   (``postdeploy preflight --record``).
3. **on the embedded target: the downgrade gives every record back** — see
   :mod:`postdeploy.rollback.rehearsal`. A real target's data is compared with the
   pre-deploy snapshot by the data stage, which the rollback profile runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from postdeploy.contract.baseline import baseline_file, read_contract_baseline
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
from postdeploy.rollback.rehearsal import rehearse_rollback
from postdeploy.stages.base import StageContext
from postdeploy.stages.data import findings_of
from postdeploy.target.client import new_client

__all__ = ["ROLLBACK_STAGE_NAME", "RollbackStage"]

ROLLBACK_STAGE_NAME = "rollback"
LIVE_CHECK = "rollback::the previous release is live"
BASELINE_CHECK = "rollback::the contract baseline is the previous release's"
DATA_CHECK = "rollback::the downgrade gives every record back"


@dataclass(frozen=True, slots=True)
class RollbackStage:
    """``of_version``: the release that was rolled back (``--rollback-of``)."""

    of_version: str
    name: str = ROLLBACK_STAGE_NAME
    # Alone, after the others: the embedded rehearsal starts three unimedia processes, and
    # beside smoke on a 2-core machine it ate smoke's 60 s budget.
    exclusive: bool = True
    rehearsal_records: int = 200
    sample_size: int = 50

    def run(self, context: StageContext) -> StageResult:
        started = time.monotonic()
        checks: list[CheckResult] = []
        findings: list[Finding] = []
        self._live_release(context, checks, findings)
        self._contract_baseline(context, checks)
        if context.embedded:
            self._rehearsal(context, checks, findings)
        failed = any(check.outcome is CheckOutcome.FAILED for check in checks)
        errored = [check for check in checks if check.outcome is CheckOutcome.ERROR]
        return StageResult(
            name=self.name,
            status=StageStatus.FAILED if failed else StageStatus.PASSED,
            duration_s=time.monotonic() - started,
            reason="; ".join(check.message for check in errored),
            findings=tuple(findings),
            checks=tuple(checks),
        )

    def _live_release(
        self, context: StageContext, checks: list[CheckResult], findings: list[Finding]
    ) -> None:
        try:
            with new_client(context.target) as client:
                response = client.get("/version")
            live = response.json().get("version") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            checks.append(CheckResult(LIVE_CHECK, CheckOutcome.ERROR, message=f"/version: {exc}"))
            return
        expected = context.target.expected_version
        problem = ""
        if not isinstance(live, str):
            problem = f"/version answered HTTP {response.status_code} without a version"
        elif live == self.of_version:
            problem = f"release {live}, the one rolled back, is still live"
        elif expected and live != expected:
            problem = f"release {live} is live; the rollback was to {expected}"
        if not problem:
            checks.append(CheckResult(LIVE_CHECK, CheckOutcome.PASSED, message=f"{live} is live"))
            return
        checks.append(CheckResult(LIVE_CHECK, CheckOutcome.FAILED, message=problem))
        findings.append(
            Finding(
                self.name, f"the rollback did not take: {problem}", Severity.CRITICAL,
                RollbackTrigger.CRITICAL_ERROR,
                f"GET {context.target.url}/version → {live!r}; rolled back: {self.of_version}; "
                f"expected: {expected or '(any other release)'}",
                LIVE_CHECK,
            )
        )  # fmt: skip

    def _contract_baseline(self, context: StageContext, checks: list[CheckResult]) -> None:
        path = baseline_file(context.baseline_dir, embedded=context.embedded)
        try:
            baseline = read_contract_baseline(path)
        except PostdeployError as exc:
            checks.append(CheckResult(BASELINE_CHECK, CheckOutcome.ERROR, message=str(exc)))
            return
        if baseline.release == self.of_version:
            checks.append(
                CheckResult(
                    BASELINE_CHECK, CheckOutcome.ERROR, message=
                    f"{path} was recorded from {self.of_version}, the release rolled back: "
                    "comparing with it proves nothing; restore the baseline recorded before "
                    "the deploy (postdeploy preflight --record writes it)",
                )
            )  # fmt: skip
            return
        checks.append(
            CheckResult(
                BASELINE_CHECK, CheckOutcome.PASSED, message=
                f"{path.name}: release {baseline.release or 'unknown'}, recorded "
                f"{baseline.recorded_at}",
            )
        )  # fmt: skip

    def _rehearsal(
        self, context: StageContext, checks: list[CheckResult], findings: list[Finding]
    ) -> None:
        try:
            comparison, source = rehearse_rollback(
                context.stage_dir(self.name), self.rehearsal_records, self.sample_size,
                context.environment,
            )  # fmt: skip
        except PostdeployError as exc:
            checks.append(CheckResult(DATA_CHECK, CheckOutcome.ERROR, message=str(exc)))
            return
        lost = findings_of(self.name, comparison, source)
        findings.extend(lost)
        checks.append(
            CheckResult(
                DATA_CHECK,
                CheckOutcome.FAILED if lost else CheckOutcome.PASSED,
                message=f"{comparison.after_total} of {comparison.before.total} records back"
                + (f"; {len(lost)} kind(s) of loss" if lost else ""),
            )
        )
