"""The ZAP part of the security stage: scan the target through ZAP, gate alerts by rules.

Skipped, with its reason, when no ZAP address is configured (the gate policy decides what
a skipped scan means: INCONCLUSIVE on a real target by default). When ZAP is configured it
is required: unreachable, a refused key, a scan that does not finish → an ERROR check, so
the verdict can never be GO on a scan that did not happen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from postdeploy.config import ZAP_SCAN_CHECK
from postdeploy.errors import PostdeployError
from postdeploy.findings import CheckOutcome, CheckResult, StageResult, StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.zap.client import ZapClient
from postdeploy.zap.judge import judge
from postdeploy.zap.rules import load_rules
from postdeploy.zap.scan import ScanOutcome, run_scan

__all__ = ["NO_ZAP_REASON", "ZapStage"]

NO_ZAP_REASON = "no ZAP configured (set POSTDEPLOY_ZAP_URL, or target.zap_url, to run the ZAP scan)"


@dataclass(frozen=True, slots=True)
class ZapStage:
    """Scan ``context.target.url`` through the ZAP at ``context.target.zap_url``."""

    name: str = "security"
    artifact_dir: str = "security"

    def run(self, context: StageContext) -> StageResult:
        if not context.target.zap_url:
            return StageResult(
                self.name,
                StageStatus.SKIPPED,
                reason=NO_ZAP_REASON,
                checks=(CheckResult(ZAP_SCAN_CHECK, CheckOutcome.SKIPPED, message=NO_ZAP_REASON),),
            )
        started = time.monotonic()
        settings = context.zap
        try:
            rules = load_rules(settings.rules_file)
            client = ZapClient(
                context.target.zap_url,
                context.target.zap_api_key,
                call_timeout_s=settings.call_timeout_s,
            )
            outcome = run_scan(client, context.target.url or "", settings, run_id=context.run_id)
        except PostdeployError as exc:
            reason = f"ZAP scan could not run: {exc}"
            return StageResult(
                self.name,
                StageStatus.ERROR,
                duration_s=time.monotonic() - started,
                reason=reason,
                checks=(CheckResult(ZAP_SCAN_CHECK, CheckOutcome.ERROR, message=str(exc)),),
            )
        verdict = judge(outcome.alerts, rules, stage=self.name)
        directory = context.stage_dir(self.artifact_dir)
        artifacts = _write_reports(directory, context.run_dir, outcome)
        # Every alert's finding and check links ZAP's own report of it (issue 21 §4).
        report = artifacts[:1]
        findings = tuple(
            replace(f, attachments=(*f.attachments, *report)) for f in verdict.findings
        )
        checks = tuple(replace(c, attachments=(*c.attachments, *report)) for c in verdict.checks)
        notes = list(outcome.notes)
        if outcome.truncated:
            notes.append(f"alerts cut at {len(outcome.alerts)}")
        metrics = dict(verdict.metrics)
        metrics["zap_active_scan"] = 1.0 if outcome.active_scan else 0.0
        return StageResult(
            self.name,
            StageStatus.FAILED if verdict.failed else StageStatus.PASSED,
            duration_s=time.monotonic() - started,
            reason=("ZAP alerts matched FAIL rules in the rules file" if verdict.failed else ""),
            findings=findings,
            checks=checks,
            metrics=metrics,
            artifacts=artifacts,
        )


def _write_reports(directory: Path, run_dir: Path, outcome: ScanOutcome) -> tuple[str, ...]:
    """ZAP's own JSON and HTML reports, as ZAP wrote them, beside the stage's result."""
    json_path = directory / "zap-report.json"
    html_path = directory / "zap-report.html"
    try:
        document = json.loads(outcome.json_report)
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except ValueError:  # keep whatever ZAP sent; the alerts came from the API anyway
        json_path.write_text(outcome.json_report, encoding="utf-8")
    html_path.write_text(outcome.html_report, encoding="utf-8")
    notes_path = directory / "zap-notes.txt"
    notes_path.write_text(
        f"ZAP {outcome.zap_version}\n" + "".join(f"{note}\n" for note in outcome.notes),
        encoding="utf-8",
    )
    return tuple(str(path.relative_to(run_dir)) for path in (json_path, html_path, notes_path))
