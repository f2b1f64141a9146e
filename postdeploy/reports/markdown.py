"""``summary.md``: the verdict for CI step summaries and pull-request comments.

GitHub renders Markdown *and* inline HTML, and turns ``@name`` into a notification, so
every value is escaped on output by the environment's ``finalize`` — a template cannot
forget it. Only the template's own literal text is Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from postdeploy.findings import CheckOutcome
from postdeploy.gate import Verdict
from postdeploy.reports.wording import (
    DECISION_HEADLINE,
    DECISION_WORDS,
    EMBEDDED_NOTICE,
    TRIGGER_NAME,
    TRIGGER_WORDS,
    decision_label,
)

__all__ = ["TOP_FINDINGS", "escape_markdown", "render_markdown", "write_markdown"]

TOP_FINDINGS = 10
_SPECIAL = re.compile(r"([\\`*_\[\]{}()#|~!])")
_ICON = {"GO": "✅", "NO_GO": "⛔", "INCONCLUSIVE": "⚠️"}


def escape_markdown(value: Any) -> str:
    """One line of inert text: no HTML, no emphasis/links/tables, no @-mentions."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u2060")  # a word joiner: shown as "@", never a mention


_ENV = Environment(
    loader=PackageLoader("postdeploy.reports", "templates"),
    autoescape=False,  # noqa: S701 - Markdown, not HTML: finalize escapes every value
    finalize=escape_markdown,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_markdown(
    verdict: Verdict, *, report_link: str | None = "report.html", dry_run: bool = False
) -> str:
    """The summary; ``report_link`` is where the HTML page is (relative or absolute)."""
    return _ENV.get_template("summary.md.j2").render(
        v=verdict,
        icon=_ICON[verdict.decision.value],
        label=decision_label(verdict.decision),
        headline=DECISION_HEADLINE[verdict.decision],
        explain=DECISION_WORDS[verdict.decision],
        embedded_notice=EMBEDDED_NOTICE,
        trigger_name=TRIGGER_NAME,
        trigger_words=TRIGGER_WORDS,
        top=verdict.reasons[:TOP_FINDINGS],
        more=max(0, len(verdict.reasons) - TOP_FINDINGS),
        report_link=report_link,
        dry_run=dry_run,
        flaky=CheckOutcome.FLAKY,
    )


def write_markdown(verdict: Verdict, path: Path, *, dry_run: bool = False) -> Path:
    path.write_text(render_markdown(verdict, dry_run=dry_run), encoding="utf-8")
    return path
