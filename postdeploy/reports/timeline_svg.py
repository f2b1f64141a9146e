"""Geometry of the watch timeline chart: points in, coordinates out (no markup here).

The template places elements at these coordinates; everything it prints is autoescaped.
A stop-gap until the reports branch's chart mechanism (which reads the same
``StageResult.charts.timeline``) is merged: then this module and its include go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from postdeploy.measurements import TimelinePoint

__all__ = ["TimelineGeometry", "timeline_geometry"]

WIDTH, HEIGHT = 640.0, 150.0
LEFT, RIGHT, TOP, BOTTOM = 50.0, 630.0, 10.0, 120.0


@dataclass(frozen=True, slots=True)
class Band:
    x: float
    width: float
    kind: str  # "firing" | "blind"
    label: str


@dataclass(frozen=True, slots=True)
class TimelineGeometry:
    line: str
    bands: tuple[Band, ...]
    marks: tuple[tuple[float, float, str], ...]  # x, y, hover text
    y_max: float
    start: str
    end: str
    width: float = WIDTH
    height: float = HEIGHT


def timeline_geometry(points: Sequence[TimelinePoint], unit: str) -> TimelineGeometry | None:
    """Error-rate line, red bands while a trigger fired, grey bands while blind."""
    if len(points) < 2:
        return None
    ordered = sorted(points, key=lambda p: p.at)
    t0, t1 = ordered[0].at, ordered[-1].at
    span = (t1 - t0).total_seconds() or 1.0
    values = [p.value for p in ordered if p.value is not None]
    y_max = max([*values, 1.0])

    def x(point: TimelinePoint) -> float:
        return LEFT + (RIGHT - LEFT) * (point.at - t0).total_seconds() / span

    def y(value: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * value / y_max

    step = (RIGHT - LEFT) / max(1, len(ordered) - 1)
    bands = []
    for point in ordered:
        kind = "blind" if point.note.startswith("blind") else "firing" if point.trigger else ""
        if kind:
            bands.append(
                Band(x(point) - step / 2, step, kind, f"{point.trigger or ''} {point.note}")
            )
    line = " ".join(f"{x(p):.1f},{y(p.value):.1f}" for p in ordered if p.value is not None)
    marks = tuple(
        (x(p), y(p.value or 0.0), f"{p.at:%H:%M:%S} {p.value if p.value is not None else '-'} "
         f"{unit}; {p.note}")
        for p in ordered
    )  # fmt: skip
    return TimelineGeometry(line, tuple(bands), marks, y_max, f"{t0:%H:%M:%S}", f"{t1:%H:%M:%S}")
