"""Measurements a stage hands to the reports for pictures: the data behind the charts.

Why a separate, typed place instead of more keys in ``StageResult.metrics`` (flat numbers):
a chart needs structure — which endpoint, baseline *and* current, which point in time — and
the report must never invent it. A stage that measured something fills :class:`Charts`;
the reports draw a chart only for the series that are present, so a run without a load
stage or a watch simply has no latency or timeline chart.

Who fills what (see ``docs/reports.md``):

* ``latency``: the load stage, one :class:`EndpointLatency` per endpoint, the same statistic
  (e.g. p95) for the baseline of the last good release and for this run;
* ``timeline``: the watch, one :class:`TimelinePoint` per evaluation (smoke rerun or rule
  evaluation), healthy or naming the trigger that fired.

Plain frozen values with ``to_dict``/``from_dict``: they cross the pytest subprocess
boundary as JSON and appear in ``verdict.json`` under ``stages[].charts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["LATENCY_CLASSES", "Charts", "EndpointLatency", "TimelinePoint"]


#: How the judge classified an endpoint — what the chart colours by (issue 21 §4).
LATENCY_CLASSES = ("regression", "within tolerance", "faster", "no data")


@dataclass(frozen=True, slots=True)
class EndpointLatency:
    """One endpoint's latency statistic now and in the baseline (``None``: no baseline).

    ``classification``: the judge's word for the endpoint (one of :data:`LATENCY_CLASSES`,
    ``None`` when no judge ran) — a bar is red only when the judge says "regression", not
    whenever it is longer. ``tolerance``: the ratio of this statistic the judge tolerates
    (e.g. 1.2: 20 % slower is still within tolerance), drawn as a mark at baseline times it.
    """

    endpoint: str
    current_ms: float
    baseline_ms: float | None = None
    statistic: str = "p95"
    classification: str | None = None
    tolerance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "statistic": self.statistic,
            "baseline_ms": self.baseline_ms,
            "current_ms": self.current_ms,
            "classification": self.classification,
            "tolerance": self.tolerance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EndpointLatency:
        baseline = data.get("baseline_ms")
        tolerance = data.get("tolerance")
        return cls(
            endpoint=data["endpoint"],
            current_ms=float(data["current_ms"]),
            baseline_ms=None if baseline is None else float(baseline),
            statistic=data.get("statistic", "p95"),
            classification=data.get("classification"),
            tolerance=None if tolerance is None else float(tolerance),
        )


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One evaluation during a watch: when, healthy or not, and an optional figure.

    ``trigger`` is the rollback trigger that fired at that moment (its value, e.g.
    ``"data_loss"``), or ``None`` when everything was healthy. ``value`` is the series'
    figure at that moment (e.g. the error rate in %), when the watch measures one.
    """

    at: datetime
    trigger: str | None = None
    value: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "trigger": self.trigger,
            "value": self.value,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimelinePoint:
        value = data.get("value")
        return cls(
            at=datetime.fromisoformat(data["at"]),
            trigger=data.get("trigger"),
            value=None if value is None else float(value),
            note=data.get("note", ""),
        )


@dataclass(frozen=True, slots=True)
class Charts:
    """Chartable measurements of one stage; empty by default (nothing is drawn)."""

    latency: tuple[EndpointLatency, ...] = ()
    timeline: tuple[TimelinePoint, ...] = ()
    timeline_unit: str = ""

    def __bool__(self) -> bool:
        return bool(self.latency or self.timeline)

    def to_dict(self) -> dict[str, Any]:
        return {
            "latency": [item.to_dict() for item in self.latency],
            "timeline": [item.to_dict() for item in self.timeline],
            "timeline_unit": self.timeline_unit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Charts:
        data = data or {}
        return cls(
            latency=tuple(EndpointLatency.from_dict(item) for item in data.get("latency", [])),
            timeline=tuple(TimelinePoint.from_dict(item) for item in data.get("timeline", [])),
            timeline_unit=data.get("timeline_unit", ""),
        )
