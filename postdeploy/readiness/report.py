"""The preflight's reports: ``preflight.json`` (canonical, own schema), ``report.html`` and
``summary.md`` — views of one :class:`ReadinessReport`, as verify's are of its Verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from postdeploy.readiness.model import CheckState, ReadinessReport
from postdeploy.reports.markdown import escape_markdown

__all__ = ["PREFLIGHT_SCHEMA_PATH", "preflight_to_dict", "write_preflight_reports"]

PREFLIGHT_SCHEMA_VERSION = "1.0"
PREFLIGHT_SCHEMA_PATH = Path(__file__).with_name("preflight.schema.json")

_WORDS = {
    "READY": "Everything the deploy and its rollback rely on is in place.",
    "NOT_READY": "Do not deploy yet: fix what failed below first.",
    "INCONCLUSIVE": "Some preconditions could not be checked: do not treat this as ready.",
}
_HTML = Environment(
    loader=PackageLoader("postdeploy.readiness", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_MARKDOWN = Environment(
    loader=PackageLoader("postdeploy.readiness", "templates"),
    autoescape=False,  # noqa: S701 - Markdown, not HTML: finalize escapes every value
    finalize=escape_markdown,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def preflight_to_dict(report: ReadinessReport) -> dict[str, Any]:
    return {
        "schema_version": PREFLIGHT_SCHEMA_VERSION,
        "kind": "postdeploy-preflight",
        "run_id": report.run_id,
        "decision": report.decision.value,
        "started_at": report.started_at.isoformat(timespec="seconds"),
        "finished_at": report.finished_at.isoformat(timespec="seconds"),
        "duration_s": round(report.duration_s, 3),
        "error": report.error,
        "target": report.target.to_dict(),
        "counts": {state.value: report.count(state) for state in CheckState},
        "checks": [check.to_dict() for check in report.checks],
    }


def write_preflight_reports(report: ReadinessReport, run_dir: Path) -> list[Path]:
    run_dir.mkdir(parents=True, exist_ok=True)
    document = run_dir / "preflight.json"
    partial = document.with_suffix(".json.partial")
    partial.write_text(json.dumps(preflight_to_dict(report), indent=2) + "\n", encoding="utf-8")
    partial.replace(document)
    context = {"r": report, "words": _WORDS[report.decision.value], "State": CheckState}
    html = run_dir / "report.html"
    html.write_text(_HTML.get_template("preflight.html.j2").render(**context), encoding="utf-8")
    markdown = run_dir / "summary.md"
    markdown.write_text(_MARKDOWN.get_template("preflight.md.j2").render(**context),
                        encoding="utf-8")  # fmt: skip
    return [document, html, markdown]
