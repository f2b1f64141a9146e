"""The model-based check and the malformed-write check fail on real faults, with the trigger
the promise table names (docs/model-checks.md); the clean service passes both.

The model needs no knowledge of a fault: the last test plants a bug that is in no
catalogue (a one-line change to a copy of unimedia) and the same check finds it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from functional_proof import REPO, run_checks

MODEL = "suites/integration/test_model.py::test_media_service_keeps_the_models_promises"
MALFORMED = "suites/integration/test_malformed_writes.py::test_malformed_writes_are_refused_cleanly"
# A small, fixed run, so that each proof takes seconds: a budget far below the suite's
# own, and a seed per fault (all 1 today: the run's "tour" reaches each of these faults in
# every example; bench/model_detection.py measures the rates over seeds at real budgets).
BUDGET = "3x15:1100000"


def _options(seed: int) -> tuple[str, ...]:
    return ("--postdeploy-model-seed", str(seed), "--postdeploy-model-budget", BUDGET,
            "--postdeploy-model-shrink-seconds", "3")  # fmt: skip


OPTIONS = _options(1)
TOKENS = (
    "security/test_authentication.py::"
    "test_protected_endpoints_refuse_anonymous_forged_expired_and_tampered_tokens"
)
# fault → (the check that must fail, its marker, the trigger its finding names, seed)
CASES = {
    "range_off_by_one": (MODEL, "integration", "user_impact", 1),
    "etag_unstable": (MODEL, "integration", "user_impact", 1),
    "download_cache_public": (MODEL, "integration", "user_impact", 1),
    "shared_blob_deleted": (MODEL, "integration", "data_loss", 1),
    "expired_token_error": (MODEL, "integration", "user_impact", 1),
    "malformed_upload_error": (MALFORMED, "integration", "critical_error", 1),
    # the right trigger: an expired token answered 500 is not a security vulnerability
    "expired_token_error/security": (TOKENS, "security", "user_impact", 1),
}


def _finding(result: dict, check: str) -> dict:
    findings = [f for f in result["findings"] if f["origin"].startswith(check)]
    assert findings, result["checks"]
    return findings[0]


def test_clean_service_passes_the_model_and_malformed_writes(
    start_unimedia, tmp_path: Path
) -> None:
    server = start_unimedia("")
    result = run_checks(server.env(), tmp_path / "r.json", "integration", MODEL, MALFORMED,
                        options=OPTIONS)  # fmt: skip
    outcomes = {check["id"]: check["outcome"] for check in result["checks"]}
    assert len(outcomes) == 2, outcomes
    assert set(outcomes.values()) == {"passed"}, result
    model_id = next(check for check in outcomes if check.startswith(MODEL))
    assert "seed=1,budget=3x15:1100000" in model_id  # the replay is in the check's name


@pytest.mark.parametrize("fault", sorted(CASES))
def test_model_check_fails_on_fault(start_unimedia, tmp_path: Path, fault: str) -> None:
    check, marker, trigger, seed = CASES[fault]
    server = start_unimedia(fault.partition("/")[0])
    options = _options(seed) if check.startswith("suites/") else ()
    result = run_checks(server.env(), tmp_path / "r.json", marker, check, options=options)
    finding = _finding(result, check)
    assert finding["trigger"] == trigger, finding
    if check == MODEL:  # the evidence replays: seed, budget and the shortest sequence
        assert f"replay: seed {seed}, budget {BUDGET}" in finding["evidence"]
        assert "state = MediaMachine()" in finding["evidence"]
        assert finding["attachments"], finding


def test_model_finds_a_planted_bug_no_catalogue_knows(
    start_unimedia, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of unimedia whose downloads lose the UTF-8 file name of non-ASCII files."""
    copy = tmp_path / "planted"
    shutil.copytree(
        REPO / "unimedia", copy / "unimedia", ignore=shutil.ignore_patterns("__pycache__")
    )
    source = copy / "unimedia" / "filenames.py"
    original = "    if fallback != filename:\n"
    text = source.read_text()
    assert original in text  # the planted line still exists in this release
    source.write_text(
        text.replace(original, "    if fallback != filename and filename.isascii():\n")
    )
    # The server imports the planted copy: first on its path, and not run from the
    # checkout (``python -m`` puts the working directory before PYTHONPATH).
    monkeypatch.setenv("PYTHONPATH", str(copy))
    monkeypatch.chdir(tmp_path)
    server = start_unimedia("")
    result = run_checks(server.env(), tmp_path / "r.json", "integration", MODEL, options=OPTIONS)
    finding = _finding(result, MODEL)
    assert finding["trigger"] == "user_impact", finding
    assert "Content-Disposition" in finding["evidence"], finding["evidence"]
