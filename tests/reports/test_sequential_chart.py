"""The load stage's rounds chart (issue 23): geometry, and what the report shows of it."""

from __future__ import annotations

import dataclasses
import json

from report_samples import sample_verdict

from postdeploy.findings import StageResult
from postdeploy.gate import Decision
from postdeploy.measurements import Charts, RoundPoint, SequentialTrack
from postdeploy.reports import charts
from postdeploy.reports.html import render_html

TRACKS = (
    SequentialTrack(
        "GET /api/v2/media",
        1.2,
        (RoundPoint(5, 1.1, 0.6, 2.0), RoundPoint(10, 1.02, 0.85, 1.3),
         RoundPoint(15, 1.0, 0.9, 1.15)),
        decided_at_s=15,
        decision="within tolerance",
    ),
    SequentialTrack("POST /api/v2/media <b>", 1.2, (RoundPoint(15, 1.4, 1.1, 1.9),)),
)  # fmt: skip


def test_the_band_narrows_and_the_decision_is_marked() -> None:
    chart = charts.sequential_chart(TRACKS)
    assert chart is not None
    first, second = chart.panels
    assert second.top > first.top
    # log scale: x1 lies between the tolerance line (above it on screen) and the bottom
    assert first.tolerance_y < first.one_y
    assert first.decided_x is not None
    assert first.decided_x == chart.time_ticks[-1][0]  # decided at the last round, 15 s
    assert second.decided_x is None
    heights = [float(pair.split(",")[1]) for pair in first.band.split()]
    top_edge = heights[:3]
    assert top_edge[0] < top_edge[1] < top_edge[2]  # the upper bound comes down round by round
    assert charts.sequential_chart(()) is None


def test_the_report_draws_the_rounds_and_escapes_names() -> None:
    verdict = sample_verdict(Decision.GO)
    load = StageResult("load", verdict.stages[0].status, charts=Charts(sequential=TRACKS))
    html = render_html(dataclasses.replace(verdict, stages=(*verdict.stages, load)))
    assert "Load judged in rounds" in html
    assert "GET /api/v2/media — within tolerance" in html
    assert "POST /api/v2/media &lt;b&gt;" in html
    assert "<b>" not in html.split("Load judged in rounds")[1].split("</figure>")[0]


def test_tracks_cross_the_json_boundary() -> None:
    data = json.loads(json.dumps(Charts(sequential=TRACKS).to_dict()))
    assert Charts.from_dict(data).sequential == TRACKS
    assert "sequential" not in Charts().to_dict()  # older readers see the same document
