"""The official ZAP client (``zapv2``), with a deadline on every call and clear errors.

``zapv2`` sends each call as ``GET http://zap/JSON/<component>/<view|action>/<name>/``
through the ZAP address as an HTTP proxy, the key in the ``X-ZAP-API-Key`` header. It sets
no timeout, so a hung ZAP would hang the run: every call here runs in a daemon thread and is
abandoned after ``call_timeout_s`` (the thread dies with the process; the stage reports
ERROR, the gate INCONCLUSIVE). Every way ZAP can fail becomes one :class:`ScannerError`
sentence that says what to fix:

* refused / unresolvable address → "ZAP is not reachable at …";
* a wrong or missing API key → ZAP *closes the connection without an answer* by default
  (zaproxy/zaproxy#8300), or answers HTTP 400 ``{"code": "bad_api_key", …}`` when
  ``api.reportpermerrors`` is on; both are named as a key problem;
* any other ZAP error answer (``{"code": …, "message": …}``, HTTP 400/500) → its code and
  message;
* an answer that is not ZAP's JSON → "is this ZAP's API?";
* an answer that never ends or is huge → bounded like every body postdeploy reads
  (:mod:`postdeploy.target.bounded`: 64 MiB, 3 x the call's timeout), so an abandoned
  call's thread stops reading too.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from postdeploy.config import Secret
from postdeploy.errors import ScannerError
from postdeploy.target.bounded import MAX_RESPONSE_BYTES, bounded_requests_session

__all__ = ["ZapClient", "ZapRefused", "import_zapv2"]

T = TypeVar("T")

_STATUS_ERROR = re.compile(r"status code returned from ZAP.*?:\s*(?P<status>\d{3})\s*response:\s*")


class ZapRefused(ScannerError):
    """ZAP answered with its error document: ``code`` is ZAP's (``bad_api_key``, …)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def import_zapv2() -> Any:
    """``zapv2``, or a one-line error naming the extra that installs it."""
    try:
        import zapv2  # heavy-ish (requests) and optional: only the ZAP stage needs it
    except ImportError:
        raise ScannerError(
            "the ZAP scan needs the zaproxy client: pip install -e '.[security]'"
        ) from None
    return zapv2


class ZapClient:
    """A ZAP API session with deadlines. ``url`` is ZAP's address (its proxy port)."""

    def __init__(
        self,
        url: str,
        api_key: Secret | None,
        *,
        call_timeout_s: float,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.url = url
        self.call_timeout_s = call_timeout_s
        self._zap = _bounded_zapv2(
            import_zapv2(), url, api_key.reveal() if api_key is not None else None,
            timeout_s=call_timeout_s, max_bytes=max_bytes,
        )  # fmt: skip

    # --- the calls the scan makes -------------------------------------------------------

    def version(self) -> str:
        return str(self.call("core/view/version", lambda: self._zap.core.version))

    def new_session(self, name: str) -> None:
        self.call(
            "core/action/newSession",
            lambda: self._zap.core.new_session(name=name, overwrite="true"),
        )

    def import_openapi(self, url: str) -> list[str]:
        """Import the target's OpenAPI document; ZAP's warnings (unreachable operations…)."""
        warnings = self.call("openapi/action/importUrl", lambda: self._zap.openapi.import_url(url))
        return [str(item) for item in warnings] if isinstance(warnings, list) else []

    def spider(self, url: str, *, max_children: int) -> str:
        return str(
            self.call(
                "spider/action/scan",
                lambda: self._zap.spider.scan(
                    url=url, maxchildren=max_children, recurse="true", subtreeonly="true"
                ),
            )
        )

    def spider_status(self, scan_id: str) -> int:
        return self._percent("spider/view/status", lambda: self._zap.spider.status(scan_id))

    def spider_stop(self, scan_id: str) -> None:
        self.call("spider/action/stop", lambda: self._zap.spider.stop(scan_id))

    def records_to_scan(self) -> int:
        return self._percent("pscan/view/recordsToScan", lambda: self._zap.pscan.records_to_scan)

    def active_scan(self, url: str) -> str:
        return str(
            self.call(
                "ascan/action/scan",
                lambda: self._zap.ascan.scan(url=url, recurse="true", inscopeonly="false"),
            )
        )

    def active_scan_status(self, scan_id: str) -> int:
        return self._percent("ascan/view/status", lambda: self._zap.ascan.status(scan_id))

    def active_scan_stop(self, scan_id: str) -> None:
        self.call("ascan/action/stop", lambda: self._zap.ascan.stop(scan_id))

    def alerts(self, baseurl: str, *, start: int, count: int) -> list[dict[str, Any]]:
        page = self.call(
            "core/view/alerts",
            lambda: self._zap.core.alerts(baseurl=baseurl, start=start, count=count),
        )
        if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
            raise ScannerError(
                f"ZAP at {self.url} answered core/view/alerts with {str(page)[:120]!r}, "
                f"not a list of alerts"
            )
        return page

    def json_report(self) -> str:
        return str(self.call("core/other/jsonreport", self._zap.core.jsonreport))

    def html_report(self) -> str:
        return str(self.call("core/other/htmlreport", self._zap.core.htmlreport))

    # --- deadline and error translation -------------------------------------------------

    def call(self, what: str, request: Callable[[], T]) -> T:
        """Run one API call under the deadline; translate whatever goes wrong."""
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                outcome["value"] = request()
            except Exception as exc:  # noqa: BLE001 - handed to the caller, translated below
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name=f"zap {what}", daemon=True).start()
        if not done.wait(self.call_timeout_s):
            raise ScannerError(
                f"ZAP at {self.url} did not answer {what} within {self.call_timeout_s:g} s"
            )
        if "error" in outcome:
            raise self._translate(what, outcome["error"]) from outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def _percent(self, what: str, request: Callable[[], Any]) -> int:
        value = self.call(what, request)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ScannerError(
                f"ZAP at {self.url} answered {what} with {str(value)[:80]!r}, not a number"
            ) from None

    def _translate(self, what: str, error: Exception) -> ScannerError:
        import requests  # zapv2's own transport; present whenever zapv2 is

        where = f"ZAP at {self.url}"
        if isinstance(error, requests.exceptions.ConnectionError):
            text = str(error)
            if "RemoteDisconnected" in text or "without response" in text:
                return ScannerError(
                    f"{where} closed the connection without answering {what}: ZAP does this "
                    f"for a wrong or missing API key (set POSTDEPLOY_ZAP_API_KEY to ZAP's "
                    f"api.key) unless api.reportpermerrors is on"
                )
            return ScannerError(f"{where} is not reachable: {_unreachable(text)}")
        if isinstance(error, ValueError):  # not JSON (requests' JSONDecodeError is one too)
            return ScannerError(
                f"{where} answered {what} with something that is not ZAP's JSON API "
                f"(is POSTDEPLOY_ZAP_URL the address of ZAP's proxy/API port?)"
            )
        if isinstance(error, requests.exceptions.RequestException):
            return ScannerError(f"{where}: {what} failed: {_short(str(error))}")
        match = _STATUS_ERROR.search(str(error))
        if match:  # zapv2 raises a bare Exception for HTTP >= 300
            return _zap_error(where, what, match["status"], str(error)[match.end() :])
        return ScannerError(f"{where}: {what} failed: {_short(str(error))}")


def _bounded_zapv2(
    zapv2: Any, url: str, api_key: str | None, *, timeout_s: float, max_bytes: int
) -> Any:
    """``zapv2.ZAPv2`` whose API calls read their answer through a bounded session.

    zapv2 opens a plain ``requests.Session`` per call inside ``_request_api``, with nothing
    to mount an adapter on; this override is that method with the bounded session instead:
    the same URL guard (the key goes to ``http://zap/`` only), header, proxies and
    status-code errors (their wording is what :data:`_STATUS_ERROR` reads)."""
    proxies = {"http": url, "https": url}

    class BoundedZAPv2(zapv2.ZAPv2):  # type: ignore[misc,name-defined]
        def _request_api(
            self, api_url: str, query: Any = None, method: str = "GET", body: Any = None
        ) -> Any:
            if not api_url.startswith("http://zap/"):
                raise ValueError("A non ZAP API url was specified " + api_url)
            with bounded_requests_session(timeout_s=timeout_s, max_bytes=max_bytes) as session:
                if api_key is not None:
                    session.headers["X-ZAP-API-Key"] = api_key
                response = session.request(
                    method, api_url, params=query, data=body, proxies=proxies, verify=False
                )
            if 300 <= response.status_code < 500:
                raise Exception(  # zapv2's own error, worded as _translate reads it
                    "Non-successful status code returned from ZAP, which indicates a bad "
                    f"request: {response.status_code}response: {response.text}"
                )
            if response.status_code >= 500:
                raise Exception(  # as above
                    "Non-successful status code returned from ZAP, which indicates a ZAP "
                    f"internal error: {response.status_code}response: {response.text}"
                )
            return response

    # validate_status_code: zapv2 raises on error answers instead of returning a value
    return BoundedZAPv2(proxies=proxies, apikey=api_key, validate_status_code=True)


def _zap_error(where: str, what: str, status: str, body: str) -> ScannerError:
    """ZAP's error document (``{"code": "bad_api_key", "message": …}``) as one sentence."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or "code" not in document:
        return ScannerError(f"{where} answered {what} with HTTP {status}: {_short(body)}")
    code = str(document["code"])
    message = str(document.get("message", ""))
    detail = f" ({document['detail']})" if document.get("detail") else ""
    if code == "bad_api_key":
        text = (
            f"{where} refused the API key on {what} (bad_api_key): set "
            f"POSTDEPLOY_ZAP_API_KEY to ZAP's api.key"
        )
    elif code == "no_implementor":
        text = f"{where} has no {what.split('/')[0]} add-on installed ({message}{detail})"
    else:
        text = f"{where} refused {what}: {message or code}{detail} ({code}, HTTP {status})"
    return ZapRefused(text, code)


def _unreachable(text: str) -> str:
    """The cause in a few words, not urllib3's nested repr."""
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused (is ZAP running, and is this its API/proxy port?)"
    if "resolve" in lowered or "name or service not known" in lowered:
        return "its host name does not resolve"
    if "timed out" in lowered:
        return "the connection timed out"
    return _short(text)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
