"""Evaluate the rules against a Prometheus: one instant, every rule, nothing decided yet.

Each rule gets one :class:`Observation`: BREACH (its expression returned samples), CLEAR,
NODATA (its ``postdeploy_data`` expression returned nothing: the rule *could not* be judged,
which is never "fine") or ERROR (Prometheus did not answer). ``for:`` durations and alerts
belong to the watch's tracker; the verify stage reads one evaluation over whole windows.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postdeploy.errors import MonitoringError
from postdeploy.monitoring.rules import Rule
from postdeploy.target.bounded import bounded_requests_adapter, bounded_requests_session

__all__ = ["Observation", "PromClient", "RuleState", "Sample", "evaluate_rules"]

log = logging.getLogger(__name__)


class RuleState(StrEnum):
    CLEAR = "clear"
    BREACH = "breach"
    NODATA = "nodata"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class Observation:
    """One rule at one instant; ``value`` is its figure (``postdeploy_value``) if any."""

    rule: str
    state: RuleState
    value: float | None = None
    detail: str = ""


class PromClient:
    """Instant PromQL queries through prometheus-api-client; every failure → MonitoringError."""

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        try:
            from prometheus_api_client import PrometheusConnect
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise MonitoringError(
                "monitoring needs the [monitoring] extra: pip install -e '.[monitoring]'"
            ) from None
        self.url = url.rstrip("/")
        self._timeout_s = timeout_s
        # No retries inside the client: a dead Prometheus must be seen at once ("blind"),
        # and every body is bounded in time and size (postdeploy.target.bounded, issue 16).
        session = bounded_requests_session(timeout_s=timeout_s)
        self._prom = PrometheusConnect(
            url=self.url, disable_ssl=True, timeout=timeout_s, session=session
        )
        # the client mounts a retrying adapter of its own on its URL: ours goes over it
        session.mount(self.url, bounded_requests_adapter(timeout_s=timeout_s))

    def query(self, expr: str, *, at: float | None = None) -> list[Sample]:
        """Samples of ``expr`` at ``at`` (unix seconds; now if None)."""
        params: dict[str, Any] = {} if at is None else {"time": f"{at:.3f}"}
        try:
            result = self._prom.custom_query(expr, params=params, timeout=self._timeout_s)
        except Exception as exc:  # requests' errors and the client's own, re-raised as one
            raise MonitoringError(f"Prometheus at {self.url}: {_one_line(exc)}") from exc
        return [_sample(item) for item in result or []]

    def ready(self) -> bool:
        try:
            self.query("vector(1)")
        except MonitoringError:
            return False
        return True


def _sample(item: dict[str, Any]) -> Sample:
    raw = item.get("value") or [0, "NaN"]
    return Sample(dict(item.get("metric") or {}), float(raw[1]))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def evaluate_rules(
    client: PromClient, rules: Sequence[Rule], *, at: float | None = None, held: bool = False
) -> list[Observation]:
    """Observe every rule once. Raises MonitoringError when Prometheus cannot be reached.

    ``held=True`` (one-shot judgements, with no tracker to apply ``for:``): a breach counts
    only if the expression also held ``for_s`` and ``for_s / 2`` seconds before ``at``.
    """
    client.query("vector(1)", at=at)  # one cheap probe: unreachable → blind, not N errors
    return [_observe(client, rule, at, held=held) for rule in rules]


def _observe(client: PromClient, rule: Rule, at: float | None, *, held: bool) -> Observation:
    try:
        data = client.query(rule.data_expr, at=at)
        value = _first_finite(client.query(rule.value_expr, at=at)) if data else None
        if not data:
            return Observation(rule.name, RuleState.NODATA, None, "no samples: " + rule.data_expr)
        breach = [s for s in client.query(rule.expr, at=at) if not math.isnan(s.value)]
        if breach and held:
            now = time.time() if at is None else at
            for earlier in (now - rule.for_s, now - rule.for_s / 2):
                if not client.query(rule.expr, at=earlier):
                    breach = []
                    break
    except MonitoringError as exc:
        return Observation(rule.name, RuleState.ERROR, None, str(exc))
    if breach:
        worst = breach[0]
        where = ", ".join(
            f"{k}={v}" for k, v in worst.labels.items() if k not in ("job", "instance")
        )
        detail = f"{worst.value:.4g}" + (f" ({where})" if where else "")
        return Observation(rule.name, RuleState.BREACH, value, detail)
    return Observation(rule.name, RuleState.CLEAR, value)


def _first_finite(samples: Sequence[Sample]) -> float | None:
    for sample in samples:
        if math.isfinite(sample.value):
            return sample.value
    return None
