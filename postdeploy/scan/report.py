"""Wapiti's JSON report (``-f json``) → :class:`WapitiAlert` values.

The report has three sections of findings by name — ``vulnerabilities``, ``anomalies``,
``additionals`` — each a list of instances (``method``, ``path``, ``parameter``, ``info``,
``level`` 0-4, ``module``, ``http_request``: the attacking request as sent), and
``classifications``: per name, a description, a solution and references (CWE among them).
The payload is not a field of its own: it is the attacked parameter's value in the request,
which :func:`payload_of` reads back out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from postdeploy.errors import ScannerError

__all__ = ["LEVELS", "SECTIONS", "WapitiAlert", "WapitiReport", "parse_report", "payload_of"]

SECTIONS = ("vulnerabilities", "anomalies", "additionals")
#: Wapiti's levels (wapitiCore.language.vulnerability), as its HTML report names them.
LEVELS = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
_CWE = re.compile(r"\bCWE-(\d+)\b")


@dataclass(frozen=True, slots=True)
class WapitiAlert:
    """One instance of a finding: a name Wapiti found at one request (and parameter)."""

    name: str
    section: str
    module: str
    level: int
    method: str
    url: str
    parameter: str = ""
    info: str = ""
    request: str = ""
    payload: str = ""
    cwe_id: str = ""
    solution: str = ""

    @property
    def risk(self) -> str:
        return LEVELS.get(self.level, str(self.level))

    def describe(self, limit: int = 300) -> str:
        """The instance as evidence lines: the attacked request, the parameter, the payload."""
        lines = [f"{self.method or 'GET'} {self.url}"]
        if self.parameter:
            lines.append(f"  parameter: {self.parameter}")
        if self.payload:
            lines.append(f"  payload: {self.payload[:limit]}")
        if self.info:
            lines.append(f"  wapiti: {' '.join(self.info.split())[:limit]}")
        if self.request:
            first = self.request.splitlines()[0] if self.request.splitlines() else ""
            lines.append(f"  request: {first[:limit]}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class WapitiReport:
    version: str
    target: str
    crawled: int
    alerts: tuple[WapitiAlert, ...]


def payload_of(request: str, parameter: str) -> str:
    """The value ``parameter`` had in the raw request (query string or form body)."""
    if not request or not parameter:
        return ""
    head, _, body = request.partition("\n\n")
    first = head.splitlines()[0] if head else ""
    parts = first.split(" ")
    target = parts[1] if len(parts) > 1 else ""
    pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    pairs += parse_qsl(body.strip(), keep_blank_values=True) if "=" in body else []
    for name, value in pairs:
        if name == parameter:
            return value
    return ""


def _cwe(classification: Mapping[str, Any]) -> str:
    for title in classification.get("ref") or {}:
        match = _CWE.search(str(title))
        if match:
            return match[1]
    return ""


def _text(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key, "")
    return "" if value is None else str(value)


def parse_report(text: str) -> WapitiReport:
    """Parse the report; :class:`ScannerError` when it is not Wapiti's JSON."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ScannerError(f"Wapiti's report is not JSON: {exc}") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(section, {}), dict) for section in SECTIONS
    ):
        raise ScannerError("Wapiti's report has none of its sections: is this Wapiti's JSON?")
    infos = document.get("infos") or {}
    target = str(infos.get("target") or "")
    classifications = document.get("classifications") or {}
    alerts = []
    for section in SECTIONS:
        for name, entries in (document.get(section) or {}).items():
            about = classifications.get(name) or {}
            for entry in entries or []:
                if not isinstance(entry, dict):
                    continue
                request = _text(entry, "http_request")
                parameter = _text(entry, "parameter")
                alerts.append(
                    WapitiAlert(
                        name=str(name),
                        section=section,
                        module=_text(entry, "module"),
                        level=int(entry.get("level") or 0),
                        method=_text(entry, "method"),
                        url=urljoin(target, _text(entry, "path")),
                        parameter=parameter,
                        info=_text(entry, "info"),
                        request=request,
                        payload=payload_of(request, parameter),
                        cwe_id=_cwe(about),
                        solution=str(about.get("sol") or ""),
                    )
                )
    return WapitiReport(
        version=str(infos.get("version") or ""),
        target=target,
        crawled=int(infos.get("crawled_pages_nbr") or 0),
        alerts=tuple(alerts),
    )
