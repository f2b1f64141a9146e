"""Verdicts for report tests: one per decision, with hostile strings and fabricated charts.

Fabricated on purpose: the load stage and the watch that will fill ``Charts`` in real runs
do not exist yet, and real runs must never show invented figures — so only tests do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.gate import Decision, NotChecked, Verdict
from postdeploy.measurements import Charts, EndpointLatency, TimelinePoint
from postdeploy.target.info import TargetInfo

HOSTILE = '<script>alert("x")</script>'
HOSTILE_MEDIA = f"holiday<img src=x onerror=alert(1)>{HOSTILE}.png"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TARGET = TargetInfo(
    "http://127.0.0.1:1", True, "2.0.0", "2.0.0", (("alice", "user"), ("bob", "user"))
)

DOWNLOAD = "suites/smoke/test_media_roundtrip.py::test_download_returns_identical_bytes"
VERSION = "suites/smoke/test_service.py::test_live_version_is_the_expected_release"
LISTING = "suites/smoke/test_media_roundtrip.py::test_upload_appears_in_listing"
CONSOLE = "e2e/test_console.py::test_pages_log_no_console_errors"
FILTER = "e2e/test_browse.py::test_kind_filter_shows_only_that_kind"
LONG_ENDPOINT = "GET /api/v2/media/{id}/content [range] (legacy clients, long name)"


def fabricated_charts() -> Charts:
    """Latency for three endpoints (one slower) and a six-hour watch with one firing."""
    return Charts(
        latency=(
            EndpointLatency("GET /api/v2/media", 182.0, 120.0, "p95", "regression", 1.2),
            EndpointLatency("POST /api/v2/media", 240.0, 250.0, "p95", "within tolerance", 1.2),
            EndpointLatency(LONG_ENDPOINT, 106.0, 100.0, "p95", "within tolerance", 1.2),
            EndpointLatency("GET /api/v1/images", 60.0, 90.0, "p95", "faster", 1.2),
            EndpointLatency(f"GET /api/v2/media/{HOSTILE}", 95.0, None),
        ),
        timeline=tuple(
            TimelinePoint(
                NOW + timedelta(minutes=30 * i),
                "performance_degradation" if i == 7 else None,
                [0.1, 0.2, 0.1, 0.0, 0.3, 0.2, 0.4, 6.5, 0.6, 0.2, 0.1, 0.1][i],
                "error rate above 5%" if i == 7 else "",
            )
            for i in range(12)
        ),
        timeline_unit="% errors",
    )


def non_blocking_stage() -> StageResult:
    """An e2e stage that "failed" on a medium finding (below the gate's high), with a
    flaky check: the GO that must explain itself (issue 21 §4)."""
    finding = Finding(
        "e2e", "Pages log no console errors", Severity.MEDIUM, RollbackTrigger.USER_IMPACT,
        "1 console error(s): console.error: boom (http://127.0.0.1:1/static/app.js)", CONSOLE,
        ("stages/e2e/artifacts/console/screenshot.png",),
    )  # fmt: skip
    checks = (
        CheckResult(CONSOLE, CheckOutcome.FAILED, 3.1, "failed"),
        CheckResult(
            FILTER, CheckOutcome.FLAKY, 9.4,
            "passed when retried; the first attempt failed: TimeoutError: Page.wait_for_url: "
            "Timeout 10000ms exceeded.", ("stages/e2e/artifacts/filter/trace.zip",),
        ),
    )  # fmt: skip
    return StageResult(
        "e2e", StageStatus.FAILED, 12.5, "1 check(s) failed", (finding,), checks,
        started_at=NOW.timestamp() + 1,
    )  # fmt: skip


def sample_verdict(
    decision: Decision, *, charts: bool = True, non_blocking: bool = True
) -> Verdict:
    """A realistic verdict for ``decision``; NO_GO fires two triggers; GO (unless
    ``non_blocking=False``) has a failed stage whose medium finding does not block."""
    findings: tuple[Finding, ...] = ()
    checks = (
        CheckResult(DOWNLOAD, CheckOutcome.PASSED, 0.21),
        CheckResult(VERSION, CheckOutcome.PASSED, 0.05),
        CheckResult(LISTING, CheckOutcome.PASSED, 0.12),
        CheckResult("suites/smoke/test_service.py::test_metrics", CheckOutcome.SKIPPED, 0, "n/a"),
    )
    status = StageStatus.PASSED
    not_checked = (NotChecked("smoke", "suites/smoke/test_service.py::test_metrics", "n/a"),)
    error = None
    if decision is Decision.NO_GO:
        findings = (
            Finding(
                "smoke", f"Downloaded {HOSTILE_MEDIA} differs from the upload",
                Severity.CRITICAL, RollbackTrigger.DATA_LOSS,
                f"AssertionError: downloaded 3172 bytes\nGET /api/v2/media/1/content → 200\n"
                f'    {{"filename": "{HOSTILE_MEDIA}"}}',
                DOWNLOAD,
            ),
            Finding(
                "smoke", "The live release is the one that was deployed",
                Severity.CRITICAL, RollbackTrigger.CRITICAL_ERROR,
                "AssertionError: live release is '1.9.0', expected '2.0.0'", VERSION,
            ),
            Finding(
                "smoke", "Uploaded media appears in the owner's listing", Severity.HIGH,
                RollbackTrigger.DATA_LOSS, "media 42 missing from the listing", LISTING,
            ),
        )  # fmt: skip
        failed = {DOWNLOAD, VERSION, LISTING}
        checks = tuple(
            CheckResult(c.check_id, CheckOutcome.FAILED, c.duration_s, "failed")
            if c.check_id in failed
            else c
            for c in checks
        )
        status = StageStatus.FAILED
    stages: tuple[StageResult, ...] = (
        StageResult(
            "smoke", status, 3.9, "3 check(s) failed" if findings else "",
            findings, checks, {}, ("stages/smoke/pytest.log",),
            fabricated_charts() if charts else Charts(), NOW.timestamp(),
        ),
    )  # fmt: skip
    reasons = findings
    if decision is Decision.GO and non_blocking:
        stages = (*stages, non_blocking_stage())
        reasons = stages[-1].findings
    if decision is Decision.INCONCLUSIVE:
        stages = ()
        error = "target unreachable: http://127.0.0.1:9 refused the connection"
        not_checked = (NotChecked("smoke", None, error),)
    return Verdict(
        run_id="20261124T120000Z-abcd",
        decision=decision,
        profile="full",
        target=TARGET if decision is not Decision.NO_GO else _live("1.9.0"),
        stages=stages,
        reasons=reasons,
        triggers_fired=tuple(dict.fromkeys(f.trigger for f in findings)),
        not_checked=not_checked,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=8),
        error=error,
    )


def _live(version: str) -> TargetInfo:
    return TargetInfo(TARGET.url, True, "2.0.0", version, TARGET.accounts)
