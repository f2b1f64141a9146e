"""``report.html``: one self-contained page a manager can read in a minute.

Rendered with an autoescaping Jinja2 environment: every string that came from the target
(titles, evidence, versions, media names) is untrusted. Python prepares plain values (chart
coordinates, groupings); the template alone writes markup. The page loads nothing from the
network: styles and the few lines of script are inline, charts are inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from postdeploy.findings import CheckOutcome, Finding, RollbackTrigger
from postdeploy.gate import Verdict
from postdeploy.measurements import EndpointLatency
from postdeploy.reports import charts
from postdeploy.reports.wording import (
    DECISION_HEADLINE,
    DECISION_WORDS,
    EMBEDDED_NOTICE,
    TRIGGER_NAME,
    TRIGGER_WORDS,
    decision_label,
)

__all__ = ["TOP_FINDINGS", "latency_svg", "render_html", "write_html"]

TOP_FINDINGS = 10

_ENV = Environment(
    loader=PackageLoader("postdeploy.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.tests["linkable"] = lambda path: _is_relative_link(path)


@dataclass(frozen=True, slots=True)
class FiredTrigger:
    """A trigger that fired, in words, with the findings (and their anchors) behind it."""

    trigger: RollbackTrigger
    name: str
    words: str
    findings: tuple[tuple[int, Finding], ...]


def render_html(
    verdict: Verdict, *, allure_report: str | None = None, dry_run: bool = False
) -> str:
    """The page for ``verdict``; ``allure_report`` is a relative link to a built Allure report."""
    template = _ENV.overlay()
    template.filters["why_not_blocking"] = lambda f: verdict.why_not_blocking(f) or "it blocks"
    template = template.get_template("report.html.j2")
    return template.render(**_context(verdict), allure_report=allure_report, dry_run=dry_run)


def latency_svg(rows: Sequence[EndpointLatency]) -> str | None:
    """The latency chart as a standalone SVG document (an Allure attachment), or ``None``."""
    chart = charts.latency_chart(rows)
    if chart is None:
        return None
    module = _ENV.get_template("charts.svg.j2").module
    return str(module.latency_svg(chart, 1, charts.BAR_LEFT, standalone=True)).strip() + "\n"  # type: ignore[attr-defined]


def write_html(
    verdict: Verdict, path: Path, *, allure_report: str | None = None, dry_run: bool = False
) -> Path:
    path.write_text(
        render_html(verdict, allure_report=allure_report, dry_run=dry_run), encoding="utf-8"
    )
    return path


def _context(verdict: Verdict) -> dict[str, Any]:
    numbered = list(enumerate(verdict.reasons, start=1))
    fired = [
        FiredTrigger(
            trigger,
            TRIGGER_NAME[trigger],
            TRIGGER_WORDS[trigger],
            tuple((n, f) for n, f in numbered if f.trigger is trigger),
        )
        for trigger in verdict.triggers_fired
    ]
    stage_charts = [
        (
            stage.name,
            charts.latency_chart(stage.charts.latency),
            charts.timeline_chart(stage.charts.timeline, stage.charts.timeline_unit),
            charts.slo_chart(stage.charts.slo),
            charts.sequential_chart(stage.charts.sequential),
        )
        for stage in verdict.stages
        if stage.charts
    ]
    totals = {
        outcome.value: sum(stage.count(outcome) for stage in verdict.stages)
        for outcome in CheckOutcome
    }
    longest = max((stage.duration_s for stage in verdict.stages), default=0.0) or 1.0
    return {
        "v": verdict,
        "label": decision_label(verdict.decision),
        "headline": DECISION_HEADLINE[verdict.decision],
        "explain": DECISION_WORDS[verdict.decision],
        "embedded_notice": EMBEDDED_NOTICE,
        "fired": fired,
        "top": numbered[:TOP_FINDINGS],
        "rest": numbered[TOP_FINDINGS:],
        "by_trigger": charts.findings_by_trigger(verdict.reasons),
        "bar_label_w": charts.LABEL_W,
        "bar_left": charts.BAR_LEFT,
        "stage_charts": stage_charts,
        "totals": totals,
        "longest": longest,
        "outcome": CheckOutcome,
        "trigger_name": TRIGGER_NAME,
        "fired_triggers": set(verdict.triggers_fired),
        "artifacts": {
            stage.name: [a for a in stage.artifacts if _is_relative_link(a)]
            for stage in verdict.stages
        },
    }


def _is_relative_link(path: str) -> bool:
    """Only plain paths inside the run directory become links (no schemes, no escapes)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ":" not in path and ".." not in parts
