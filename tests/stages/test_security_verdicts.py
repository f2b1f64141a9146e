"""The security stage through ``postdeploy verify``: the verdicts the issue promises.

``missing_authz`` → NO_GO; the header and cookie regressions → NO_GO unless the team's
policy accepts the risk; a ZAP alert of a FAIL rule → NO_GO, of an IGNORE rule → not in the
verdict; a real target without any scan, or with ZAP down → INCONCLUSIVE; clean → GO; a
fault only a scanner finds → NO_GO through Wapiti's finding (when no ZAP is configured).
ZAP is the stand-in (``postdeploy.testing.zap_standin``): ZAP itself cannot be installed here.
Wapiti is real (``make wapiti``); the full Wapiti scan is tested in tests/scan/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postdeploy.scan.install import find_wapiti
from postdeploy.testing.zap_standin import StandinBehaviour, ZapStandin, alert

ZAP_KEY = "zap-key-for-the-verdict-tests"
ACCEPT_HEADERS = "security/test_browser_protection.py::test_security_headers*"
ACCEPT_COOKIES = "security/test_browser_protection.py::test_session_cookies*"


@pytest.fixture
def zap() -> Iterator[ZapStandin]:
    # finishes at the first poll: the verdict tests are about verdicts, not waiting
    behaviour = StandinBehaviour(api_key=ZAP_KEY, spider_polls=1, passive_records=0)
    with ZapStandin(behaviour) as standin:
        yield standin


def verify(run_cli, server, zap: ZapStandin | None = None, **env: str):
    extra = {"POSTDEPLOY_ZAP_URL": zap.url, "POSTDEPLOY_ZAP_API_KEY": ZAP_KEY} if zap else {}
    return run_cli("verify", "--stages", "security", env=server.env(**extra, **env))


def origins(verdict: dict) -> set[str]:
    return {reason["origin"] for reason in verdict["reasons"]}


def test_missing_authz_is_no_go_for_a_security_vulnerability(start_unimedia, run_cli, zap) -> None:
    result = verify(run_cli, start_unimedia("missing_authz"), zap)
    assert result.exit_code == 1, result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "NO_GO"
    assert verdict["triggers_fired"] == ["security_vulnerability"]
    assert "security/test_authorization.py::test_other_users_media_is_refused_through_v2" in (
        origins(verdict)
    )


def test_header_and_cookie_regressions_block_unless_the_risk_is_accepted(
    start_unimedia, run_cli, zap
) -> None:
    server = start_unimedia("missing_security_headers,insecure_session_cookie")
    blocked = verify(run_cli, server, zap)
    assert blocked.exit_code == 1, blocked.stderr
    reasons = origins(blocked.verdict)
    assert "security/test_browser_protection.py::test_security_headers[api]" in reasons
    assert (
        "security/test_browser_protection.py::test_session_cookies_are_httponly_samesite_and_secure"
        in reasons
    )
    assert blocked.verdict["triggers_fired"] == ["security_vulnerability"]

    accepted = verify(
        run_cli, server, zap, POSTDEPLOY_ACCEPT_RISKS=f"{ACCEPT_HEADERS},{ACCEPT_COOKIES}"
    )
    assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
    assert accepted.verdict["decision"] == "GO"
    assert reasons <= origins(accepted.verdict)  # still reported, no longer blocking


def test_a_zap_alert_of_a_fail_rule_is_no_go_with_its_evidence(
    start_unimedia, run_cli, zap
) -> None:
    zap.behaviour.alerts = [
        alert(
            "10038",
            "Content Security Policy (CSP) Header Not Set",
            url="/api/v2/media",
            cwe_id="693",
            solution="Set the Content-Security-Policy header.",
        )
    ]
    result = verify(run_cli, start_unimedia(""), zap)
    assert result.exit_code == 1, result.stderr
    verdict = result.verdict
    (finding,) = [r for r in verdict["reasons"] if r["origin"] == "zap:10038"]
    assert finding["trigger"] == "security_vulnerability"
    assert finding["severity"] == "high"
    assert "/api/v2/media" in finding["evidence"]
    assert "CWE-693" in finding["evidence"]
    assert "Set the Content-Security-Policy header." in finding["evidence"]
    assert (result.report_dir / "latest/stages/security/zap-report.json").is_file()
    assert (result.report_dir / "latest/stages/security/zap-report.html").is_file()


def test_clean_with_zap_is_go_ignored_alerts_stay_out_and_no_secret_leaks(
    start_unimedia, run_cli, zap
) -> None:
    zap.behaviour.alerts = [alert("10096", "Timestamp Disclosure - Unix", url="/version")]
    server = start_unimedia("")
    result = verify(run_cli, server, zap)
    assert result.exit_code == 0, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "GO"
    assert "zap:10096" not in origins(verdict)
    (stage,) = verdict["stages"]
    scan = {check["id"]: check for check in stage["checks"]}["zap:scan"]
    assert scan["outcome"] == "passed"
    assert "1 IGNORE" in scan["message"]
    assert zap.called("spider/action/scan")
    assert not zap.called("ascan/action/scan"), "an active scan ran without the flag"
    secrets = [*server.passwords.values(), ZAP_KEY]
    for path in _files(result.report_dir):
        text = path.read_bytes()
        leaked = [s for s in secrets if s.encode() in text]
        assert not leaked, f"a secret of the run is in {path}"


def test_a_real_target_without_a_scan_is_inconclusive(start_unimedia, run_cli) -> None:
    # no ZAP, and Wapiti switched off: no scanner can run
    result = verify(run_cli, start_unimedia(""), POSTDEPLOY_WAPITI="false")
    assert result.exit_code == 2, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "INCONCLUSIVE"
    (gap,) = [item for item in verdict["not_checked"] if item["check"] == "scan"]
    assert "required by the gate policy" in gap["why"]
    assert "POSTDEPLOY_ZAP_URL" in gap["why"]
    assert "Wapiti is switched off" in gap["why"]


@pytest.mark.skipif(find_wapiti() is None, reason="Wapiti is not installed: make wapiti")
def test_a_fault_only_a_scanner_finds_is_no_go_through_wapiti(start_unimedia, run_cli) -> None:
    """No ZAP configured, Wapiti installed: Wapiti scans (narrowed to the module that finds
    this fault; the full scan is tests/scan/test_wapiti_scan.py's)."""
    server = start_unimedia("login_open_redirect")
    env = server.env(POSTDEPLOY_WAPITI_MODULES="redirect", POSTDEPLOY_MAX_SCAN_TIME="900")
    result = run_cli("verify", "--stages", "security", env=env, timeout=1200)
    assert result.exit_code == 1, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "NO_GO"
    assert verdict["triggers_fired"] == ["security_vulnerability"]
    (finding,) = [r for r in verdict["reasons"] if r["origin"] == "wapiti:Open Redirect"]
    assert "parameter: next" in finding["evidence"]
    assert "openbugbounty.org" in finding["evidence"]
    kept = result.report_dir / "latest/stages/security"
    assert (kept / "wapiti-report.json").is_file()
    assert "wapiti-report.json" in " ".join(verdict["stages"][0]["artifacts"])
    secrets = list(server.passwords.values())
    for path in _files(result.report_dir):
        assert not [s for s in secrets if s.encode() in path.read_bytes()], path


def test_zap_down_is_inconclusive_never_go(start_unimedia, run_cli) -> None:
    server = start_unimedia("")
    result = run_cli(
        "verify",
        "--stages",
        "security",
        env=server.env(POSTDEPLOY_ZAP_URL="http://127.0.0.1:9", POSTDEPLOY_ZAP_API_KEY=ZAP_KEY),
    )
    assert result.exit_code == 2, result.stdout + result.stderr
    gaps = {item["check"]: item["why"] for item in result.verdict["not_checked"]}
    assert "not reachable" in gaps["zap:scan"]


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and not path.is_symlink()]
