"""The watch's parts as plain values: for: semantics, blind, state on disk, payloads, summary."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from postdeploy.config import GatePolicy
from postdeploy.findings import RollbackTrigger
from postdeploy.gate import Decision, evaluate
from postdeploy.monitoring.query import Observation, RuleState
from postdeploy.monitoring.rules import COMPRESSED, load_rules
from postdeploy.watch.alerts import BLIND, AlertStatus, AlertTracker
from postdeploy.watch.notify import Message, Notifier, alertmanager_payload, slack_payload
from postdeploy.watch.state import EventKind, WatchPlan, WatchState
from postdeploy.watch.summary import alert_spans, summarise

RULES = load_rules(COMPRESSED)
ERR = "PostdeployHighErrorRatio"  # for: 4 s


def _obs(state: RuleState, rule: str = ERR) -> list[Observation]:
    return [Observation(rule, state, 0.2, "0.2")]


def test_a_breach_fires_only_after_its_for_window_and_resolves_when_clear() -> None:
    tracker = AlertTracker(RULES)
    assert tracker.observe(_obs(RuleState.BREACH), 100.0) == []  # pending
    assert tracker.observe(_obs(RuleState.BREACH), 102.0) == []  # 2 s < for: 4 s
    fired = tracker.observe(_obs(RuleState.BREACH), 104.0)
    assert [(c.alert, c.status) for c in fired] == [(ERR, AlertStatus.FIRING)]
    assert fired[0].trigger is RollbackTrigger.CRITICAL_ERROR
    assert tracker.observe(_obs(RuleState.BREACH), 106.0) == []  # once, not every tick
    resolved = tracker.observe(_obs(RuleState.CLEAR), 108.0)
    assert [(c.alert, c.status) for c in resolved] == [(ERR, AlertStatus.RESOLVED)]


def test_a_single_spike_does_not_fire() -> None:
    tracker = AlertTracker(RULES)
    tracker.observe(_obs(RuleState.BREACH), 100.0)
    tracker.observe(_obs(RuleState.CLEAR), 102.0)
    assert tracker.observe(_obs(RuleState.BREACH), 104.0) == []


def test_nodata_neither_fires_nor_resolves() -> None:
    tracker = AlertTracker(RULES)
    tracker.observe(_obs(RuleState.BREACH), 100.0)
    tracker.observe(_obs(RuleState.BREACH), 105.0)
    assert ERR in tracker.firing
    assert tracker.observe(_obs(RuleState.NODATA), 110.0) == []
    assert ERR in tracker.firing


def test_blind_fires_at_once_and_resolves_at_the_next_answer() -> None:
    tracker = AlertTracker(RULES)
    assert [c.alert for c in tracker.blind(100.0, "connection refused")] == [BLIND]
    assert tracker.blind(105.0, "connection refused") == []
    changes = tracker.observe(_obs(RuleState.CLEAR), 110.0)
    assert [(c.alert, c.status) for c in changes] == [(BLIND, AlertStatus.RESOLVED)]


def _plan(**overrides: object) -> WatchPlan:
    values: dict[str, object] = {
        "run_id": "r1", "started_at": 1000.0, "duration_s": 60.0, "interval_s": 5.0,
        "smoke_every_s": 30.0, "status_every_s": 1800.0, "deploy_at": 1012.0,
        "scale": "compressed", "target_url": "(embedded)", "embedded": True,
        "steady_for_s": 20.0,
    }  # fmt: skip
    values.update(overrides)
    return WatchPlan(**values)  # type: ignore[arg-type]


def test_state_resumes_its_timeline_and_survives_a_torn_last_line(tmp_path: Path) -> None:
    state, resumed = WatchState.open(tmp_path, _plan())
    assert not resumed
    state.append(EventKind.STARTED, 1000.0)
    state.append(EventKind.EVALUATION, 1005.0, states={ERR: "clear"})
    with (tmp_path / "timeline.jsonl").open("a") as handle:
        handle.write('{"kind": "evalua')  # killed mid-write
    again, resumed = WatchState.open(tmp_path, _plan(started_at=2000.0))
    assert resumed
    assert again.plan.started_at == 1000.0, "the stored plan wins over a new one"
    assert [e["kind"] for e in again.events] == ["started", "evaluation"]


def _events(*extra: dict) -> list[dict]:
    evaluation = {"kind": "evaluation", "states": {r.name: "clear" for r in RULES}, "values": {}}
    base = [{"kind": "started", "at": 1000.0}]
    base += [{**evaluation, "at": 1000.0 + 5 * i} for i in range(1, 12)]
    base += [{"kind": "smoke", "at": 1001.0, "status": "passed", "reason": ""}]
    return base + list(extra)


def _results(tmp_path: Path, events: list[dict], steady_for_s: float = 20.0, **kwargs: object):
    state, _ = WatchState.open(tmp_path, _plan(steady_for_s=steady_for_s))
    state.events = sorted(events, key=lambda e: e["at"])
    return summarise(state, RULES, ended_at=1060.0, **kwargs)  # type: ignore[arg-type]


def _decide(tmp_path: Path, events: list[dict], **kwargs: object) -> Decision:
    results = _results(tmp_path, events, **kwargs)
    return evaluate(results, expected=["monitoring", "smoke"], policy=GatePolicy()).decision


def test_summary_clean_window_is_go(tmp_path: Path) -> None:
    assert _decide(tmp_path, _events()) is Decision.GO


def _alert(at: float, status: str = "firing", name: str = ERR, severity: str = "critical"):
    return {"kind": "alert", "at": at, "alert": name, "status": status,
            "trigger": "critical_error", "severity": severity, "summary": "5xx"}  # fmt: skip


def _monitoring(results):
    return next(r for r in results if r.name == "monitoring")


def test_steady_an_alert_still_firing_at_the_end_decides_no_go(tmp_path: Path) -> None:
    results = _results(tmp_path, _events(_alert(1050.0)))
    assert _decide(tmp_path, _events(_alert(1050.0))) is Decision.NO_GO
    assert _monitoring(results).reason.startswith(f"decided by {ERR}: fired ")
    assert "still firing at the end" in _monitoring(results).reason


def test_steady_an_alert_that_recovered_inside_the_steady_span_is_no_go(tmp_path: Path) -> None:
    events = _events(_alert(1030.0), _alert(1045.0, "resolved"))  # 15 s before the end < 20 s
    assert _decide(tmp_path, events) is Decision.NO_GO
    reason = _monitoring(_results(tmp_path, events)).reason
    assert f"decided by {ERR}" in reason
    assert "inside the 20 s that must be steady" in reason


def test_steady_an_alert_that_recovered_before_the_steady_span_is_go_with_its_span(
    tmp_path: Path,
) -> None:
    events = _events(_alert(1010.0), _alert(1022.0, "resolved"))  # 38 s steady after
    assert _decide(tmp_path, events) is Decision.GO
    monitoring = _monitoring(_results(tmp_path, events))
    (finding,) = monitoring.findings
    assert finding.severity.value == "info", "reported, not blocking"
    assert "fired 00:16:50Z-00:17:02Z (12 s), recovered" in finding.title
    assert monitoring.reason.startswith("steady: every rollback trigger quiet since 00:17:02Z")


@pytest.mark.parametrize("trigger", ["data_loss", "security_vulnerability"])
def test_steady_lost_data_and_open_holes_do_not_heal(tmp_path: Path, trigger: str) -> None:
    """Steadiness forgives a rate that recovered, not media lost or a hole that was open."""
    fired = {**_alert(1010.0), "trigger": trigger}
    events = _events(fired, {**fired, "at": 1022.0, "status": "resolved"})
    assert _decide(tmp_path, events) is Decision.NO_GO
    assert f"decided by {ERR}" in _monitoring(_results(tmp_path, events)).reason


def test_steady_a_watch_shorter_than_the_steady_span_is_inconclusive(tmp_path: Path) -> None:
    assert _decide(tmp_path, _events(), steady_for_s=600.0) is Decision.INCONCLUSIVE
    reason = _monitoring(_results(tmp_path, _events(), steady_for_s=600.0)).reason
    assert reason.startswith("not steady long enough")
    assert "of the 10m needed" in reason


def test_steady_a_ticket_never_blocks(tmp_path: Path) -> None:
    ticket = _alert(1050.0, name="PostdeploySloApiAvailabilityTicket", severity="medium")
    assert _decide(tmp_path, _events(ticket)) is Decision.GO


def test_alert_spans_pair_firing_with_resolved() -> None:
    spans = alert_spans([_alert(10.0), _alert(15.0, "resolved"), _alert(30.0)])
    assert [(s.fired_at, s.resolved_at) for s in spans] == [(10.0, 15.0), (30.0, None)]


def test_summary_a_blind_span_is_inconclusive_not_go(tmp_path: Path) -> None:
    blind = {"kind": "evaluation", "at": 1031.0, "blind": True, "why": "refused"}
    assert _decide(tmp_path, _events(blind)) is Decision.INCONCLUSIVE


def test_summary_a_gap_while_the_watch_was_down_is_inconclusive(tmp_path: Path) -> None:
    gap = {"kind": "gap", "at": 1050.0, "from": 1020.0}
    assert _decide(tmp_path, _events(gap)) is Decision.INCONCLUSIVE


def test_summary_ctrl_c_before_the_end_is_inconclusive(tmp_path: Path) -> None:
    assert _decide(tmp_path, _events(), ended_early="ended early by Ctrl-C") is (
        Decision.INCONCLUSIVE
    )


def test_payloads_have_the_shapes_receivers_expect() -> None:
    tracker = AlertTracker(RULES)
    tracker.observe(_obs(RuleState.BREACH), 100.0)
    change = tracker.observe(_obs(RuleState.BREACH), 105.0)[0]
    message = Message(title="t", text="x", alerts=(change,))
    body = alertmanager_payload(message, run_id="r1")
    assert body["version"] == "4"
    assert body["status"] == "firing"
    alert = body["alerts"][0]
    assert alert["labels"]["alertname"] == ERR
    assert alert["labels"]["rollback_trigger"] == "critical_error"
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert set(alert) >= {"status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"}
    slack = slack_payload(message)
    assert ERR in slack["text"]
    assert slack["blocks"][0]["type"] == "section"


class _Flaky(BaseHTTPRequestHandler):
    calls: ClassVar[list[dict]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(body)
        status = 503 if len(type(self).calls) <= type(self).fail_first else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():
    _Flaky.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Flaky
    server.shutdown()
    server.server_close()


def test_a_failed_notification_is_retried(receiver) -> None:
    url, handler = receiver
    handler.fail_first = 2
    notifier = Notifier(run_id="r1", slack_urls=[url], retries=3, backoff_s=0.0)
    notifier.send(Message(title="hello", text="x", kind="status"))
    notifier.close()
    assert len(handler.calls) == 3
    assert notifier.sent == 1


def test_an_unreachable_receiver_is_logged_never_raised(receiver) -> None:
    failures: list[tuple[str, str]] = []
    notifier = Notifier(
        run_id="r1", alertmanager_urls=["http://127.0.0.1:1/nowhere"], retries=2,
        backoff_s=0.0, on_failure=lambda where, why: failures.append((where, why)),
    )  # fmt: skip
    notifier.send(Message(title="hello", text="x", kind="status"))
    notifier.close()
    assert notifier.failed == 1
    assert failures
    assert "nowhere" not in failures[0][0], "webhook paths (secrets) are not logged"
