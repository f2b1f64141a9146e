"""Every fault the integration stage owns makes the right integration check fail, with the
right rollback trigger; the clean service passes the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from functional_proof import run_checks

SUITE = "suites/integration/"
# fault → (the check that must fail, the trigger its finding names)
CASES = {
    "corrupt_upload": ("test_workflows.py::test_download_is_byte_identical[image]", "data_loss"),
    "truncated_download": (
        "test_workflows.py::test_download_is_byte_identical[document]", "data_loss",
    ),
    "listing_drops_records": (
        "test_workflows.py::test_listing_pages_through_every_upload", "data_loss",
    ),
    "legacy_id_reuse": (
        "test_cross_api.py::test_deleted_legacy_ids_are_not_reissued[video]", "data_loss",
    ),
    "missing_authz": (
        "test_authorization.py::test_other_user_cannot_read[GET v2 image]",
        "security_vulnerability",
    ),
    "legacy_field_renamed": (
        "test_cross_api.py::test_v2_upload_is_visible_through_v1[image]", "critical_error",
    ),
    "legacy_type_changed": (
        "test_cross_api.py::test_v1_upload_is_visible_through_v2[video]", "critical_error",
    ),
    "v2_field_removed": (
        "test_workflows.py::test_upload_of_each_kind_is_described_exactly[video]",
        "critical_error",
    ),
}  # fmt: skip


def test_clean_service_passes_the_checks_the_faults_fail(start_unimedia, tmp_path: Path) -> None:
    server = start_unimedia("")
    checks = sorted({SUITE + check for check, _ in CASES.values()})
    result = run_checks(server.env(), tmp_path / "r.json", "integration", *checks)
    outcomes = {check["id"]: check["outcome"] for check in result["checks"]}
    assert set(outcomes) == set(checks), outcomes  # the table names real checks
    assert set(outcomes.values()) == {"passed"}, outcomes


@pytest.mark.parametrize("fault", sorted(CASES))
def test_integration_check_fails_on_fault(start_unimedia, tmp_path: Path, fault: str) -> None:
    check, trigger = CASES[fault]
    server = start_unimedia(fault)
    result = run_checks(server.env(), tmp_path / "r.json", "integration", SUITE + check)
    findings = {finding["origin"]: finding for finding in result["findings"]}
    assert SUITE + check in findings, result["checks"]
    assert findings[SUITE + check]["trigger"] == trigger
    assert findings[SUITE + check]["evidence"]


def test_leftovers_of_an_interrupted_run_are_removed_first(start_unimedia, tmp_path: Path) -> None:
    """Media tagged by an old run (and a v1 upload named by one) is gone after a run."""
    import httpx

    from postdeploy.checks.media_api import MARKER_TAG, check_filename

    server = start_unimedia("")
    old_run = "20200101T000000Z-dead"
    with httpx.Client(base_url=server.url) as client:
        token = client.post(
            "/api/v2/auth/login", json={"username": "alice", "password": server.passwords["alice"]}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        tagged = client.post(
            "/api/v2/media",
            files={"file": ("x.png", b"\x89PNG leftover", "image/png")},
            data={"tags": f"{MARKER_TAG},postdeploy-run={old_run}"},
        ).json()["id"]
        legacy = client.post(
            "/api/v1/documents",
            files={
                "document": (check_filename(old_run, "d.pdf"), b"%PDF-1.4 x", "application/pdf")
            },
        ).json()["doc_id"]
        keep = client.post(
            "/api/v2/media", files={"file": ("mine.png", b"\x89PNG not ours", "image/png")}
        ).json()["id"]
        result = run_checks(
            server.env(), tmp_path / "r.json", "integration",
            SUITE + "test_workflows.py::test_metadata_matches_the_upload",
        )  # fmt: skip
        assert result["status"] == "passed"
        assert client.get(f"/api/v2/media/{tagged}").status_code == 404
        assert client.get(f"/api/v1/documents/{legacy}").status_code == 404
        assert client.get(f"/api/v2/media/{keep}").status_code == 200
