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
  evaluation), healthy or naming the trigger that fired;
* ``slo``: the watch, one :class:`SloPoint` per SLO and evaluation: the error budget's burn
  rate and what is left of it, drawn on the timeline's time axis.
* ``sequential``: the load stage judged in rounds (issue 23), one :class:`SequentialTrack`
  per critical endpoint: the slowdown's estimate and confidence bounds after each round,
  and when the endpoint was decided.

Plain frozen values with ``to_dict``/``from_dict``: they cross the pytest subprocess
boundary as JSON and appear in ``verdict.json`` under ``stages[].charts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "LATENCY_CLASSES", "Charts", "EndpointLatency", "RoundPoint", "SequentialTrack", "SloPoint",
    "TimelinePoint",
]  # fmt: skip


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
class SloPoint:
    """One SLO at one evaluation: how fast its budget burns, and how much is left.

    ``burn_rate``: over the fast page's long window (1 h, compressed 5 m; 1 = exactly on
    budget); ``page_burn_rate``: where that pair pages (14.4 for a 30 d period);
    ``budget_left_pct``: the period's budget left, when it was read at that evaluation.
    """

    at: datetime
    slo: str
    burn_rate: float | None = None
    budget_left_pct: float | None = None
    page_burn_rate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="seconds"),
            "slo": self.slo,
            "burn_rate": self.burn_rate,
            "budget_left_pct": self.budget_left_pct,
            "page_burn_rate": self.page_burn_rate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SloPoint:
        def number(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(value)

        return cls(
            at=datetime.fromisoformat(data["at"]),
            slo=data["slo"],
            burn_rate=number("burn_rate"),
            budget_left_pct=number("budget_left_pct"),
            page_burn_rate=number("page_burn_rate"),
        )


@dataclass(frozen=True, slots=True)
class RoundPoint:
    """After one round: seconds into the load, the slowdown's estimate (candidate /
    baseline, 1.0 = unchanged) and its confidence bounds."""

    at_s: float
    estimate: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "at_s": round(self.at_s, 2),
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundPoint:
        return cls(
            float(data["at_s"]), float(data["estimate"]), float(data["lower"]),
            float(data["upper"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SequentialTrack:
    """One endpoint's path through the rounds. ``tolerance``: the ratio it had to stay
    under; ``decision``: "within tolerance", "worse", "faster" or "undecided"."""

    endpoint: str
    tolerance: float
    points: tuple[RoundPoint, ...]
    decided_at_s: float | None = None
    decision: str = "undecided"

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "tolerance": self.tolerance,
            "points": [point.to_dict() for point in self.points],
            "decided_at_s": self.decided_at_s,
            "decision": self.decision,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SequentialTrack:
        decided = data.get("decided_at_s")
        return cls(
            endpoint=data["endpoint"],
            tolerance=float(data["tolerance"]),
            points=tuple(RoundPoint.from_dict(item) for item in data.get("points", [])),
            decided_at_s=None if decided is None else float(decided),
            decision=data.get("decision", "undecided"),
        )


@dataclass(frozen=True, slots=True)
class Charts:
    """Chartable measurements of one stage; empty by default (nothing is drawn)."""

    latency: tuple[EndpointLatency, ...] = ()
    timeline: tuple[TimelinePoint, ...] = ()
    timeline_unit: str = ""
    slo: tuple[SloPoint, ...] = ()
    sequential: tuple[SequentialTrack, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.latency or self.timeline or self.slo or self.sequential)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "latency": [item.to_dict() for item in self.latency],
            "timeline": [item.to_dict() for item in self.timeline],
            "timeline_unit": self.timeline_unit,
            "slo": [item.to_dict() for item in self.slo],
        }
        if self.sequential:
            out["sequential"] = [item.to_dict() for item in self.sequential]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Charts:
        data = data or {}
        return cls(
            latency=tuple(EndpointLatency.from_dict(item) for item in data.get("latency", [])),
            timeline=tuple(TimelinePoint.from_dict(item) for item in data.get("timeline", [])),
            timeline_unit=data.get("timeline_unit", ""),
            slo=tuple(SloPoint.from_dict(item) for item in data.get("slo", [])),
            sequential=tuple(
                SequentialTrack.from_dict(item) for item in data.get("sequential", [])
            ),
        )
