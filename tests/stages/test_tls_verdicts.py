"""The embedded target over HTTPS (issue 21): the certificate and TLS-version checks of the
security stage run for real, and each TLS fault turns the verdict NO_GO for its reason.

Each test runs ``postdeploy verify --stages security`` on the embedded unimedia, as
``make verify`` does (HTTPS with the run's own CA), with Wapiti switched off: the scan is
not what these tests are about, and on the embedded target it is not required.
"""

from __future__ import annotations

import pytest

CERTIFICATE = "security/test_browser_protection.py::test_certificate_is_valid_and_not_expiring_soon"
LEGACY_TLS = "security/test_browser_protection.py::test_no_tls_below_1_2"


def _verify(run_cli, base_env, faults: str, *flags: str):
    env = base_env(UNIMEDIA_FAULTS=faults, POSTDEPLOY_WAPITI="false")
    return run_cli("verify", "--stages", "security", *flags, env=env, timeout=300)


def _outcomes(verdict: dict) -> dict[str, str]:
    (stage,) = verdict["stages"]
    return {check["id"]: check["outcome"] for check in stage["checks"]}


def test_the_clean_embedded_target_is_go_with_both_tls_checks_run(run_cli, base_env) -> None:
    result = _verify(run_cli, base_env, "")
    assert result.exit_code == 0, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "GO"
    assert verdict["target"]["url"].startswith("https://127.0.0.1:")
    outcomes = _outcomes(verdict)
    assert outcomes[CERTIFICATE] == "passed"
    assert outcomes[LEGACY_TLS] == "passed"


@pytest.mark.parametrize(
    ("fault", "origin", "says"),
    [
        ("cert_expiring", CERTIFICATE, "certificate expires in 6 day(s)"),
        ("tls_legacy_versions", LEGACY_TLS, "the server accepts TLS 1.0, TLS 1.1"),
    ],
)
def test_a_tls_fault_is_no_go_for_a_security_vulnerability(
    run_cli, base_env, fault: str, origin: str, says: str
) -> None:
    result = _verify(run_cli, base_env, fault)
    assert result.exit_code == 1, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "NO_GO"
    assert verdict["triggers_fired"] == ["security_vulnerability"]
    reasons = [reason for reason in verdict["reasons"] if reason["origin"] == origin]
    assert reasons, verdict["reasons"]
    assert {reason["origin"] for reason in verdict["reasons"]} == {origin}  # nothing else
    assert says in str(reasons[0])


def test_embedded_http_starts_plain_http_where_a_tls_fault_cannot_live(run_cli, base_env) -> None:
    # --embedded-http reaches the embedded start: the fault needs the HTTPS listener it no
    # longer has, so unimedia refuses to start it silently off — one line, INCONCLUSIVE
    faulty = _verify(run_cli, base_env, "tls_legacy_versions", "--embedded-http")
    assert faulty.exit_code == 2, faulty.stdout + faulty.stderr
    assert faulty.verdict["decision"] == "INCONCLUSIVE"
    assert "fault 'tls_legacy_versions' needs HTTPS" in faulty.stderr
