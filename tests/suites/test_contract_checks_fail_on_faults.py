"""The contract stage: each contract fault fails the right check with the right trigger, the
clean reference passes, the shipped baseline is the reference's contract, and a real target
without a baseline cannot be judged (INCONCLUSIVE, never a pass)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from functional_proof import REPO, run_checks

from postdeploy.contract import diff_specs, parse_spec
from postdeploy.contract.baseline import REFERENCE_BASELINE, read_contract_baseline
from postdeploy.contract.examples import EXAMPLES

SUITE = "suites/contracts/test_contracts.py::"
REPLAY = "test_recorded_example_answers_within_the_recorded_schema"
# (fault, check). error_rate fails requests at random, logins included: its proof is the
# verdict of a whole `verify --profile full` (tests/test_functional_verdicts.py).
CASES = [
    ("legacy_field_renamed", f"{REPLAY}[v1 image item]"),
    ("legacy_type_changed", f"{REPLAY}[v1 video item]"),
    ("v2_field_removed", f"{REPLAY}[v2 media item]"),
    ("legacy_type_changed", "test_legacy_api_survives_generated_requests"),
]


def test_clean_reference_passes_every_contract_check(start_unimedia, tmp_path: Path) -> None:
    server = start_unimedia("")
    result = run_checks(server.env(), tmp_path / "r.json", "contract", "suites/contracts")
    outcomes = {check["id"]: check["outcome"] for check in result["checks"]}
    assert set(outcomes.values()) == {"passed"}, outcomes
    for _fault, check in CASES:
        assert SUITE + check in outcomes


@pytest.mark.parametrize(("fault", "name"), CASES)
def test_contract_check_fails_on_fault(
    start_unimedia, tmp_path: Path, fault: str, name: str
) -> None:
    server = start_unimedia(fault)
    check = SUITE + name
    result = run_checks(server.env(), tmp_path / "r.json", "contract", check)
    findings = {finding["origin"]: finding for finding in result["findings"]}
    assert check in findings, result["checks"]
    assert findings[check]["trigger"] == "critical_error"
    assert findings[check]["evidence"]


def test_real_target_without_a_baseline_is_not_checked(start_unimedia, tmp_path: Path) -> None:
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_BASELINE_DIR=str(tmp_path / "none"))
    result = run_checks(env, tmp_path / "r.json", "contract", "suites/contracts")
    assert result["status"] == "error", result
    assert result["findings"] == []
    assert all(check["outcome"] == "error" for check in result["checks"])
    assert "no contract baseline" in json.dumps(result["checks"])


def test_malformed_baseline_is_an_error(start_unimedia, tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "contract.json").write_text('{"kind": "postdeploy-contract-baseline"')
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_BASELINE_DIR=str(tmp_path / "b"))
    result = run_checks(env, tmp_path / "r.json", "contract", "suites/contracts")
    assert result["status"] == "error"


def test_shipped_baseline_is_the_reference_contract() -> None:
    """baselines/contract.json is the clean reference's contract: if unimedia's API changes,
    re-record it (`postdeploy baseline record --stage contracts`) and review the diff."""
    import tempfile

    from unimedia.app import create_app
    from unimedia.settings import Settings

    baseline = read_contract_baseline(REFERENCE_BASELINE)
    with tempfile.TemporaryDirectory() as data:
        live = create_app(Settings(data_dir=Path(data), token_secret="s" * 40)).openapi()
    assert diff_specs(baseline.spec, parse_spec(json.dumps(live), "reference")) == []
    assert diff_specs(parse_spec(json.dumps(live), "reference"), baseline.spec) == []
    assert set(baseline.examples) == {example.name for example in EXAMPLES}
    assert baseline.release == "2.0.0"
    assert REFERENCE_BASELINE.parent == REPO / "baselines"


def test_live_openapi_diff_fails_on_a_broken_promise(start_unimedia, tmp_path: Path) -> None:
    """The contract faults leave /openapi.json alone, so the diff check is proved with a
    planted one: a baseline that promised an operation (and a response property) the
    clean release does not have — exactly what a release that drops them looks like."""
    baseline = json.loads(REFERENCE_BASELINE.read_text(encoding="utf-8"))
    paths = baseline["openapi"]["paths"]
    paths["/api/v1/albums"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    image = baseline["openapi"]["components"]["schemas"]["ImageOut"]
    image["properties"]["legacy_url"] = {"type": "string"}
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "contract.json").write_text(json.dumps(baseline), encoding="utf-8")
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_BASELINE_DIR=str(tmp_path / "b"))
    check = SUITE + "test_live_openapi_has_no_breaking_change"
    result = run_checks(env, tmp_path / "r.json", "contract", check)
    findings = {finding["origin"]: finding for finding in result["findings"]}
    assert check in findings, result["checks"]
    assert findings[check]["trigger"] == "critical_error"
    evidence = json.dumps(findings[check]["evidence"])
    assert "path-removed" in evidence
    assert "response-property-removed" in evidence
    assert "legacy_url" in evidence
