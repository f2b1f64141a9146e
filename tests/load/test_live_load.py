"""The load stage's live figures: the newest "Aggregated" row of Locust's history file."""

from __future__ import annotations

from pathlib import Path

from postdeploy.baseline.judge import Classification
from postdeploy.baseline.sequential import (
    ExcessState,
    RoundJudgement,
    SequentialEndpoint,
    ShiftState,
)
from postdeploy.load.live import LiveLoad, latest_figures
from postdeploy.progress import LoadProgress

# Locust's own header of <prefix>_stats_history.csv (locust/stats.py, stats_history_csv_columns)
HEADER = (
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,"
    "99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,"
    "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
    "Total Average Content Size"
)


def row(at: int, rps: str, p95: str, total: int, name: str = "Aggregated") -> str:
    percentiles = f"10,12,13,14,20,{p95},40,50,60,70,80"
    return f"{at},20,,{name},{rps},0.000000,{percentiles},{total},0,10,11,2,90,300"


def test_the_newest_aggregated_row_of_any_run_wins(tmp_path: Path) -> None:
    assert latest_figures(tmp_path) is None, "before Locust has written anything"
    paired = tmp_path / "paired"
    paired.mkdir()
    (paired / "locust_stats_history.csv").write_text(
        "\n".join([HEADER, row(100, "0.000000", "N/A", 0), row(101, "48.5", "131", 480),
                   row(101, "9.0", "7", 90, name="GET /api/v2/media")]) + "\n"
    )  # fmt: skip
    assert latest_figures(tmp_path) == (48.5, 131.0, 480)
    (paired / "locust_stats_history.csv").write_text(HEADER + "\n" + row(100, "1.0", "N/A", 3))
    assert latest_figures(tmp_path) == (1.0, None, 3), "no percentile yet is no p95, not 0"


def test_each_round_of_the_judge_joins_the_live_figures(tmp_path: Path) -> None:
    """A round's decided endpoints (and the critical ones still open) reach the display."""
    events: list[LoadProgress] = []
    live = LiveLoad("load", tmp_path, events.append, planned_s=60, every_s=3600)
    live.tick()
    assert events[-1].round is None
    assert events[-1].decided == ()

    def endpoint(name: str, classification: Classification) -> SequentialEndpoint:
        return SequentialEndpoint(name, ShiftState(50, 1.0, 0.9, 1.1), ExcessState(50),
                                  ExcessState(50), classification, critical=True)  # fmt: skip

    critical = frozenset({"GET /a", "GET /b", "GET /c"})
    first = RoundJudgement(
        10.0, (endpoint("GET /a", Classification.HIGH), endpoint("GET /b", Classification.NODATA)),
        ExcessState(50), ExcessState(50), 3, 0.001, 0.001, critical=critical,
    )  # fmt: skip
    live.judged(first)
    live.tick()
    assert (events[-1].round, events[-1].decided, events[-1].undecided) == (
        1, (("GET /a", "worse"),), 2,  # b without enough data, c without any: both open
    )  # fmt: skip
    second = RoundJudgement(
        20.0, (endpoint("GET /a", Classification.PASS), endpoint("GET /b", Classification.LOW),
               endpoint("GET /c", Classification.PASS)),
        ExcessState(50), ExcessState(50), 3, 0.001, 0.001, critical=critical,
    )  # fmt: skip
    live.judged(second)
    live.tick()
    assert events[-1].round == 2
    assert dict(events[-1].decided) == {
        "GET /a": "within tolerance", "GET /b": "faster", "GET /c": "within tolerance",
    }  # fmt: skip
    assert events[-1].undecided == 0
