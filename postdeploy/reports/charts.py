"""Geometry of the report's inline SVG charts: numbers in, coordinates out.

Pure functions so the maths is tested without a browser, and the template only places
elements at the coordinates computed here — no markup is built in Python. Every chart
works in a fixed ``viewBox`` and scales to the page width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from postdeploy.findings import Finding, RollbackTrigger
from postdeploy.measurements import EndpointLatency, SequentialTrack, SloPoint, TimelinePoint
from postdeploy.reports.wording import TRIGGER_NAME

__all__ = [
    "BarRow",
    "LatencyChart",
    "SequentialChart",
    "SloChart",
    "TimelineChart",
    "findings_by_trigger",
    "latency_chart",
    "nice_ceiling",
    "sequential_chart",
    "slo_chart",
    "timeline_chart",
]

WIDTH = 640.0
LABEL_W = 170.0  # left column for row labels
PLOT_W = WIDTH - LABEL_W - 60.0  # room on the right for the value text


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value``: axis ends people can read."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _tick_steps(axis_max: float) -> int:
    """How many intervals make round tick labels: 2 → 0.5 steps (4), 1/2.5/5 → 5 steps."""
    mantissa = axis_max / 10 ** math.floor(math.log10(axis_max))
    return 4 if round(mantissa, 6) == 2.0 else 5


@dataclass(frozen=True, slots=True)
class BarRow:
    """One horizontal bar: label, value, its length in viewBox units, its y position."""

    label: str
    value: float
    width: float
    y: float
    css: str = ""


def findings_by_trigger(findings: Sequence[Finding]) -> list[BarRow]:
    """Bars of how many findings each rollback trigger has (only triggers with findings)."""
    counts: dict[RollbackTrigger, int] = {}
    for finding in findings:
        counts[finding.trigger] = counts.get(finding.trigger, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].value))
    return [
        BarRow(TRIGGER_NAME[trigger], count, PLOT_W * count / top, 8 + 30 * index, trigger.value)
        for index, (trigger, count) in enumerate(ordered)
    ]


@dataclass(frozen=True, slots=True)
class LatencyGroup:
    """One endpoint: its name on a line of its own (never cut to fit a column), the
    baseline and current bars below it, the tolerance mark, and the judge's word."""

    endpoint: str
    label: str  # the name as drawn: whole, unless longer than a line can hold
    y: float
    baseline: BarRow | None
    current: BarRow
    worse_by_pct: float | None
    classification: str | None
    tolerance_x: float | None  # where baseline times tolerance lies on the axis


@dataclass(frozen=True, slots=True)
class LatencyChart:
    statistic: str
    axis_max: float
    ticks: tuple[tuple[float, float], ...]  # (value, x)
    groups: tuple[LatencyGroup, ...]
    height: float
    tolerance: float | None  # the ratio the judge tolerates, when all rows share one
    classes: tuple[str, ...]  # the classifications present, for the legend


BAR_LEFT = 10.0  # bars start at the left edge: the names are above them, not beside them
BAR_W = WIDTH - BAR_LEFT - 190.0  # room on the right for the value and the judge's word
LABEL_CHARS = 90  # a name longer than this (hostile or absurd) is shortened, with "…"
_GROUP_H = 58.0
# The judge's word → the bar's CSS class; no classification (no judge): by comparison only.
LATENCY_CSS = {
    "regression": "worse",
    "within tolerance": "same",
    "faster": "faster",
    "no data": "nodata",
}


def latency_chart(rows: Sequence[EndpointLatency]) -> LatencyChart | None:
    """Baseline vs current per endpoint as paired bars; ``None`` without data.

    Coloured by the judge's classification, not by "longer": +6 % of noise within
    tolerance is blue, a regression red, faster green. The tolerance mark is at baseline times
    the tolerated ratio, so a reader sees how much room an endpoint had.
    """
    if not rows:
        return None
    peak = max(max(row.current_ms, row.baseline_ms or 0.0) for row in rows)
    axis_max = nice_ceiling(peak)
    scale = BAR_W / axis_max
    groups = []
    for index, row in enumerate(rows):
        y = 18 + _GROUP_H * index
        baseline = (
            BarRow("baseline", row.baseline_ms, row.baseline_ms * scale, y + 6, "baseline")
            if row.baseline_ms is not None
            else None
        )
        if row.classification is not None:
            current_css = LATENCY_CSS.get(row.classification, "same")
        else:
            slower = row.baseline_ms is not None and row.current_ms > row.baseline_ms
            current_css = "worse" if slower else "same"
        current = BarRow("current", row.current_ms, row.current_ms * scale, y + 22, current_css)
        worse = (
            100.0 * (row.current_ms - row.baseline_ms) / row.baseline_ms
            if row.baseline_ms
            else None
        )
        tolerance_x = (
            BAR_LEFT + row.baseline_ms * row.tolerance * scale
            if row.baseline_ms is not None and row.tolerance is not None
            else None
        )
        if tolerance_x is not None and tolerance_x > BAR_LEFT + BAR_W:
            tolerance_x = None  # beyond the axis: the caption still gives the ratio
        label = (
            row.endpoint
            if len(row.endpoint) <= LABEL_CHARS
            else row.endpoint[: LABEL_CHARS - 1] + "…"
        )
        groups.append(
            LatencyGroup(
                row.endpoint, label, y, baseline, current, worse, row.classification, tolerance_x
            )
        )
    steps = _tick_steps(axis_max)
    ticks = tuple((axis_max * i / steps, BAR_LEFT + BAR_W * i / steps) for i in range(steps + 1))
    tolerances = {row.tolerance for row in rows if row.tolerance is not None}
    present = [c for c in LATENCY_CSS if any(row.classification == c for row in rows)]
    return LatencyChart(
        statistic=rows[0].statistic,
        axis_max=axis_max,
        ticks=ticks,
        groups=tuple(groups),
        height=18 + _GROUP_H * len(rows) + 22,
        tolerance=next(iter(tolerances)) if len(tolerances) == 1 else None,
        classes=tuple(present),
    )


@dataclass(frozen=True, slots=True)
class TimelineMark:
    x: float
    y: float
    at: datetime
    trigger: str | None
    value: float | None
    note: str


@dataclass(frozen=True, slots=True)
class TimelineChart:
    unit: str
    marks: tuple[TimelineMark, ...]
    line: str  # "x,y x,y …" for a polyline, "" when no point has a value
    axis_max: float | None
    time_ticks: tuple[tuple[float, str], ...]
    fired: int
    height: float = 170.0


_T_LEFT, _T_RIGHT, _T_TOP, _T_BOTTOM = 50.0, WIDTH - 20.0, 15.0, 130.0


def timeline_chart(points: Sequence[TimelinePoint], unit: str = "") -> TimelineChart | None:
    """The watch as a time axis: a line for the figure, red marks where a trigger fired."""
    if not points:
        return None
    ordered = sorted(points, key=lambda point: point.at)
    start, end = ordered[0].at, ordered[-1].at
    span = (end - start).total_seconds() or 1.0
    values = [point.value for point in ordered if point.value is not None]
    axis_max = nice_ceiling(max(values)) if values else None

    def x_of(at: datetime) -> float:
        return _T_LEFT + (_T_RIGHT - _T_LEFT) * (at - start).total_seconds() / span

    def y_of(value: float | None) -> float:
        if value is None or axis_max is None:
            return _T_BOTTOM - 10
        return _T_BOTTOM - (_T_BOTTOM - _T_TOP) * value / axis_max

    marks = tuple(
        TimelineMark(x_of(p.at), y_of(p.value), p.at, p.trigger, p.value, p.note) for p in ordered
    )
    line = " ".join(f"{mark.x:.1f},{mark.y:.1f}" for mark in marks if mark.value is not None)
    ticks = tuple(
        (x_of(start) + (_T_RIGHT - _T_LEFT) * i / 4, _time_label(span * i / 4)) for i in range(5)
    )
    return TimelineChart(
        unit=unit,
        marks=marks,
        line=line,
        axis_max=axis_max,
        time_ticks=ticks,
        fired=sum(1 for mark in marks if mark.trigger),
    )


def _time_label(offset_s: float) -> str:
    hours, rest = divmod(round(offset_s), 3600)
    return f"+{hours}h{rest // 60:02d}" if hours else f"+{rest // 60}m{rest % 60:02d}"


@dataclass(frozen=True, slots=True)
class SloSeries:
    """One SLO's two lines: burn rate (top panel) and budget left (bottom panel)."""

    slo: str
    css: str
    burn_line: str  # "x,y …" or ""
    budget_line: str
    last_burn: float | None
    last_budget_pct: float | None
    page_burn_rate: float | None


@dataclass(frozen=True, slots=True)
class SloChart:
    series: tuple[SloSeries, ...]
    burn_max: float
    page_lines: tuple[tuple[float, float], ...]  # (burn rate, y) of each page threshold
    budget_min: float
    budget_max: float
    budget_zero_y: float
    time_ticks: tuple[tuple[float, str], ...]
    start: datetime
    height: float = 250.0


_B_TOP, _B_BOTTOM = 15.0, 100.0  # burn-rate panel
_G_TOP, _G_BOTTOM = 130.0, 215.0  # budget panel


def slo_chart(points: Sequence[SloPoint]) -> SloChart | None:
    """The SLOs on the watch's time axis: burn rate above (with the page line), budget below."""
    if not points:
        return None
    ordered = sorted(points, key=lambda point: point.at)
    start, end = ordered[0].at, ordered[-1].at
    span = (end - start).total_seconds() or 1.0
    burns = [p.burn_rate for p in ordered if p.burn_rate is not None]
    pages = sorted({p.page_burn_rate for p in ordered if p.page_burn_rate is not None})
    burn_max = nice_ceiling(max([*burns, *pages, 1.0]))
    budgets = [p.budget_left_pct for p in ordered if p.budget_left_pct is not None]
    budget_min = min(0.0, -nice_ceiling(-min(budgets))) if budgets and min(budgets) < 0 else 0.0
    budget_max = 100.0

    def x_of(at: datetime) -> float:
        return _T_LEFT + (_T_RIGHT - _T_LEFT) * (at - start).total_seconds() / span

    def burn_y(value: float) -> float:
        return _B_BOTTOM - (_B_BOTTOM - _B_TOP) * min(value, burn_max) / burn_max

    def budget_y(value: float) -> float:
        share = (value - budget_min) / (budget_max - budget_min)
        return _G_BOTTOM - (_G_BOTTOM - _G_TOP) * min(max(share, 0.0), 1.0)

    series = []
    for index, slo in enumerate(dict.fromkeys(p.slo for p in ordered)):
        mine = [p for p in ordered if p.slo == slo]
        burn = [(x_of(p.at), burn_y(p.burn_rate)) for p in mine if p.burn_rate is not None]
        left = [
            (x_of(p.at), budget_y(p.budget_left_pct)) for p in mine if p.budget_left_pct is not None
        ]
        series.append(
            SloSeries(
                slo=slo,
                css=f"slo-{index % 4}",
                burn_line=" ".join(f"{x:.1f},{y:.1f}" for x, y in burn),
                budget_line=" ".join(f"{x:.1f},{y:.1f}" for x, y in left),
                last_burn=next(
                    (p.burn_rate for p in reversed(mine) if p.burn_rate is not None), None
                ),
                last_budget_pct=next(
                    (p.budget_left_pct for p in reversed(mine) if p.budget_left_pct is not None),
                    None,
                ),
                page_burn_rate=mine[0].page_burn_rate,
            )
        )
    ticks = tuple(
        (x_of(start) + (_T_RIGHT - _T_LEFT) * i / 4, _time_label(span * i / 4)) for i in range(5)
    )
    return SloChart(
        series=tuple(series),
        burn_max=burn_max,
        page_lines=tuple((rate, burn_y(rate)) for rate in pages),
        budget_min=budget_min,
        budget_max=budget_max,
        budget_zero_y=budget_y(0.0),
        time_ticks=ticks,
        start=start,
    )


# --- the load stage's rounds (issue 23) ----------------------------------------------------

_S_LEFT, _S_RIGHT = 60.0, WIDTH - 20.0
_S_PANEL_H, _S_GAP = 90.0, 34.0


@dataclass(frozen=True, slots=True)
class SequentialPanel:
    """One endpoint: the confidence band and the estimate over time, on a log scale."""

    endpoint: str
    top: float
    band: str  # polygon points "x,y …"
    line: str  # polyline points
    one_y: float  # "unchanged" (x1.0)
    tolerance_y: float
    tolerance: float
    decided_x: float | None
    decision: str
    last_estimate: float
    last_lower: float
    last_upper: float
    y_ticks: tuple[tuple[float, str], ...]


@dataclass(frozen=True, slots=True)
class SequentialChart:
    panels: tuple[SequentialPanel, ...]
    time_ticks: tuple[tuple[float, str], ...]
    height: float


def sequential_chart(tracks: Sequence[SequentialTrack]) -> SequentialChart | None:
    """Small multiples: per endpoint, how the slowdown's estimate and confidence bounds
    narrowed round by round, the tolerance it had to stay under, and when it was decided.
    Ratios on a log scale (x0.5 and x2 equally far from x1); ``None`` without data."""
    tracks = [track for track in tracks if track.points]
    if not tracks:
        return None
    end = max(point.at_s for track in tracks for point in track.points) or 1.0
    lows = [point.lower for track in tracks for point in track.points]
    highs = [point.upper for track in tracks for point in track.points]
    low = max(0.25, min(0.8, *lows))
    high = min(4.0, max(1.3, max(track.tolerance for track in tracks) * 1.1, *highs))
    span = math.log(high) - math.log(low)

    def x_of(at_s: float) -> float:
        return _S_LEFT + (_S_RIGHT - _S_LEFT) * at_s / end

    panels = []
    for index, track in enumerate(tracks):
        top = 24.0 + index * (_S_PANEL_H + _S_GAP)

        def y_of(ratio: float, top: float = top) -> float:
            clamped = min(high, max(low, ratio))
            return top + _S_PANEL_H * (math.log(high) - math.log(clamped)) / span

        upper = [f"{x_of(p.at_s):.1f},{y_of(p.upper):.1f}" for p in track.points]
        lower = [f"{x_of(p.at_s):.1f},{y_of(p.lower):.1f}" for p in reversed(track.points)]
        ticks = tuple(
            (y_of(value), f"x{value:g}")
            for value in (0.5, 1.0, 1.5, 2.0, 3.0)
            if low <= value <= high
        )
        last = track.points[-1]
        panels.append(
            SequentialPanel(
                endpoint=track.endpoint,
                top=top,
                band=" ".join(upper + lower),
                line=" ".join(f"{x_of(p.at_s):.1f},{y_of(p.estimate):.1f}" for p in track.points),
                one_y=y_of(1.0),
                tolerance_y=y_of(track.tolerance),
                tolerance=track.tolerance,
                decided_x=None if track.decided_at_s is None else x_of(track.decided_at_s),
                decision=track.decision,
                last_estimate=last.estimate,
                last_lower=last.lower,
                last_upper=last.upper,
                y_ticks=ticks,
            )
        )
    steps = 4
    time_ticks = tuple(
        (x_of(end * i / steps), f"{end * i / steps:.0f} s") for i in range(steps + 1)
    )
    height = 24.0 + len(tracks) * (_S_PANEL_H + _S_GAP) + 4.0
    return SequentialChart(tuple(panels), time_ticks, height)
