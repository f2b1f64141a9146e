"""What each caller is told, by decision: pure tables, so they are tested as tables.

**Flagger** (https://docs.flagger.app/usage/webhooks): a webhook answer of 200-202
advances the canary; anything else (or a timeout) halts it and, for ``pre-rollout`` and
``rollout`` hooks, counts a failed check (enough of them roll back). ``confirm-rollout``,
``confirm-traffic-increase`` and ``confirm-promotion`` *hold* until they get 200, counting
nothing. ``rollback`` hooks roll back on 2xx. So:

======================  ==========  =========  ===============  ===============
hook                    GO          NO_GO      INCONCLUSIVE     still running
======================  ==========  =========  ===============  ===============
confirm-* (gates)       200         403 hold   403 hold         403 hold
pre-rollout, rollout    200         412 fail   503 (halts)      503 (halts)
rollback                409 (no)    200 roll   409 (no)         409 (no)
======================  ==========  =========  ===============  ===============

INCONCLUSIVE holds on the gates; on ``pre-rollout``/``rollout`` Flagger has no "wait"
answer — non-2xx halts advancement but counts toward ``threshold``, which is why the
recipe (docs/pipelines.md) gates with ``confirm-promotion`` and rolls back with
``rollback``.

**Argo Rollouts, Web metric provider** (argo-rollouts docs/analysis/web.md): the JSON
body is the measurement; ``successCondition: result.decision == "GO"`` and
``failureCondition: result.decision == "NO_GO"`` leave INCONCLUSIVE matching neither,
which Argo records as an Inconclusive measurement (the rollout pauses). While the
verification runs the answer is 503: a measurement *error*, retried at the metric's
``interval`` up to ``consecutiveErrorLimit`` — never a decision.
"""

from __future__ import annotations

from typing import Any

from postdeploy.serve.jobs import Job, JobState

__all__ = ["FLAGGER_HOOKS", "argo_answer", "flagger_answer"]

GATES = frozenset({"confirm-rollout", "confirm-traffic-increase", "confirm-promotion"})
CHECKS = frozenset({"pre-rollout", "rollout"})
FLAGGER_HOOKS = GATES | CHECKS | {"rollback"}


def _body(job: Job) -> dict[str, Any]:
    verdict = job.verdict or {}
    return {
        "run_id": job.id,
        "state": job.state.value,
        "decision": job.decision if job.state is JobState.DONE else "RUNNING",
        "triggers_fired": verdict.get("triggers_fired", []),
        "dry_run": bool(verdict.get("dry_run", False)),
        "error": job.error,
        "report": f"/runs/{job.id}/reports/report.html" if job.state is JobState.DONE else None,
    }


def flagger_answer(hook: str, job: Job) -> tuple[int, dict[str, Any]]:
    body = _body(job)
    decision = body["decision"]
    if hook in GATES:
        status = 200 if decision == "GO" else 403
        body["message"] = "promote" if status == 200 else f"hold: {decision}"
    elif hook in CHECKS:
        status = {"GO": 200, "NO_GO": 412}.get(decision, 503)
        body["message"] = {200: "passed", 412: "failed: NO_GO"}.get(status, f"halt: {decision}")
    elif hook == "rollback":
        status = 200 if decision == "NO_GO" else 409
        body["message"] = "roll back" if status == 200 else f"no rollback: {decision}"
    else:  # pragma: no cover - the route only accepts FLAGGER_HOOKS
        raise ValueError(hook)
    return status, body


def argo_answer(job: Job) -> tuple[int, dict[str, Any]]:
    body = _body(job)
    return (200 if job.state is JobState.DONE else 503), body
