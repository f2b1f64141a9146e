"""The Wapiti part of the security stage: a real vulnerability scan without a ZAP.

Wapiti crawls the target (seeded with its OpenAPI document, cut to the reads) logged in as
an ordinary test user, runs the modules the policy allows (:mod:`postdeploy.scan.policy`:
attacks on a loopback target or with ``--active-scan``, passive modules elsewhere), and its
findings go through ``security/wapiti-rules.tsv`` into the same findings as ZAP's alerts.
Wapiti's own report, its log, the cut OpenAPI document and the scan's notes are kept in
``stages/security/``. It could not run (cannot log in, Wapiti crashed, the deadline passed)
→ an ERROR check ``wapiti:scan``; the verdict is then INCONCLUSIVE, never GO.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from postdeploy.config import WAPITI_SCAN_CHECK
from postdeploy.errors import PostdeployError, ScannerError
from postdeploy.findings import CheckOutcome, CheckResult, StageResult, StageStatus
from postdeploy.scan.install import find_wapiti
from postdeploy.scan.judge import judge_wapiti
from postdeploy.scan.openapi import ReadOnlyApi, fetch_read_only_api
from postdeploy.scan.policy import ScanPlan, plan_scan
from postdeploy.scan.run import WapitiRun, run_wapiti
from postdeploy.scan.session import ScanSession, log_in
from postdeploy.stages.base import StageContext
from postdeploy.target.client import new_client
from postdeploy.zap.judge import Judgement
from postdeploy.zap.rules import load_rules

__all__ = ["WAPITI_RULES_FILE", "WapitiStage"]

WAPITI_RULES_FILE = Path(__file__).resolve().parents[2] / "security" / "wapiti-rules.tsv"
OPENAPI_PATH = "/openapi.json"


@dataclass(frozen=True, slots=True)
class WapitiStage:
    """Scan ``context.target.url`` with the Wapiti found for ``context.scan``."""

    name: str = "security"
    artifact_dir: str = "security"
    label: str = "Wapiti"

    def run(self, context: StageContext) -> StageResult:
        started = time.monotonic()
        try:
            executable = find_wapiti(context.scan.wapiti_path)
            if executable is None:
                raise ScannerError("Wapiti is not installed")
            rules = load_rules(context.scan.rules_file, default=WAPITI_RULES_FILE, scanner="Wapiti")
            plan = plan_scan(context.target.url or "", context.scan)
            directory = context.stage_dir(self.artifact_dir)
            session = log_in(context.target)
            with new_client(context.target) as client:
                api = fetch_read_only_api(
                    client, OPENAPI_PATH, plan.excluded_paths, directory / "wapiti-openapi.json"
                )
            wapiti = run_wapiti(
                executable, plan, session, openapi=api.path, out_dir=directory,
                ca_file=context.target.ca_file,
            )  # fmt: skip
        except PostdeployError as exc:
            return StageResult(
                self.name,
                StageStatus.ERROR,
                duration_s=time.monotonic() - started,
                reason=f"Wapiti scan could not run: {exc}",
                checks=(CheckResult(WAPITI_SCAN_CHECK, CheckOutcome.ERROR, message=str(exc)),),
            )
        verdict = judge_wapiti(wapiti.report.alerts, rules, stage=self.name)
        notes = _notes(plan, session, api, wapiti)
        notes_file = directory / "wapiti-notes.txt"
        notes_file.write_text("".join(f"{note}\n" for note in notes), encoding="utf-8")
        artifacts = [wapiti.report_file, wapiti.log_file, notes_file]
        if api.path is not None:
            artifacts.append(api.path)
        return self._result(verdict, wapiti, plan, started, artifacts, context.run_dir)

    def _result(
        self,
        verdict: Judgement,
        wapiti: WapitiRun,
        plan: ScanPlan,
        started: float,
        artifacts: list[Path],
        run_dir: Path,
    ) -> StageResult:
        summary, *rest = verdict.checks
        if wapiti.incomplete and not verdict.failed:
            # found nothing to block on, but did not look everywhere: not a pass
            summary = CheckResult(
                WAPITI_SCAN_CHECK,
                CheckOutcome.ERROR,
                message=f"did not finish: {'; '.join(wapiti.incomplete)} ({summary.message})",
            )
        if verdict.failed:
            status, reason = StageStatus.FAILED, "Wapiti findings matched FAIL rules"
        elif wapiti.incomplete:
            status, reason = StageStatus.ERROR, f"Wapiti did not finish: {wapiti.incomplete[0]}"
        else:
            status, reason = StageStatus.PASSED, ""
        metrics = dict(verdict.metrics)
        metrics["wapiti_scan_s"] = round(wapiti.seconds, 1)
        metrics.update({f"wapiti_{name}_s": seconds for name, seconds in wapiti.timings.items()})
        metrics["wapiti_attacks"] = 1.0 if plan.attacks else 0.0
        metrics["wapiti_crawled"] = float(wapiti.report.crawled)
        return StageResult(
            self.name,
            status,
            duration_s=time.monotonic() - started,
            reason=reason,
            findings=verdict.findings,
            checks=(summary, *rest),
            metrics=metrics,
            artifacts=tuple(str(path.relative_to(run_dir)) for path in artifacts),
        )


def _notes(plan: ScanPlan, session: ScanSession, api: ReadOnlyApi, wapiti: WapitiRun) -> list[str]:
    report = wapiti.report
    return [
        f"{report.version or 'Wapiti'} against {plan.target_url}: {plan.why}",
        f"modules: {', '.join(plan.modules)} (ran: {', '.join(wapiti.modules_run) or 'none'})",
        f"bounds: crawl {plan.crawl_time_s:g} s, each module {plan.module_time_s:g} s, "
        f"whole scan {plan.deadline_s:g} s; took {wapiti.seconds:.1f} s",
        "time: " + ", ".join(f"{name} {seconds:g} s" for name, seconds in wapiti.timings.items()),
        f"session: {session.note}",
        api.note,
        f"{report.crawled} page(s) crawled; {len(report.alerts)} finding instance(s)",
        f"never crawled or attacked: {', '.join(plan.excluded_paths)}",
        *(f"incomplete: {what}" for what in wapiti.incomplete),
    ]
