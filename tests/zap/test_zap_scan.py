"""The ZAP scan through the real ``zapv2`` client, against the ZAP stand-in.

ZAP itself cannot be installed here (see the README); the stand-in answers the calls the
client makes with ZAP's paths, JSON shapes and error answers. These tests cover the scan's
happy path and every way ZAP can fail: unreachable, a wrong key (both of ZAP's ways of
saying so), slow answers, a spider that never finishes, a passive scanner that never
drains, a missing add-on, and a proxy that is not ZAP at all.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import httpx
import pytest

from postdeploy.config import Secret, ZapSettings
from postdeploy.errors import ScannerError
from postdeploy.testing.zap_standin import StandinBehaviour, ZapStandin, alert
from postdeploy.zap.client import ZapClient
from postdeploy.zap.scan import ALERT_PAGE, run_scan

KEY = "test-zap-key"
TARGET = "http://127.0.0.1:8765"
FAST = ZapSettings(poll_interval_s=0.001, timeout_s=60.0)


@pytest.fixture
def standin() -> Iterator[ZapStandin]:
    with ZapStandin(StandinBehaviour(api_key=KEY)) as zap:
        yield zap


def client(zap: ZapStandin, key: str | None = KEY, timeout: float = 10.0) -> ZapClient:
    return ZapClient(zap.url, Secret(key) if key else None, call_timeout_s=timeout)


def ticking_clock(step: float = 1.0) -> Callable[[], float]:
    """A clock that advances ``step`` seconds per reading: deadlines without waiting."""
    counter = itertools.count()
    return lambda: next(counter) * step


def test_scan_imports_openapi_spiders_drains_and_collects_alerts(standin: ZapStandin) -> None:
    standin.behaviour.alerts = [
        alert("10038", "CSP Header Not Set", url="/", cwe_id="693"),
        alert("10021", "X-Content-Type-Options Header Missing", url="/api/v2/media"),
    ]
    outcome = run_scan(client(standin), TARGET, FAST, run_id="run-1")
    assert [a.plugin_id for a in outcome.alerts] == ["10038", "10021"]
    assert outcome.alerts[1].url == TARGET + "/api/v2/media"
    assert outcome.alerts[0].cwe_id == "693"
    assert outcome.zap_version == "2.16.0"
    for path in (
        "core/view/version",
        "core/action/newSession",
        "openapi/action/importUrl",
        "spider/action/scan",
        "spider/view/status",
        "pscan/view/recordsToScan",
        "core/view/alerts",
        "core/other/jsonreport",
        "core/other/htmlreport",
    ):
        assert standin.called(path), path
    assert not standin.called("ascan/action/scan"), "the active scan ran without the flag"
    imported = [params for path, params in standin.calls if path.endswith("/importUrl/")]
    assert imported == [{"url": TARGET + "/openapi.json"}]
    spidered = [params for path, params in standin.calls if path.endswith("/spider/action/scan/")]
    assert spidered[0]["maxChildren"] == str(FAST.max_children)
    assert '"@programName": "ZAP"' in outcome.json_report
    assert "<html>" in outcome.html_report


def test_alerts_are_filtered_to_the_target_and_paged(standin: ZapStandin) -> None:
    standin.behaviour.alerts = [alert("10038", "CSP", url=f"/p{n}") for n in range(ALERT_PAGE + 3)]
    outcome = run_scan(client(standin), TARGET, FAST, run_id="r")
    assert len(outcome.alerts) == ALERT_PAGE + 3
    pages = [params for path, params in standin.calls if path.endswith("/core/view/alerts/")]
    assert [page["start"] for page in pages] == ["0", str(ALERT_PAGE)]
    assert all(page["baseurl"] == TARGET for page in pages)


def test_active_scan_runs_only_behind_the_flag(standin: ZapStandin) -> None:
    settings = ZapSettings(poll_interval_s=0.001, active_scan=True)
    outcome = run_scan(client(standin), TARGET, settings, run_id="r")
    assert standin.called("ascan/action/scan")
    assert standin.called("ascan/view/status")
    assert outcome.active_scan


def test_without_the_openapi_addon_the_spider_still_scans(standin: ZapStandin) -> None:
    standin.behaviour.openapi_addon = False
    standin.behaviour.alerts = [alert("10020", "Missing Anti-clickjacking Header")]
    outcome = run_scan(client(standin), TARGET, FAST, run_id="r")
    assert [a.plugin_id for a in outcome.alerts] == ["10020"]
    assert any("OpenAPI import skipped" in note and "no openapi add-on" in note
               for note in outcome.notes)  # fmt: skip


def test_wrong_key_gets_no_answer_by_default_and_is_named(standin: ZapStandin) -> None:
    with pytest.raises(ScannerError, match=r"closed the connection.*API key"):
        run_scan(client(standin, key="wrong"), TARGET, FAST, run_id="r")
    assert standin.calls == []


def test_missing_key_is_named_too(standin: ZapStandin) -> None:
    with pytest.raises(ScannerError, match="POSTDEPLOY_ZAP_API_KEY"):
        client(standin, key=None).version()


def test_wrong_key_with_reported_permission_errors(standin: ZapStandin) -> None:
    standin.behaviour.report_perm_errors = True
    with pytest.raises(ScannerError, match=r"refused the API key.*\(bad_api_key\)"):
        client(standin, key="wrong").version()


def test_slow_answers_hit_the_call_deadline(standin: ZapStandin) -> None:
    standin.behaviour.delay_s = 30.0  # released when the stand-in stops
    with pytest.raises(ScannerError, match=r"did not answer core/view/version within 0\.2 s"):
        run_scan(client(standin, timeout=0.2), TARGET, FAST, run_id="r")


def test_a_spider_that_never_finishes_is_stopped_at_the_deadline(standin: ZapStandin) -> None:
    standin.behaviour.spider_polls = None
    settings = ZapSettings(poll_interval_s=0.001, timeout_s=5.0)
    with pytest.raises(ScannerError, match=r"spider did not finish within 5 s \(at 42 %\)"):
        run_scan(client(standin), TARGET, settings, run_id="r", clock=ticking_clock())
    assert standin.called("spider/action/stop")
    assert not standin.called("core/view/alerts"), "alerts of an unfinished scan were used"


def test_an_active_scan_that_never_finishes_is_stopped(standin: ZapStandin) -> None:
    standin.behaviour.active_polls = None
    settings = ZapSettings(poll_interval_s=0.001, timeout_s=20.0, active_scan=True)
    with pytest.raises(ScannerError, match="active scan did not finish"):
        run_scan(client(standin), TARGET, settings, run_id="r", clock=ticking_clock())
    assert standin.called("ascan/action/stop")


def test_a_passive_scanner_that_never_drains_is_an_error(standin: ZapStandin) -> None:
    standin.behaviour.passive_records = None
    settings = ZapSettings(poll_interval_s=0.001, timeout_s=5.0)
    with pytest.raises(ScannerError, match="still had 17 records to scan"):
        run_scan(client(standin), TARGET, settings, run_id="r", clock=ticking_clock())


def test_unreachable_zap(unused_port: int) -> None:
    zap = ZapClient(f"http://127.0.0.1:{unused_port}", Secret(KEY), call_timeout_s=10)
    with pytest.raises(ScannerError, match="is not reachable: connection refused"):
        zap.version()


def test_a_proxy_that_is_not_zap() -> None:
    class NotZap(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html>a corporate proxy</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), NotZap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        zap = ZapClient(f"http://127.0.0.1:{server.server_port}", None, call_timeout_s=10)
        with pytest.raises(ScannerError, match="not ZAP's JSON API"):
            zap.version()
    finally:
        server.shutdown()
        server.server_close()


# --- the stand-in's own answers, as ZAP gives them ----------------------------------------


def test_standin_answers_zap_error_documents(standin: ZapStandin) -> None:
    with httpx.Client(proxy=standin.url, headers={"X-ZAP-API-Key": KEY}) as http:
        missing = http.get("http://zap/JSON/openapi/action/importUrl/")
        unknown = http.get("http://zap/JSON/nosuch/view/thing/")
        bad_view = http.get("http://zap/JSON/core/view/nosuch/")
        no_scan = http.get("http://zap/JSON/spider/view/status/", params={"scanId": "9"})
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "missing_parameter",
        "message": "Missing Parameter",
        "detail": "url",
    }
    assert unknown.json()["code"] == "no_implementor"
    assert bad_view.json()["code"] == "bad_view"
    assert no_scan.json()["code"] == "does_not_exist"


def test_standin_accepts_the_key_as_parameter_too(standin: ZapStandin) -> None:
    with httpx.Client() as http:
        direct = http.get(standin.url + "/JSON/core/view/version/", params={"apikey": KEY})
    assert direct.json() == {"version": "2.16.0"}


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_answer_that_never_ends_is_cut_at_the_size_bound() -> None:
    """A ZAP (or something on its port) that streams forever: the call ends with one
    sentence at the size bound, instead of a thread filling memory after its deadline."""

    class Endless(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b"[" + b'"x",' * 16384
            with contextlib.suppress(OSError):
                while True:
                    self.wfile.write(chunk)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        zap = ZapClient(
            f"http://127.0.0.1:{server.server_port}", None, call_timeout_s=20,
            max_bytes=1024 * 1024,
        )  # fmt: skip
        with pytest.raises(ScannerError, match="larger than 1 MiB"):
            zap.version()
    finally:
        server.shutdown()
        server.server_close()
