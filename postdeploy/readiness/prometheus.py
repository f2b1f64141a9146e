"""The Prometheus the watch will use: up, scraping the target, and with the rules loaded;
and, through its node exporter, the machine's headroom (disk, memory, CPU).

Plain instant queries over the HTTP API (``/api/v1/query``, ``/api/v1/rules``): a
preflight asks a handful of questions once, so httpx is enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from postdeploy.config import ReadinessSettings
from postdeploy.readiness.model import CheckState, ReadinessCheck

__all__ = ["PrometheusApi", "monitoring_checks", "resource_checks"]

RULES_FIX = (
    "postdeploy rules -o /etc/prometheus/rules/postdeploy.yml, list that file under "
    "rule_files in prometheus.yml and reload Prometheus (POST /-/reload or SIGHUP)"
)


class PrometheusError(Exception):
    """Prometheus did not answer, or answered an error."""


@dataclass(frozen=True, slots=True)
class PrometheusApi:
    url: str
    timeout_s: float = 5.0

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        try:
            response = httpx.get(f"{self.url}{path}", params=params, timeout=self.timeout_s)
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PrometheusError(f"{self.url}{path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200 or document.get("status") != "success":
            raise PrometheusError(
                f"{self.url}{path} answered HTTP {response.status_code}: "
                f"{document.get('error', '')}".strip()
            )
        return document.get("data")

    def query(self, expr: str) -> list[float]:
        """The values of an instant vector (NaN dropped)."""
        data = self._get("/api/v1/query", {"query": expr}) or {}
        values = []
        for item in data.get("result") or []:
            value = float((item.get("value") or [0, "NaN"])[1])
            if value == value:  # not NaN
                values.append(value)
        return values

    def rule_names(self) -> set[str]:
        data = self._get("/api/v1/rules", {"type": "alert"}) or {}
        return {
            str(rule.get("name"))
            for group in data.get("groups") or []
            for rule in group.get("rules") or []
        }


def monitoring_checks(
    prometheus_url: str | None, *, target_selector: str, expected_rules: Iterable[str]
) -> list[ReadinessCheck]:
    """Up; scraping the target (``up{<selector>} == 1``); the rollback-trigger rules loaded."""
    if not prometheus_url:
        return [
            ReadinessCheck(
                "monitoring:prometheus", "the watch's Prometheus is up", CheckState.FAILED,
                "no Prometheus configured: the 24-hour watch would be blind",
                "set POSTDEPLOY_PROMETHEUS_URL (or [target] prometheus_url)",
            )
        ]  # fmt: skip
    api = PrometheusApi(prometheus_url)
    try:
        api.query("vector(1)")
    except PrometheusError as exc:
        return [ReadinessCheck("monitoring:prometheus", "the watch's Prometheus is up",
                               CheckState.FAILED, str(exc),
                               "start it, or point POSTDEPLOY_PROMETHEUS_URL at it")]  # fmt: skip
    checks = [ReadinessCheck("monitoring:prometheus", "the watch's Prometheus is up",
                             CheckState.PASSED, f"{prometheus_url} answers queries")]  # fmt: skip
    checks.append(_scrape_check(api, target_selector))
    checks.append(_rules_check(api, set(expected_rules)))
    return checks


def _scrape_check(api: PrometheusApi, selector: str) -> ReadinessCheck:
    title = "Prometheus scrapes the target"
    try:
        up = api.query(f"up{{{selector}}}")
    except PrometheusError as exc:
        return ReadinessCheck("monitoring:scrape", title, CheckState.ERROR, str(exc))
    if not up:
        return ReadinessCheck(
            "monitoring:scrape", title, CheckState.FAILED,
            f"no scrape target matches up{{{selector}}}",
            "add the service's /metrics to Prometheus' scrape_configs (or set "
            "[preflight] target_selector to the labels it has)",
        )  # fmt: skip
    if max(up) < 1:
        return ReadinessCheck("monitoring:scrape", title, CheckState.FAILED,
                              f"up{{{selector}}} is 0: the last scrape failed",
                              "see Prometheus' /targets page for the scrape error")  # fmt: skip
    return ReadinessCheck("monitoring:scrape", title, CheckState.PASSED,
                          f"up{{{selector}}} = 1 ({len(up)} target(s))")  # fmt: skip


def _rules_check(api: PrometheusApi, expected: set[str]) -> ReadinessCheck:
    title = "the rollback-trigger rules are loaded"
    try:
        loaded = api.rule_names()
    except PrometheusError as exc:
        return ReadinessCheck("monitoring:rules", title, CheckState.ERROR, str(exc))
    missing = sorted(expected - loaded)
    if missing:
        return ReadinessCheck(
            "monitoring:rules", title, CheckState.FAILED,
            f"{len(missing)} of {len(expected)} rules not loaded: {', '.join(missing)}",
            RULES_FIX,
        )  # fmt: skip
    return ReadinessCheck("monitoring:rules", title, CheckState.PASSED,
                          f"all {len(expected)} rollback-trigger rules loaded")  # fmt: skip


#: (check id, what, PromQL of the *worst* ratio of headroom, settings field)
_RESOURCES = (
    ("resources:disk", "free disk",
     "min(node_filesystem_avail_bytes{{{node},fstype!~\"tmpfs|ramfs|squashfs|overlay\"}}"
     " / node_filesystem_size_bytes{{{node},fstype!~\"tmpfs|ramfs|squashfs|overlay\"}})",
     "min_disk_free_ratio"),
    ("resources:memory", "available memory",
     "min(node_memory_MemAvailable_bytes{{{node}}} / node_memory_MemTotal_bytes{{{node}}})",
     "min_memory_available_ratio"),
    ("resources:cpu", "idle CPU",
     "min(avg by (instance) (rate(node_cpu_seconds_total{{{node},mode=\"idle\"}}[1m])))",
     "min_cpu_idle_ratio"),
)  # fmt: skip


def resource_checks(
    prometheus_url: str | None, settings: ReadinessSettings
) -> list[ReadinessCheck]:
    """Disk, memory and CPU headroom from the node exporter, each against its threshold."""
    checks = []
    for check_id, what, template, field in _RESOURCES:
        minimum = float(getattr(settings, field))
        title = f"{what} at least {minimum:.0%}"
        if not prometheus_url:
            checks.append(ReadinessCheck(check_id, title, CheckState.ERROR,
                                         "no Prometheus to read the node exporter from",
                                         "set POSTDEPLOY_PROMETHEUS_URL"))  # fmt: skip
            continue
        expr = template.format(node=settings.node_selector)
        try:
            values = PrometheusApi(prometheus_url).query(expr)
        except PrometheusError as exc:
            checks.append(ReadinessCheck(check_id, title, CheckState.ERROR, str(exc)))
            continue
        if not values:
            checks.append(
                ReadinessCheck(
                    check_id, title, CheckState.ERROR,
                    f"no node exporter data ({settings.node_selector}): {expr}",
                    "scrape a node exporter on the service's hosts (or set "
                    "[preflight] node_selector)",
                )
            )  # fmt: skip
            continue
        worst = min(values)
        state = CheckState.PASSED if worst >= minimum else CheckState.FAILED
        checks.append(
            ReadinessCheck(
                check_id, title, state,
                f"{what}: {worst:.1%} (threshold {minimum:.0%})",
                "" if state is CheckState.PASSED else
                f"free {what} before the deploy, or lower [preflight] {field} on purpose",
                {"ratio": round(worst, 4), "threshold": minimum},
            )
        )  # fmt: skip
    return checks
