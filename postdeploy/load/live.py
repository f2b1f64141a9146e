"""Live figures of a running Locust, for the progress display (issue 21 §2).

Locust runs in its own process (gevent, see :mod:`postdeploy.load.locust_runner`); with
``--csv`` it appends one row of its figures to ``<prefix>_stats_history.csv`` every second.
:class:`LiveLoad` follows those files in a thread and reports the newest row's requests per
second and p95 as :class:`~postdeploy.progress.LoadProgress`. Locust's own figures, not the
judge's: a display, never evidence. In a paired run they mix both releases — the display
says "load generator", the judge keeps the sides apart.

A judge that decides in rounds adds what only it knows (the round, the endpoints decided,
the critical ones still open) through :meth:`LiveLoad.judged`, which the next tick reports
beside Locust's figures; see ``docs/reports.md``, "Progress".
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from postdeploy.baseline.judge import Classification
from postdeploy.baseline.sequential import RoundJudgement
from postdeploy.progress import LoadProgress, Progress, Ticker

__all__ = ["LiveLoad", "latest_figures"]

HISTORY_GLOB = "*/locust_stats_history.csv"

#: How the display names a round's classification of an endpoint (progress.LoadProgress).
_DECISION = {
    Classification.PASS: "within tolerance",
    Classification.HIGH: "worse",
    Classification.LOW: "faster",
}


def latest_figures(stage_dir: Path) -> tuple[float, float | None, int] | None:
    """(requests/s, p95 ms, requests so far) of the newest "Aggregated" row of any Locust
    history file under ``stage_dir``, or ``None`` before Locust has written one."""
    newest: tuple[float, float | None, int] | None = None
    newest_at = -1.0
    for path in stage_dir.glob(HISTORY_GLOB):
        try:
            with path.open(newline="", encoding="utf-8") as source:
                rows = [row for row in csv.DictReader(source) if row.get("Name") == "Aggregated"]
        except OSError:
            continue
        if not rows:
            continue
        row = rows[-1]
        try:
            at = float(row["Timestamp"])
            rps = float(row["Requests/s"])
            p95 = row.get("95%", "N/A")
            figures = (
                rps,
                None if p95 in ("", "N/A") else float(p95),
                int(row["Total Request Count"]),
            )
        except (KeyError, ValueError):
            continue
        if at > newest_at:
            newest, newest_at = figures, at
    return newest


class LiveLoad(Ticker):
    """While the block runs: every ``every_s``, the newest Locust figures under
    ``stage_dir`` as :class:`LoadProgress` for ``stage``."""

    def __init__(
        self,
        stage: str,
        stage_dir: Path,
        progress: Progress,
        *,
        planned_s: float,
        every_s: float = 1.0,
    ) -> None:
        super().__init__(every_s, name="postdeploy-live-load")
        self._stage = stage
        self._dir = stage_dir
        self._progress = progress
        self._planned_s = planned_s
        self._started = 0.0
        # the newest round's judgement (set from the judging thread, read by the ticker's:
        # one tuple assigned at once, so a tick sees one round's figures, never a mix)
        self._rounds: tuple[int | None, tuple[tuple[str, str], ...], int | None] = (None, (), None)

    def __enter__(self) -> LiveLoad:
        self._started = time.monotonic()
        super().__enter__()
        return self

    def judged(self, judgement: RoundJudgement) -> None:
        """A round of the sequential judge is done: its decided endpoints join the display."""
        decided = tuple(
            (e.name, _DECISION[e.classification]) for e in judgement.endpoints if e.decided
        )
        names = {name for name, _ in decided}
        open_critical = len(judgement.critical - names)
        number = (self._rounds[0] or 0) + 1
        self._rounds = (number, decided, open_critical)

    def tick(self) -> None:
        figures = latest_figures(self._dir)
        rps, p95, requests = figures if figures else (None, None, 0)
        number, decided, undecided = self._rounds
        self._progress(
            LoadProgress(
                self._stage,
                elapsed_s=time.monotonic() - self._started,
                planned_s=self._planned_s,
                rps=rps,
                p95_ms=p95,
                requests=requests,
                round=number,
                decided=decided,
                undecided=undecided,
            )
        )
