"""Chart geometry: readable axes, bars in proportion, firings counted — without a browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from report_samples import fabricated_charts

from postdeploy.findings import Finding, RollbackTrigger, Severity
from postdeploy.measurements import EndpointLatency, SloPoint, TimelinePoint
from postdeploy.reports import charts


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1.0), (0.3, 0.5), (1, 1), (1.2, 2), (2.1, 2.5), (182, 200), (250, 250), (4999, 5000)],
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == pytest.approx(ceiling)


def test_latency_bars_are_in_proportion_and_coloured_by_the_judge() -> None:
    chart = charts.latency_chart(fabricated_charts().latency)
    assert chart is not None
    assert chart.axis_max == 250
    assert [value for value, _ in chart.ticks] == [0, 50, 100, 150, 200, 250]
    slower, within, noise, faster, new = chart.groups
    assert slower.current.css == "worse"
    assert slower.worse_by_pct == pytest.approx(51.67, abs=0.01)
    assert within.current.css == "same"
    # +6 % of noise that the judge called within tolerance is not painted as a regression
    assert noise.worse_by_pct == pytest.approx(6.0)
    assert noise.current.css == "same"
    assert faster.current.css == "faster"
    assert new.baseline is None
    assert new.current.css == "same", "no baseline, no judge: nothing to call slower"
    assert within.baseline is not None
    assert within.baseline.width == pytest.approx(charts.BAR_W)  # 250 of 250
    assert slower.current.width == pytest.approx(charts.BAR_W * 182 / 250)
    assert chart.tolerance == pytest.approx(1.2)
    assert noise.tolerance_x == pytest.approx(charts.BAR_LEFT + charts.BAR_W * 120 / 250)
    assert chart.classes == ("regression", "within tolerance", "faster")


def test_endpoint_names_are_drawn_whole() -> None:
    chart = charts.latency_chart(fabricated_charts().latency)
    assert chart is not None
    assert all(group.label == group.endpoint for group in chart.groups)
    long = charts.latency_chart([EndpointLatency("GET /" + "x" * 200, 10.0, 9.0)])
    assert long is not None
    assert len(long.groups[0].label) == charts.LABEL_CHARS
    assert long.groups[0].label.endswith("…")


def test_without_a_classification_slower_is_red() -> None:
    chart = charts.latency_chart([EndpointLatency("GET /", 12.0, 10.0)])
    assert chart is not None
    assert chart.groups[0].current.css == "worse"
    assert chart.tolerance is None


def test_no_data_no_chart() -> None:
    assert charts.latency_chart(()) is None
    assert charts.timeline_chart(()) is None
    assert charts.findings_by_trigger(()) == []


def test_timeline_places_points_in_time_order_and_counts_firings() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    points = [
        TimelinePoint(start + timedelta(hours=2), "data_loss", 4.0),
        TimelinePoint(start, None, 1.0),
        TimelinePoint(start + timedelta(hours=1), None, None),
    ]
    chart = charts.timeline_chart(points, "% errors")
    assert chart is not None
    assert [mark.at for mark in chart.marks] == sorted(point.at for point in points)
    xs = [mark.x for mark in chart.marks]
    assert xs == sorted(xs)
    assert xs[1] == pytest.approx((xs[0] + xs[2]) / 2)
    assert chart.fired == 1
    assert chart.axis_max == 5
    assert chart.line.count(",") == 2, "the point without a value is not on the line"
    assert chart.time_ticks[-1][1] == "+2h00"


def test_findings_by_trigger_counts_and_orders() -> None:
    def finding(trigger: RollbackTrigger) -> Finding:
        return Finding("smoke", "t", Severity.HIGH, trigger)

    rows = charts.findings_by_trigger(
        [finding(RollbackTrigger.USER_IMPACT)] + [finding(RollbackTrigger.DATA_LOSS)] * 2
    )
    assert [(row.label, row.value) for row in rows] == [("Data loss", 2), ("User impact", 1)]
    assert rows[0].width == pytest.approx(2 * rows[1].width)


def test_latency_without_any_baseline_still_draws() -> None:
    chart = charts.latency_chart([EndpointLatency("GET /", 10.0)])
    assert chart is not None
    assert chart.groups[0].worse_by_pct is None


def test_slo_chart_draws_burn_with_the_page_line_and_the_budget_below() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    points = [
        SloPoint(t0 + timedelta(seconds=10 * i), "api-availability", burn, budget, 14.4)
        for i, (burn, budget) in enumerate([(0.0, 100.0), (20.0, None), (30.0, -50.0)])
    ]
    chart = charts.slo_chart(points)
    assert chart is not None
    assert chart.burn_max == 50.0  # the axis reaches past the worst burn
    ((rate, y),) = chart.page_lines
    assert rate == 14.4
    assert 15.0 < y < 100.0
    (series,) = chart.series
    assert len(series.burn_line.split()) == 3
    assert len(series.budget_line.split()) == 2, "no point where the budget was not read"
    assert chart.budget_min == -50.0, "an overspent budget goes below zero, visibly"
    assert series.last_budget_pct == -50.0
    assert charts.slo_chart([]) is None
