"""Allure results for the whole verification, not only its pytest checks (issue 21 §5).

allure-pytest writes one result per pytest check. What it cannot write is made here, from
the verdict, once per run:

* **every check of a stage that is not pytest** — the load stage's judged endpoints (their
  figures, the latency chart and the evidence files attached), the monitoring rules (their
  PromQL and value), the data checks, the scan's alerts — and of a pytest stage that broke
  before pytest wrote anything;
* **the verdict itself**, as the top-level result ``Verdict: NO-GO`` (epic "Verdict"):
  passed for GO, failed for NO_GO (its message names every trigger that fired, so the
  trigger categories hold it too), broken for INCONCLUSIVE — where Allure users look;
* **real times**: each stage's results span the stage's real start and end, the verdict the
  whole run, so Allure's duration is the run's;
* **stable history ids**: allure-pytest hashes a parametrised test's raw parameter objects,
  whose ``repr`` can hold a memory address, so a rerun looked "new". Every result of the run
  — ours and allure-pytest's (found by the ``postdeploy_check`` label) — gets
  ``md5(stage, check id)`` and its parameters are kept out of the key (the node id names the
  variant), so reruns of the same check line up in history and trends; and a
  check the verdict calls flaky gets Allure's ``flaky`` marker.

Result files follow the Allure results format (``<uuid>-result.json``; attachments as
``<uuid>-attachment.<ext>`` beside them) that Allure 2 and 3 both read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from postdeploy.findings import CheckOutcome, CheckResult, Finding, StageResult
from postdeploy.gate import Decision, Verdict
from postdeploy.pytest.allure import CHECK_LABEL, NOTE_PREFIX
from postdeploy.reports.html import latency_svg
from postdeploy.reports.wording import TRIGGER_NAME, decision_label
from postdeploy.trigger_labels import ALLURE_SEVERITY

__all__ = ["history_id", "write_allure_results"]

log = logging.getLogger(__name__)

SOURCE_LABEL = "postdeploy_source"  # on results made here: rewritten, not added, on a rerun
ATTACH_LIMIT = 2 * 1024 * 1024  # an evidence file larger than this is named, not copied
_STATUS = {
    CheckOutcome.PASSED: "passed",
    CheckOutcome.FLAKY: "passed",
    CheckOutcome.FAILED: "failed",
    CheckOutcome.ERROR: "broken",
    CheckOutcome.SKIPPED: "skipped",
}
_VERDICT_STATUS = {Decision.GO: "passed", Decision.NO_GO: "failed", Decision.INCONCLUSIVE: "broken"}
_MIME = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".zip": "application/zip",
    ".html": "text/html",
    ".md": "text/markdown",
}


def history_id(stage: str, check_id: str) -> str:
    """The same for the same check in every run: what Allure's history and trends key on."""
    return hashlib.md5(
        f"postdeploy\0{stage}\0{check_id}".encode(), usedforsecurity=False
    ).hexdigest()


def write_allure_results(
    verdict: Verdict, run_dir: Path, results: Path, *, dry_run: bool = False
) -> list[Path]:
    """Write the verdict's results into ``results``; fix up allure-pytest's there. Returns
    the files written."""
    results.mkdir(parents=True, exist_ok=True)
    _remove_own(results)
    covered = _fix_pytest_results(verdict, results)
    written = [_write(results, _verdict_result(verdict, results, run_dir, dry_run=dry_run))]
    for stage in verdict.stages:
        if stage.name in covered:  # (chart attachments of such stages: none needed)
            continue  # its checks are allure-pytest's results already
        for document in _stage_results(verdict, stage, run_dir, results):
            written.append(_write(results, document))
    return written


# --- allure-pytest's results: stable history, the flaky marker ------------------------------


def _pytest_documents(results: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(results.glob("*-result.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if any(label.get("name") == CHECK_LABEL for label in document.get("labels", ())):
            yield path, document


def _fix_pytest_results(verdict: Verdict, results: Path) -> set[str]:
    """Stable history ids and flaky markers on allure-pytest's results; returns the stages
    that have results of their own."""
    flaky = {
        (stage.name, check.check_id)
        for stage in verdict.stages
        for check in stage.checks
        if check.outcome is CheckOutcome.FLAKY
    }
    covered: set[str] = set()
    for path, document in _pytest_documents(results):
        labels = {label["name"]: label["value"] for label in document.get("labels", ())}
        stage = labels.get("epic", "").removeprefix("Stage: ")
        check_id = labels[CHECK_LABEL]
        covered.add(stage)
        document["historyId"] = history_id(stage, check_id)
        document["testCaseId"] = history_id(stage, check_id)
        # Allure 3 keys history on the parameters' shown values too, and a parameter object
        # shows as "<object at 0x…>"; the check id already names the variant ("[anonymous]").
        for parameter in document.get("parameters", ()):
            parameter["excluded"] = True
        if (stage, check_id) in flaky and document.get("status") == "passed":
            details = document.setdefault("statusDetails", {})
            details["flaky"] = True
            details.setdefault("message", "passed when retried after a timeout (flaky)")
        path.write_text(json.dumps(document), encoding="utf-8")
    return covered


# --- results made from the verdict -----------------------------------------------------------


def _verdict_result(
    verdict: Verdict, results: Path, run_dir: Path, *, dry_run: bool = False
) -> dict[str, Any]:
    label = decision_label(verdict.decision)
    fired = ", ".join(TRIGGER_NAME[t] for t in verdict.triggers_fired)
    lines = [f"{label}: " + (f"rollback triggers fired: {fired}" if fired else "no trigger fired")]
    if dry_run:
        lines.insert(1, f"dry run: the decision the gate would have made ({label}); it gated "
                        "nothing (the run exited 0)")  # fmt: skip
    lines += [f"[{f.severity.value}] {f.trigger.value}: {f.title}" for f in verdict.reasons[:20]]
    lines += [
        f"not checked: {n.stage}" + (f" · {n.check}" if n.check else "") + f": {n.why}"
        for n in verdict.not_checked[:20]
    ]
    if verdict.error:
        lines.insert(1, f"could not verify: {verdict.error}")
    # The trigger notes put the verdict in the categories of the triggers that fired.
    notes = [f"{NOTE_PREFIX}{t.value} (verdict)" for t in verdict.triggers_fired]
    attachments = [
        attachment
        for name in ("summary.md", "verdict.json")
        if (attachment := _attach_file(results, run_dir / name, name)) is not None
    ]
    stages = ", ".join(verdict.requested_stages) or f"profile {verdict.profile}"
    return {
        **_common(
            name=f"Verdict: {label}" + (" (dry run)" if dry_run else ""),
            full_name="postdeploy#verdict",
            key=history_id("verdict", "verdict"),
            start=verdict.started_at.timestamp(),
            stop=verdict.finished_at.timestamp(),
        ),
        "status": _VERDICT_STATUS[verdict.decision],
        "statusDetails": {
            "message": "\n".join([*lines[: 2 if dry_run else 1], *notes]),
            "trace": "\n".join(lines),
        },
        "description": f"The gate's decision for release {verdict.target.live_version or 'unknown'}"
        f" ({stages}, run {verdict.run_id}). The go/no-go page: ../report.html",
        "labels": [
            {"name": "epic", "value": "Verdict"},
            {"name": "suite", "value": "Verdict"},
            {"name": "severity", "value": "blocker"},
            {"name": "tag", "value": verdict.decision.value},
            *([{"name": "tag", "value": "dry-run"}] if dry_run else []),
        ],
        "parameters": [{"name": "run", "value": verdict.run_id, "excluded": True}],
        "attachments": attachments,
    }


def _stage_results(
    verdict: Verdict, stage: StageResult, run_dir: Path, results: Path
) -> Iterator[dict[str, Any]]:
    start = stage.started_at or verdict.started_at.timestamp()
    stop = start + max(stage.duration_s, 0.001)
    findings = {finding.origin: finding for finding in stage.findings if finding.origin}
    chart = _chart_attachment(results, stage)
    checks = stage.checks or (
        # A stage that broke before it had checks still shows, as one broken result.
        (CheckResult("stage", CheckOutcome.ERROR, message=stage.reason or stage.status.value),)
    )
    for check in checks:
        finding = findings.get(check.check_id)
        attachments = [
            attachment
            for path in (*check.attachments, *(finding.attachments if finding else ()))
            if (attachment := _attach_file(results, run_dir / path, Path(path).name)) is not None
        ]
        if chart is not None and check.check_id.startswith(f"{stage.name}::"):
            attachments.append(chart)
        yield {
            **_common(
                name=finding.title if finding else check.check_id.removeprefix(f"{stage.name}::"),
                full_name=f"postdeploy.{stage.name}#{check.check_id}",
                key=history_id(stage.name, check.check_id),
                start=start,
                stop=stop,
            ),
            "status": _STATUS[check.outcome],
            "statusDetails": _details(check, finding),
            "description": _description(stage, check, finding),
            "labels": _labels(verdict, stage, check, finding),
            "parameters": [
                {"name": key, "value": f"{value:g}", "excluded": True}
                for key, value in sorted(stage.metrics.items())
                if key.startswith(check.check_id.removeprefix(f"{stage.name}::") + " ")
            ],
            "attachments": attachments,
        }


def _common(*, name: str, full_name: str, key: str, start: float, stop: float) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "historyId": key,
        "testCaseId": key,
        "name": name,
        "fullName": full_name,
        "stage": "finished",
        "start": int(start * 1000),
        "stop": int(stop * 1000),
    }


def _details(check: CheckResult, finding: Finding | None) -> dict[str, Any]:
    if finding is not None:
        note = f"{NOTE_PREFIX}{finding.trigger.value} (severity {finding.severity.value})"
        return {"message": f"{finding.title}\n{note}", "trace": finding.evidence}
    details: dict[str, Any] = {"message": check.message} if check.message else {}
    if check.outcome is CheckOutcome.FLAKY:
        details["flaky"] = True
    return details


def _description(stage: StageResult, check: CheckResult, finding: Finding | None) -> str:
    parts = [f"Stage {stage.name}: {check.check_id}"]
    if check.message:
        parts.append(check.message)
    if finding is not None and finding.origin and finding.origin != check.check_id:
        parts.append(f"From: {finding.origin}")  # e.g. the PromQL expression
    return "\n\n".join(parts)


def _labels(
    verdict: Verdict, stage: StageResult, check: CheckResult, finding: Finding | None
) -> list[dict[str, str]]:
    labels = [
        {"name": "epic", "value": f"Stage: {stage.name}"},
        {"name": "suite", "value": stage.name},
        {"name": CHECK_LABEL, "value": check.check_id},
    ]
    if finding is not None:
        labels += [
            {"name": "feature", "value": f"Guards: {TRIGGER_NAME[finding.trigger]}"},
            {"name": "rollback_trigger", "value": finding.trigger.value},
            {"name": "severity", "value": ALLURE_SEVERITY[finding.severity]},
            {"name": "tag", "value": finding.trigger.value},
        ]
        if not verdict.blocks(finding):
            labels.append({"name": "tag", "value": "not blocking"})
    return labels


def _chart_attachment(results: Path, stage: StageResult) -> dict[str, str] | None:
    svg = latency_svg(stage.charts.latency) if stage.charts.latency else None
    if svg is None:
        return None
    source = f"{uuid.uuid4()}-attachment.svg"
    (results / source).write_text(svg, encoding="utf-8")
    return {"name": "Latency per endpoint", "source": source, "type": "image/svg+xml"}


def _attach_file(results: Path, path: Path, name: str) -> dict[str, str] | None:
    """Copy an evidence file of the run into the results (Allure reads only its own folder)."""
    try:
        if not path.is_file() or path.stat().st_size > ATTACH_LIMIT:
            return None
        source = f"{uuid.uuid4()}-attachment{path.suffix}"
        shutil.copyfile(path, results / source)
    except OSError as exc:
        log.warning("allure: cannot attach %s: %s", path, exc)
        return None
    return {"name": name, "source": source, "type": _MIME.get(path.suffix, "text/plain")}


def _remove_own(results: Path) -> None:
    """Results (and their attachments) an earlier rendering of this verdict wrote."""
    for path in results.glob("*-result.json"):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if any(label.get("name") == SOURCE_LABEL for label in document.get("labels", ())):
            for attachment in document.get("attachments", ()):
                (results / attachment.get("source", "")).unlink(missing_ok=True)
            path.unlink()


def _write(results: Path, document: dict[str, Any]) -> Path:
    document["labels"] = [*document.get("labels", ()), {"name": SOURCE_LABEL, "value": "verdict"}]
    path = results / f"{document['uuid']}-result.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
