"""Renderings of a diff for ``postdeploy contract diff --format text|json|markdown|github``.

Everything a spec says (paths, property names, enum values) is data from outside: in text,
Markdown and GitHub annotations control characters are shown escaped (a path named
``"\\x1b[2J"`` must not clear the reader's terminal) and every field is bounded in length;
JSON escapes them by itself.

The GitHub format is the workflow-command syntax of GitHub Actions (``::error
title=…::message``): each change becomes an annotation on the new spec file — breaking an
error, a warning a warning, a safe change a notice.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from postdeploy.contract.changes import Change
from postdeploy.contract.rules import Level

__all__ = ["FORMATS", "Report", "render"]

FORMATS = ("text", "json", "markdown", "github")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MAX_FIELD = 400


@dataclass(frozen=True, slots=True)
class Report:
    """One diff as rendered: sources, what counts, what was accepted, the fail level."""

    old: str
    new: str
    changes: list[Change]
    ignored: list[Change]
    fail_on: Level

    def failing(self) -> list[Change]:
        return [change for change in self.changes if change.level >= self.fail_on]

    def count(self, level: Level) -> int:
        return sum(1 for change in self.changes if change.level is level)


def inert(text: object, limit: int = _MAX_FIELD) -> str:
    """``text`` with control and direction characters escaped, at most ``limit`` long."""
    shown = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _ordered(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (-c.level, c.operation, c.path, c.rule))


def _summary(report: Report) -> str:
    return (
        f"{inert(report.old)} → {inert(report.new)}: {report.count(Level.BREAKING)} breaking, "
        f"{report.count(Level.WARNING)} warning(s), {report.count(Level.INFO)} safe change(s)"
        + (f", {len(report.ignored)} ignored" if report.ignored else "")
        + f"; failing on {report.fail_on.label}: {len(report.failing())}"
    )


def render(report: Report, output: str) -> str:
    return {"text": _text, "json": _json, "markdown": _markdown, "github": _github}[output](report)


def _text(report: Report) -> str:
    """One line per change, breaking first, then a one-line total."""
    lines = []
    labels = {Level.BREAKING: "BREAKING", Level.WARNING: "warning ", Level.INFO: "safe    "}
    for change, ignored in [*((c, False) for c in _ordered(report.changes)),
                            *((c, True) for c in _ordered(report.ignored))]:  # fmt: skip
        label = "ignored " if ignored else labels[change.level]
        lines.append(f"{label} {change.rule:40} {inert(change.operation)}: {inert(change.message)}")
        lines.append(f"         at {inert(change.path, 2000)}")
    lines.append(_summary(report))
    return "\n".join(lines)


def _json(report: Report) -> str:
    """The machine-readable form: the two sources, counts and every change."""
    changes = [{**c.to_dict(), "ignored": False} for c in _ordered(report.changes)]
    changes += [{**c.to_dict(), "ignored": True} for c in _ordered(report.ignored)]
    return json.dumps(
        {
            "old": report.old,
            "new": report.new,
            "fail_on": report.fail_on.label,
            "failing": len(report.failing()),
            "breaking": report.count(Level.BREAKING),
            "warnings": report.count(Level.WARNING),
            "non_breaking": len(report.changes) - report.count(Level.BREAKING),
            "ignored": len(report.ignored),
            "changes": changes,
        },
        indent=2,
        default=str,
    )


def _cell(text: object, limit: int = _MAX_FIELD) -> str:
    shown = inert(text, limit).replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")
    return shown.replace("<", "&lt;").replace(">", "&gt;")


def _markdown(report: Report) -> str:
    """A table for a pull-request comment or ``$GITHUB_STEP_SUMMARY``."""
    shown = {Level.BREAKING: "**breaking**", Level.WARNING: "warning", Level.INFO: "safe"}
    lines = [
        "### API contract: "
        + ("breaking changes" if report.count(Level.BREAKING) else "no breaking change"),
        "",
        _cell(_summary(report), 2000),
        "",
    ]
    if report.changes or report.ignored:
        lines += ["| level | rule | operation | change | where |", "|---|---|---|---|---|"]
        for change, ignored in [*((c, False) for c in _ordered(report.changes)),
                                *((c, True) for c in _ordered(report.ignored))]:  # fmt: skip
            level = "ignored" if ignored else shown[change.level]
            lines.append(
                f"| {level} | `{change.rule}` | {_cell(change.operation)} | "
                f"{_cell(change.message)} | `{_cell(change.path, 1000)}` |"
            )
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per change on the new spec file."""
    command = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "notice"}
    lines = []
    for change in _ordered(report.changes):
        title = _escape_property(inert(f"{change.rule} ({change.level.label})", 200))
        where = _escape_property(inert(report.new, 500))
        message = _escape_data(
            inert(f"{change.operation}: {change.message} — at {change.path}", 2000)
        )
        lines.append(f"::{command[change.level]} file={where},title={title}::{message}")
    lines.append(_escape_data(_summary(report)))
    return "\n".join(lines)
