"""``postdeploy watch`` end to end: the embedded default with its own Prometheus.

A compressed watch (seconds) of the clean service: GO, a timeline on disk with every
evaluation and smoke rerun, the chart in report.html, the summary sent to a webhook.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from postdeploy.target.prometheus import find_prometheus

REPO = Path(__file__).resolve().parents[2]


def test_rules_command_prints_the_shipped_file(run_cli) -> None:
    result = run_cli("rules")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (REPO / "monitoring" / "postdeploy-alerts.yml").read_text()


def test_bad_duration_is_one_line_and_inconclusive(run_cli, tmp_path: Path) -> None:
    result = run_cli("watch", "--duration", "soon", "--report-dir", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert "not a duration" in result.stderr
    assert "Traceback" not in result.stderr


class _Hook(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        type(self).bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(find_prometheus() is None, reason="prometheus not installed")
def test_a_clean_compressed_watch_is_go_with_timeline_chart_and_summary(
    run_cli, tmp_path: Path
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/am"
    reports = tmp_path / "r"
    try:
        result = run_cli(
            "watch", "--duration", "30s", "--interval", "3s", "--smoke-every", "20s",
            "--status-every", "15s", "--steady-for", "10s",
            "--run-id", "w1", "--report-dir", str(reports), "--alertmanager-url", hook,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = (reports / "w1/watch/timeline.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "started"
    assert kinds[-1] == "ended"
    assert kinds.count("evaluation") >= 5
    assert "smoke" in kinds
    # No rollback trigger fired. An SLO ticket (medium) may: on a machine busy with the
    # rest of the suite, answers over 1 s spend some latency budget — reported, not blocking.
    alerts = [e for e in events if e["kind"] == "alert" and e["severity"] in ("critical", "high")]
    assert not alerts, alerts
    evaluations = [e for e in events if e["kind"] == "evaluation"]
    assert evaluations[-1]["states"]["PostdeploySloApiAvailabilityPageFast"] == "clear"
    assert any(e.get("budgets", {}).get("api-availability") == 1.0 for e in evaluations)
    status = next(e for e in events if e["kind"] == "status")
    assert "error budget left: api-availability 100.0%" in status["text"]
    verdict = json.loads((reports / "w1/verdict.json").read_text())
    assert verdict["decision"] == "GO"
    assert verdict["profile"] == "watch"
    monitoring = next(s for s in verdict["stages"] if s["name"] == "monitoring")
    assert monitoring["reason"].startswith("steady: every rollback trigger quiet since")
    assert len(monitoring["charts"]["timeline"]) == kinds.count("evaluation")
    assert {p["slo"] for p in monitoring["charts"]["slo"]} == {"api-availability", "api-latency"}
    html = (reports / "w1/report.html").read_text()
    assert "Watch timeline" in html
    assert "SLO burn rate and error budget" in html
    summaries = [
        b for b in _Hook.bodies if b["alerts"][0]["labels"]["alertname"] == "PostdeployWatchSummary"
    ]
    assert len(summaries) == 1
    assert "GO" in summaries[0]["alerts"][0]["annotations"]["summary"]
