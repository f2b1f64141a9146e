"""docs/guarantees.md, "Target": a target that cannot be verified is one line and an
INCONCLUSIVE verdict, and no target can hang the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from guarantee_support import assert_inconclusive, row

PASSWORDS = {
    "POSTDEPLOY_PASSWORD_ALICE": "pw-alice-1",
    "POSTDEPLOY_PASSWORD_BOB": "pw-bob-1",
    "POSTDEPLOY_PASSWORD_ADMIN": "pw-admin-1",
}


@pytest.mark.parametrize(
    ("kind", "mentions"),
    [
        row("T02", "hang", "did not answer in time (ReadTimeout)"),
        row("T03", "trickle", "not complete within 3 s"),
        row("T04", "endless", "response body larger than 64 MiB"),
        row("T05", "html", "answered text/html (HTTP 200), not JSON"),
        row("T06", "version404", "/version not found (HTTP 404): is this the API's base URL?"),
        row("T07", "badjson", "/version answered malformed JSON"),
    ],
)
def test_target_that_cannot_be_verified(invoke, hostile_server, kind: str, mentions: str) -> None:
    url = hostile_server(kind)
    result = invoke("verify", "--target", url, "--timeout", "1", env=PASSWORDS)
    assert_inconclusive(result, mentions=mentions)


@pytest.mark.parametrize("case", [row("T01", "http://127.0.0.1:9")])
def test_unreachable_target(invoke, case: str) -> None:
    result = invoke("verify", "--target", case, env=PASSWORDS)
    assert_inconclusive(result, mentions=f"cannot connect to {case}")


@pytest.mark.parametrize("case", [row("T08", "not-bobs-password-42")])
def test_wrong_password(invoke, shared_target, case: str) -> None:
    result = invoke("verify", env=shared_target.env(POSTDEPLOY_PASSWORD_BOB=case))
    assert_inconclusive(result, mentions="login as bob refused (HTTP 401)")
    assert case not in result.stdout + result.stderr + (result.run_dir / "verdict.json").read_text()


@pytest.mark.parametrize("case", [row("T09", "alice")])
def test_account_without_password(invoke, shared_target, case: str) -> None:
    env = shared_target.env()
    env.pop(f"POSTDEPLOY_PASSWORD_{case.upper()}")
    result = invoke("verify", env=env)
    assert_inconclusive(result, mentions=f"no password for account {case}")


@pytest.mark.parametrize(
    "case", [row("T10", "http://deploy:url-pass-777@127.0.0.1:9/?token=url-token-888&page=2")]
)
def test_credentials_in_the_target_url_are_never_shown(invoke, case: str) -> None:
    result = invoke("verify", "--target", case, env=PASSWORDS)
    assert_inconclusive(
        result, mentions="target url 'http://***@127.0.0.1:9/?token=***&page=2' has credentials"
    )
    files = "".join(p.read_text(errors="replace") for p in result.run_dir.rglob("*") if p.is_file())
    for secret in ("url-pass-777", "url-token-888"):
        assert secret not in result.stdout + result.stderr + files
    assert result.verdict["target"]["url"] == "http://***@127.0.0.1:9/?token=***&page=2"


@pytest.mark.parametrize("case", [row("T11", "http://127.0.0.1:9")])
def test_watch_on_a_dead_target_is_inconclusive_like_verify(invoke, case: str) -> None:
    result = invoke(
        "watch", "--target", case, "--duration", "10s", "--interval", "1s", env=PASSWORDS
    )
    assert_inconclusive(result, mentions=f"cannot connect to {case}")


@pytest.mark.parametrize("case", [row("T12", "no_such_fault")])
def test_unknown_fault_of_the_embedded_target(invoke, tmp_path: Path, case: str) -> None:
    result = invoke("verify", env={"UNIMEDIA_FAULTS": case})
    assert_inconclusive(result, mentions=f"unknown fault '{case}'")
