"""The issue's proof: for every fault the functional stages own, ``postdeploy verify
--profile full`` turns NO_GO for the right rollback trigger, found by the right stage; the
clean service is GO with every stage passed.

The fault runs leave out the e2e, monitoring and load stages: they are not what these runs
prove (a blocking finding makes NO_GO whatever they say), each has its own fault tests,
and running them nine more times would add minutes to every CI run for no evidence.
"""

from __future__ import annotations

import pytest

# fault → (trigger, the stage whose finding must carry it)
CASES = {
    "legacy_field_renamed": ("critical_error", "contracts"),
    "legacy_type_changed": ("critical_error", "contracts"),
    "v2_field_removed": ("critical_error", "contracts"),
    "corrupt_upload": ("data_loss", "integration"),
    "truncated_download": ("data_loss", "integration"),
    "listing_drops_records": ("data_loss", "integration"),
    "migration_drops_records": ("data_loss", "data"),
    "missing_authz": ("security_vulnerability", "integration"),
    "error_rate": ("critical_error", "integration"),
}


def test_clean_service_is_go_with_every_functional_stage(run_cli, base_env) -> None:
    """The functional stages only: whether the load stage can judge depends on how busy the
    machine is (it says INCONCLUSIVE when it cannot), and its GO is proven by its own tests."""
    stages = "smoke,integration,contracts,data"
    result = run_cli("verify", "--profile", "full", "--stages", stages, env=base_env(), timeout=900)
    verdict = result.verdict
    stages = {stage["name"]: stage for stage in verdict["stages"]}
    # on failure, each reason's evidence: a CI log is often all there is to go on
    evidence = "\n".join(
        f"{reason['title']}:\n{str(reason.get('evidence'))[:1500]}" for reason in verdict["reasons"]
    )
    assert verdict["decision"] == "GO", result.stdout + result.stderr + evidence
    for name in ("smoke", "integration", "contracts", "data"):
        assert stages[name]["status"] == "passed", stages[name]
    assert verdict["not_checked"] == []


@pytest.mark.parametrize("fault", sorted(CASES))
def test_fault_makes_full_verify_no_go(run_cli, base_env, fault: str) -> None:
    trigger, stage = CASES[fault]
    # No Wapiti scan: these faults are the functional stages' to find (the scan's own faults
    # are proven in tests/scan/), and nine scans would add minutes to every CI run.
    env = base_env(UNIMEDIA_FAULTS=fault, POSTDEPLOY_WAPITI="false")
    stages = "smoke,security,integration,contracts,data"
    result = run_cli("verify", "--profile", "full", "--stages", stages, env=env, timeout=900)
    verdict = result.verdict
    assert result.exit_code == 1, result.stdout + result.stderr
    assert verdict["decision"] == "NO_GO"
    assert trigger in verdict["triggers_fired"], verdict["triggers_fired"]
    assert any(
        reason["stage"] == stage and reason["trigger"] == trigger and reason["evidence"]
        for reason in verdict["reasons"]
    ), [(r["stage"], r["trigger"], r["title"]) for r in verdict["reasons"]]
