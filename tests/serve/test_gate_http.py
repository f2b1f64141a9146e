"""``postdeploy serve`` under uvicorn, called by a real HTTP client with the payloads the
delivery tools send.

Payload shapes, copied from their documentation and code:

* Flagger — ``CanaryWebhookPayload`` (fluxcd/flagger pkg/apis/flagger/v1beta1): ``name``,
  ``namespace``, ``phase``, ``checksum``, ``metadata`` (string map); the example body in
  Flagger's docs/gitbook/usage/webhooks.md ("Webhook payload (HTTP POST)"). Answers: 200-202
  advance, anything else halts / counts a failed check; confirm-* hold until 200; rollback
  rolls back on 2xx.
* Argo Rollouts — the Web metric provider (argo-rollouts docs/analysis/web.md): a GET (or
  POST with a JSON ``body``) with ``headers: [{key: Authorization, value: Bearer …}]``; the
  JSON answer is ``result``, judged by ``successCondition: result.decision == "GO"`` and
  ``failureCondition: result.decision == "NO_GO"``.

Two real unimedia servers (a clean one and one whose ``/version`` lies, which smoke fails)
and a dead address make GO, NO_GO and INCONCLUSIVE.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from postdeploy.config import DEFAULT_ACCOUNTS, Account, Secret, password_env_name
from postdeploy.target.embedded import EmbeddedUnimedia

TOKEN = "gate-" + secrets.token_hex(8)
DEADLINE_S = 180.0


class _Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gate(tmp_path: Path, base_env: Callable[..., dict[str, str]]) -> Iterator[dict[str, str]]:
    work = tmp_path
    accounts = tuple(
        Account(a.username, a.role, Secret(secrets.token_urlsafe(12))) for a in DEFAULT_ACCOUNTS
    )
    # Plain HTTP: two targets reached by URL, where HTTPS ones would each bring their own
    # CA and the gate's runs trust one CA file (POSTDEPLOY_CA_FILE) for every target
    clean = EmbeddedUnimedia(log_path=work / "clean.log", faults="", accounts=accounts, https=False)
    faulty = EmbeddedUnimedia(
        log_path=work / "faulty.log", faults="wrong_version:2.1.0", accounts=accounts,
        https=False,
    )  # fmt: skip
    outside = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=outside.serve_forever, daemon=True).start()
    with socket.socket() as probe:  # a port nothing listens on: the unreachable target
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    process = None
    log = (work / "serve.log").open("wb")
    try:
        urls = {"clean": clean.start().url, "faulty": faulty.start().url, "dead": dead}
        env = base_env(
            POSTDEPLOY_SERVE_TOKEN=TOKEN,
            POSTDEPLOY_SERVE_ALLOWED_TARGETS=",".join(urls.values()),
            POSTDEPLOY_TIMEOUT="3",
        )
        env |= {password_env_name(a.username): a.password.reveal() for a in accounts}
        process = subprocess.Popen(
            [sys.executable, "-m", "postdeploy", "serve", "--port", "0",
             "--report-dir", str(work / "reports")],
            env=env, stdout=subprocess.PIPE, stderr=log,
            text=True, cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
        assert process.stdout is not None
        base = process.stdout.readline().strip()
        assert base.startswith("http://"), (work / "serve.log").read_text()
        _until(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        outside_url = f"http://127.0.0.1:{outside.server_address[1]}"
        yield {"base": base, **urls, "outside": outside_url, "work": str(work)}
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
            assert process.stdout is not None
            process.stdout.close()
        log.close()
        clean.stop()
        faulty.stop()
        outside.shutdown()
        outside.server_close()


def _until(condition, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def _flagger(
    gate: dict[str, str], hook: str, target: str, *, checksum: str, once: bool = False
) -> httpx.Response:
    """Call as Flagger does (one call per analysis interval) until the answer is final."""
    payload = {
        "name": "unimedia", "namespace": "media", "phase": "Progressing",
        "checksum": checksum,
        # the token where a Canary can put it: its webhook metadata (no headers in the spec)
        "metadata": {"target": gate[target], "profile": "smoke", "expected_version": "2.0.0",
                     "token": TOKEN},
    }  # fmt: skip
    deadline = time.monotonic() + DEADLINE_S
    while True:
        response = httpx.post(f"{gate['base']}/flagger/{hook}", json=payload, timeout=30)
        if once or response.json().get("state") in ("done", None) or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def _argo(gate: dict[str, str], target: str, *, once: bool = False) -> httpx.Response:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        response = httpx.get(
            f"{gate['base']}/argo", headers=_auth(), timeout=30,
            params={"target": gate[target], "profile": "smoke", "expected_version": "2.0.0"},
        )  # fmt: skip
        if once or response.status_code != 503 or time.monotonic() > deadline:
            return response
        assert response.json()["decision"] == "RUNNING"  # an Argo measurement *error*
        time.sleep(0.5)


def test_gate_answers_flagger_argo_and_the_runs_api(gate: dict[str, str]) -> None:
    """One gate for all three (each verification costs seconds): Flagger, Argo, /runs.

    The first call of each starts its verification (run-then-answer), so all of them run
    while the answers are awaited: two workers, one verification per target at a time.
    """
    for target, checksum in (("clean", "c1"), ("faulty", "f1"), ("dead", "d1")):
        first = _flagger(gate, "rollout", target, checksum=checksum, once=True)
        assert first.status_code in (200, 412, 503), first.text
        _argo(gate, target, once=True)
    _flagger_webhooks_answer_by_decision(gate)
    _argo_web_provider_result_decides(gate)
    _runs_api_and_guards(gate)


def _flagger_webhooks_answer_by_decision(gate: dict[str, str]) -> None:
    clean = _flagger(gate, "rollout", "clean", checksum="c1")
    assert clean.status_code == 200, clean.text  # 2xx: Flagger advances the canary
    assert clean.json()["decision"] == "GO"

    faulty = _flagger(gate, "rollout", "faulty", checksum="f1")
    assert not 200 <= faulty.status_code < 300, faulty.text  # a failed check
    assert faulty.json()["decision"] == "NO_GO"
    assert "critical_error" in faulty.json()["triggers_fired"]
    # the same canary revision's other hooks get the same verdict, without a second run
    rollback = _flagger(gate, "rollback", "faulty", checksum="f1")
    assert rollback.status_code == 200
    assert rollback.json()["run_id"] == faulty.json()["run_id"]
    assert _flagger(gate, "confirm-promotion", "faulty", checksum="f1").status_code == 403
    assert _flagger(gate, "confirm-promotion", "clean", checksum="c1").status_code == 200
    assert _flagger(gate, "rollback", "clean", checksum="c1").status_code == 409  # no rollback

    dead = _flagger(gate, "confirm-promotion", "dead", checksum="d1")
    assert dead.json()["decision"] == "INCONCLUSIVE"
    assert dead.status_code == 403  # holds: neither promoted nor rolled back
    assert _flagger(gate, "rollback", "dead", checksum="d1").status_code == 409

    report = httpx.get(f"{gate['base']}/runs/{faulty.json()['run_id']}/reports/summary.md",
                       headers=_auth())  # fmt: skip
    assert report.status_code == 200
    assert "NO" in report.text


def _argo_web_provider_result_decides(gate: dict[str, str]) -> None:
    outcomes = {name: _argo(gate, name) for name in ("clean", "faulty", "dead")}
    for name, response in outcomes.items():
        assert response.status_code == 200, (name, response.text)
    result = {name: response.json() for name, response in outcomes.items()}
    # successCondition: result.decision == "GO"; failureCondition: result.decision == "NO_GO"
    assert result["clean"]["decision"] == "GO"
    assert result["faulty"]["decision"] == "NO_GO"
    assert result["dead"]["decision"] == "INCONCLUSIVE"  # neither condition: Argo Inconclusive


def _runs_api_and_guards(gate: dict[str, str]) -> None:
    base = gate["base"]
    # the unreachable target: a verification that ends at once (INCONCLUSIVE)
    body = {"target": gate["dead"], "profile": "smoke", "expected_version": "2.0.0"}
    assert httpx.post(f"{base}/runs", json=body).status_code == 401
    forged = {"name": "a", "namespace": "b", "metadata": {"target": gate["dead"], "token": "x"}}
    assert httpx.post(f"{base}/flagger/rollout", json=forged).status_code == 401
    wrong = httpx.post(f"{base}/runs", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    outside = httpx.post(f"{base}/runs", json={"target": gate["outside"]}, headers=_auth())
    assert outside.status_code == 403
    assert _Counting.hits == 0  # not one request reached a target outside the allow-list
    injected = httpx.post(f"{base}/runs", headers=_auth(),
                          json={**body, "expected_version": "--debug"})  # fmt: skip
    assert injected.status_code == 422

    started = httpx.post(f"{base}/runs", json={**body, "dry_run": True}, headers=_auth())
    assert started.status_code == 202
    location = started.headers["location"]
    deadline = time.monotonic() + DEADLINE_S
    while (run := httpx.get(base + location, headers=_auth()).json())["state"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert run["decision"] == "INCONCLUSIVE"
    assert run["verdict"]["dry_run"] is True
    verdict = httpx.get(f"{base}{location}/reports/verdict.json", headers=_auth())
    assert verdict.json()["run_id"] == run["verdict"]["run_id"]
