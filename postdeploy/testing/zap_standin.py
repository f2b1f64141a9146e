"""A stand-in for ZAP's API — a *test double*, not a scanner.

ZAP (a Java application) cannot be installed on the machine postdeploy is developed on, so
the ZAP stage is tested against this small HTTP server, which answers the calls that
postdeploy's scan makes through the official ``zapv2`` client the way ZAP 2.x does:

* it is reached as an HTTP proxy (``GET http://zap/JSON/core/view/version/``), or directly
  (``GET /JSON/...``), as ZAP is;
* same paths, parameter names and JSON shapes: ``{"version": "2.16.0"}``, ``{"scan": "0"}``,
  ``{"status": "100"}``, ``{"recordsToScan": "0"}``, ``{"Result": "OK"}``,
  ``{"importUrl": []}``, ``{"alerts": [...]}`` with every alert field a string, and ZAP's
  traditional JSON report from ``OTHER/core/other/jsonreport``;
* ZAP's error answers: HTTP 400 ``{"code": "missing_parameter", "message": "Missing
  Parameter", "detail": "url"}`` (and ``no_implementor``, ``bad_view``, ``bad_action``,
  ``does_not_exist``); a wrong or missing API key gets *no answer at all* — the connection
  is closed, as ZAP does by default (zaproxy/zaproxy#8300) — or, with
  ``report_perm_errors``, HTTP 400 ``{"code": "bad_api_key", ...}`` as ZAP does with
  ``-config api.reportpermerrors=true``.

It never sends traffic anywhere: "spidering" records the site and makes the configured
alerts visible. Behaviours for tests: the alerts to report, a spider or active scan that
never finishes, a passive scanner that never drains, slow answers, a required key.

Run it by hand:
``python -m postdeploy.testing.zap_standin --port 8090 --api-key k --alerts a.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

__all__ = ["StandinBehaviour", "ZapStandin", "alert"]

log = logging.getLogger(__name__)

VERSION = "2.16.0"

# ZAP's api.error.* messages for the codes the stand-in answers with.
_MESSAGES = {
    "bad_api_key": "Invalid or missing API key",
    "no_implementor": "No Implementor",
    "bad_view": "Bad View",
    "bad_action": "Bad Action",
    "bad_other": "Bad Other",
    "bad_type": "Bad Type",
    "bad_format": "Bad Format",
    "missing_parameter": "Missing Parameter",
    "does_not_exist": "Does Not Exist",
    "illegal_parameter": "Illegal Parameter",
}

_RISK_CODES = {"Informational": "0", "Low": "1", "Medium": "2", "High": "3"}
_CONFIDENCE_CODES = {"False Positive": "0", "Low": "1", "Medium": "2", "High": "3"}


def alert(
    plugin_id: str,
    name: str,
    *,
    url: str = "/",
    risk: str = "Medium",
    confidence: str = "Medium",
    param: str = "",
    evidence: str = "",
    cwe_id: str = "-1",
    solution: str = "",
    method: str = "GET",
) -> dict[str, str]:
    """An alert as ZAP's ``core/view/alerts`` spells it; a relative ``url`` is resolved
    against the first site ZAP is pointed at."""
    return {
        "sourceid": "3",
        "other": "",
        "method": method,
        "evidence": evidence,
        "pluginId": plugin_id,
        "cweid": cwe_id,
        "confidence": confidence,
        "wascid": "15",
        "description": f"{name} (stand-in alert)",
        "messageId": "1",
        "inputVector": "",
        "url": url,
        "reference": "",
        "solution": solution,
        "alert": name,
        "param": param,
        "attack": "",
        "name": name,
        "risk": risk,
        "alertRef": plugin_id,
    }


@dataclass
class StandinBehaviour:
    """What the stand-in does. Mutable on purpose: a test sets it before the calls."""

    api_key: str | None = None  # None: ZAP's api.disablekey=true
    report_perm_errors: bool = False  # False: a bad key gets no answer (ZAP's default)
    alerts: list[dict[str, str]] = field(default_factory=list)
    spider_polls: int | None = 2  # status polls until 100 %; None: never finishes
    active_polls: int | None = 2
    passive_records: int | None = 3  # records left, one fewer per poll; None: never drains
    delay_s: float = 0.0  # before every answer
    openapi_addon: bool = True


@dataclass
class _Scan:
    url: str
    polls_left: int | None
    percent: int = 0


@dataclass
class _State:
    sites: list[str] = field(default_factory=list)
    spiders: list[_Scan] = field(default_factory=list)
    active: list[_Scan] = field(default_factory=list)
    records_left: int | None = 0
    session: str = "untitled"


class ZapStandin:
    """The server. ``with ZapStandin(behaviour) as zap: zap.url`` → ``http://127.0.0.1:N``."""

    def __init__(self, behaviour: StandinBehaviour | None = None, *, port: int = 0) -> None:
        self.behaviour = behaviour or StandinBehaviour()
        self.calls: list[tuple[str, dict[str, str]]] = []  # (path, params) of good-key calls
        self.state = _State()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ZapStandin:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="zap-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases answers held back by delay_s
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ZapStandin:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def called(self, path: str) -> bool:
        """True when a call to ``path`` (``spider/action/scan``) was accepted."""
        return any(call_path.endswith(f"/{path}/") for call_path, _ in self.calls)

    # --- the API ------------------------------------------------------------------------

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, str]:
        """(status, content type, body) for one API call whose key was accepted."""
        parts = [part for part in path.split("/") if part]
        if len(parts) < 4:
            return _error("bad_type")
        fmt, component, kind, name = parts[0].upper(), parts[1], parts[2], parts[3]
        with self.lock:
            self.calls.append((path, dict(params)))
            handler = _ROUTES.get((component, kind, name))
            if handler is None:
                known = {route[0] for route in _ROUTES}
                if component == "openapi" and not self.behaviour.openapi_addon:
                    return _error("no_implementor")
                if component not in known:
                    return _error("no_implementor")
                return _error({"view": "bad_view", "action": "bad_action"}.get(kind, "bad_other"))
            if fmt == "OTHER" and kind != "other":
                return _error("bad_format", "The format OTHER should not be used with views")
            if component == "openapi" and not self.behaviour.openapi_addon:
                return _error("no_implementor")
            required, function = handler
            for name_ in required:
                if not params.get(name_):
                    return _error("missing_parameter", name_)
            return function(self, params)

    def visible_alerts(self) -> list[dict[str, str]]:
        """The configured alerts, once ZAP has seen a site, with absolute URLs and ids."""
        if not self.state.sites:
            return []
        base = self.state.sites[0]
        result = []
        for number, item in enumerate(self.behaviour.alerts):
            resolved = dict(item)
            resolved["url"] = urljoin(base + "/", item.get("url", "/").lstrip("/"))
            resolved["id"] = str(number)
            result.append(resolved)
        return result

    def _see(self, url: str) -> None:
        site = _site(url)
        if site not in self.state.sites:
            self.state.sites.append(site)
        if self.behaviour.passive_records is None:
            self.state.records_left = None
        elif self.state.records_left is not None:
            self.state.records_left += self.behaviour.passive_records


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json(document: dict[str, Any], status: int = 200) -> tuple[int, str, str]:
    return status, "application/json; charset=UTF-8", json.dumps(document)


def _error(code: str, detail: str | None = None) -> tuple[int, str, str]:
    document: dict[str, str] = {"code": code, "message": _MESSAGES.get(code, code)}
    if detail:
        document["detail"] = detail
    return _json(document, 400)


def _ok() -> tuple[int, str, str]:
    return _json({"Result": "OK"})


# --- handlers: (required parameters, function(standin, params)) ----------------------------


def _version(zap: ZapStandin, _params: dict[str, str]) -> tuple[int, str, str]:
    return _json({"version": VERSION})


def _new_session(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
    zap.state = _State(session=params.get("name") or "untitled")
    return _ok()


def _import_url(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
    url = params["url"]
    if not url.startswith(("http://", "https://")):
        return _error("illegal_parameter", "url")
    zap._see(url)
    return _json({"importUrl": []})


def _start(kind: str) -> Any:
    def start(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
        url = params.get("url", "")
        if not url.startswith(("http://", "https://")):
            return _error("illegal_parameter", "url")
        scans = zap.state.spiders if kind == "spider" else zap.state.active
        polls = zap.behaviour.spider_polls if kind == "spider" else zap.behaviour.active_polls
        scans.append(_Scan(url, polls))
        zap._see(url)
        return _json({"scan": str(len(scans) - 1)})

    return start


def _find(zap: ZapStandin, kind: str, params: dict[str, str]) -> _Scan | None:
    scans = zap.state.spiders if kind == "spider" else zap.state.active
    raw = params.get("scanId", "")
    if raw == "" and scans:
        return scans[-1]
    if not raw.isdigit() or int(raw) >= len(scans):
        return None
    return scans[int(raw)]


def _status(kind: str) -> Any:
    def status(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
        scan = _find(zap, kind, params)
        if scan is None:
            return _error("does_not_exist", "scanId")
        if scan.polls_left is None:
            scan.percent = 42  # stuck, as a spider on an endless site is
        elif scan.percent < 100:
            scan.polls_left -= 1
            scan.percent = 100 if scan.polls_left <= 0 else min(99, scan.percent + 25)
        return _json({"status": str(scan.percent)})

    return status


def _stop(kind: str) -> Any:
    def stop(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
        if _find(zap, kind, params) is None:
            return _error("does_not_exist", "scanId")
        return _ok()

    return stop


def _records_to_scan(zap: ZapStandin, _params: dict[str, str]) -> tuple[int, str, str]:
    left = zap.state.records_left
    if left is None:
        return _json({"recordsToScan": "17"})
    zap.state.records_left = max(0, left - 1)
    return _json({"recordsToScan": str(left)})


def _alerts(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
    base = params.get("baseurl", "")
    items = [item for item in zap.visible_alerts() if item["url"].startswith(base)]
    if params.get("riskId"):
        wanted = params["riskId"]
        items = [item for item in items if _RISK_CODES.get(item["risk"]) == wanted]
    start = int(params["start"]) if params.get("start", "").isdigit() else 0
    count = int(params["count"]) if params.get("count", "").isdigit() else 0
    page = items[start : start + count] if count > 0 else items[start:]
    return _json({"alerts": page})


def _urls(zap: ZapStandin, params: dict[str, str]) -> tuple[int, str, str]:
    urls = list(zap.state.sites) + [item["url"] for item in zap.visible_alerts()]
    base = params.get("baseurl", "")
    return _json({"urls": [url for url in dict.fromkeys(urls) if url.startswith(base)]})


def _json_report(zap: ZapStandin, _params: dict[str, str]) -> tuple[int, str, str]:
    """ZAP's traditional JSON report: sites → alerts (one per rule) → instances."""
    sites = []
    for site in zap.state.sites:
        split = urlsplit(site)
        by_rule: dict[str, dict[str, Any]] = {}
        for item in zap.visible_alerts():
            if not item["url"].startswith(site):
                continue
            entry = by_rule.setdefault(
                item["alertRef"],
                {
                    "pluginid": item["pluginId"],
                    "alertRef": item["alertRef"],
                    "alert": item["name"],
                    "name": item["name"],
                    "riskcode": _RISK_CODES.get(item["risk"], "0"),
                    "confidence": _CONFIDENCE_CODES.get(item["confidence"], "2"),
                    "riskdesc": f"{item['risk']} ({item['confidence']})",
                    "desc": f"<p>{item['description']}</p>",
                    "instances": [],
                    "count": "0",
                    "solution": f"<p>{item['solution']}</p>",
                    "otherinfo": "",
                    "reference": "",
                    "cweid": item["cweid"],
                    "wascid": item["wascid"],
                    "sourceid": item["sourceid"],
                },
            )
            entry["instances"].append(
                {
                    "uri": item["url"],
                    "method": item["method"],
                    "param": item["param"],
                    "attack": item["attack"],
                    "evidence": item["evidence"],
                    "otherinfo": item["other"],
                }
            )
            entry["count"] = str(len(entry["instances"]))
        sites.append(
            {
                "@name": site,
                "@host": split.hostname or "",
                "@port": str(split.port or (443 if split.scheme == "https" else 80)),
                "@ssl": str(split.scheme == "https").lower(),
                "alerts": list(by_rule.values()),
            }
        )
    report = {"@programName": "ZAP", "@version": VERSION, "@generated": "", "site": sites}
    return 200, "application/json; charset=UTF-8", json.dumps(report)


def _html_report(zap: ZapStandin, _params: dict[str, str]) -> tuple[int, str, str]:
    rows = "".join(
        f"<tr><td>{item['risk']}</td><td>{item['name']}</td><td>{item['url']}</td></tr>"
        for item in zap.visible_alerts()
    )
    body = (
        "<!DOCTYPE html><html><head><title>ZAP Scanning Report</title></head><body>"
        f"<h1>ZAP Scanning Report (stand-in {VERSION})</h1><table>{rows}</table></body></html>"
    )
    return 200, "text/html; charset=UTF-8", body


_ROUTES: dict[tuple[str, str, str], tuple[tuple[str, ...], Any]] = {
    ("core", "view", "version"): ((), _version),
    ("core", "view", "alerts"): ((), _alerts),
    ("core", "view", "urls"): ((), _urls),
    ("core", "action", "newSession"): ((), _new_session),
    ("core", "other", "jsonreport"): ((), _json_report),
    ("core", "other", "htmlreport"): ((), _html_report),
    ("openapi", "action", "importUrl"): (("url",), _import_url),
    ("spider", "action", "scan"): ((), _start("spider")),
    ("spider", "view", "status"): ((), _status("spider")),
    ("spider", "action", "stop"): ((), _stop("spider")),
    ("pscan", "view", "recordsToScan"): ((), _records_to_scan),
    ("ascan", "action", "scan"): ((), _start("ascan")),
    ("ascan", "view", "status"): ((), _status("ascan")),
    ("ascan", "action", "stop"): (("scanId",), _stop("ascan")),
}


def _handler_for(zap: ZapStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ZAP-standin"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("zap stand-in: " + format, *args)

        def _handle(self) -> None:
            target = urlsplit(self.path)
            host = target.hostname or (self.headers.get("Host") or "").split(":")[0]
            params = dict(parse_qsl(target.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                params.update(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
            if target.netloc and host != "zap":
                self._send(502, "text/plain", "the ZAP stand-in does not proxy traffic\n")
                return
            behaviour = zap.behaviour
            key = self.headers.get("X-ZAP-API-Key") or params.pop("apikey", None)
            if behaviour.api_key is not None and key != behaviour.api_key:
                if not behaviour.report_perm_errors:
                    self.close_connection = True  # ZAP's default: no answer at all
                    return
                self._send(*_error("bad_api_key"))
                return
            if behaviour.delay_s and zap.stopping.wait(behaviour.delay_s):
                return
            self._send(*zap.answer(target.path, params))

        def _send(self, status: int, content_type: str, body: str) -> None:
            payload = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in until interrupted (for trying the ZAP stage by hand)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--api-key", default=None, help="require this key (default: none)")
    parser.add_argument("--alerts", type=Path, help="JSON list of alerts to report")
    args = parser.parse_args(argv)
    alerts = json.loads(args.alerts.read_text(encoding="utf-8")) if args.alerts else []
    server = ZapStandin(StandinBehaviour(api_key=args.api_key, alerts=alerts), port=args.port)
    server.start()
    print(f"ZAP stand-in (a test double, not a scanner) on {server.url}", flush=True)  # noqa: T201
    try:
        server.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
