"""``report.html``: one self-contained page a manager can read in a minute.

Rendered with an autoescaping Jinja2 environment: every string that came from the target
(titles, evidence, versions) is untrusted.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from postdeploy.findings import CheckOutcome
from postdeploy.gate import Verdict
from postdeploy.reports.timeline_svg import timeline_geometry

__all__ = ["render_html", "write_html"]

_ENV = Environment(
    loader=PackageLoader("postdeploy.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

_EXPLAIN = {
    "GO": "All required checks ran and nothing that blocks the release was found.",
    "NO_GO": "Roll back: at least one rollback trigger fired.",
    "INCONCLUSIVE": "Not everything could be checked, so this release cannot be called good.",
}


def render_html(verdict: Verdict) -> str:
    template = _ENV.get_template("report.html.j2")
    return template.render(
        v=verdict,
        explain=_EXPLAIN[verdict.decision.value],
        outcome=CheckOutcome,
        timeline=timeline_geometry,
    )


def write_html(verdict: Verdict, path: Path) -> Path:
    path.write_text(render_html(verdict), encoding="utf-8")
    return path
