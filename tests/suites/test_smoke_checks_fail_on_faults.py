"""Every check in suites/smoke fails on a real fault, naming the right rollback trigger.

The suite runs exactly as a release engineer runs it (`pytest suites -m smoke` against a
target URL); the fault is a real misbehaviour of the unimedia under test.
"""

from __future__ import annotations

import pytest

SMOKE = "suites/smoke/"

# fault → (the check that must fail, the trigger its finding names)
CASES = {
    "unhealthy": ("test_service.py::test_health_endpoint_reports_ok", "critical_error"),
    "db_unavailable": ("test_service.py::test_service_is_ready", "critical_error"),
    "wrong_version": (
        "test_service.py::test_live_version_is_the_expected_release",
        "critical_error",
    ),
    "login_broken:bob": ("test_login.py::test_every_account_can_log_in", "critical_error"),
    "storage_readonly": (
        "test_media_roundtrip.py::test_upload_is_accepted_with_matching_metadata",
        "critical_error",
    ),
    "listing_drops_records": (
        "test_media_roundtrip.py::test_upload_appears_in_listing",
        "data_loss",
    ),
    "metadata_wrong": ("test_media_roundtrip.py::test_metadata_matches_upload", "data_loss"),
    "corrupt_upload": (
        "test_media_roundtrip.py::test_download_returns_identical_bytes",
        "data_loss",
    ),
    "delete_ignored": ("test_media_roundtrip.py::test_delete_removes_media", "user_impact"),
}


def test_clean_service_passes_every_smoke_check(start_unimedia, run_smoke) -> None:
    result = run_smoke(start_unimedia(""))
    outcomes = {check["id"]: check["outcome"] for check in result["checks"]}
    assert set(outcomes.values()) == {"passed"}, outcomes
    assert result["status"] == "passed"
    # each check named in CASES exists, so the table below cannot silently go stale
    for check, _trigger in CASES.values():
        assert SMOKE + check in outcomes


@pytest.mark.parametrize("fault", sorted(CASES))
def test_smoke_check_fails_on_fault(start_unimedia, run_smoke, fault: str) -> None:
    check, trigger = CASES[fault]
    result = run_smoke(start_unimedia(fault))
    outcomes = {item["id"]: item["outcome"] for item in result["checks"]}
    assert outcomes[SMOKE + check] == "failed", outcomes
    findings = {finding["origin"]: finding for finding in result["findings"]}
    assert findings[SMOKE + check]["trigger"] == trigger
    assert findings[SMOKE + check]["evidence"]
    assert result["status"] == "failed"
