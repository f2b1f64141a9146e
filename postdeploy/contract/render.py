"""Text and JSON renderings of a list of :class:`~postdeploy.contract.diff.Change`."""

from __future__ import annotations

import json

from postdeploy.contract.diff import Change

__all__ = ["render_json", "render_text"]


def _ordered(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (not c.breaking, c.operation, c.path, c.rule))


def render_text(changes: list[Change], old: str, new: str) -> str:
    """One line per change, breaking first, then a one-line total."""
    lines = []
    for change in _ordered(changes):
        label = "BREAKING" if change.breaking else "safe    "
        lines.append(f"{label} {change.rule:40} {change.operation}: {change.message}")
        lines.append(f"         at {change.path}")
    breaking = sum(1 for change in changes if change.breaking)
    lines.append(
        f"{old} → {new}: {breaking} breaking, {len(changes) - breaking} non-breaking change(s)"
    )
    return "\n".join(lines)


def render_json(changes: list[Change], old: str, new: str) -> str:
    """The machine-readable form: the two sources, counts and every change."""
    breaking = sum(1 for change in changes if change.breaking)
    return json.dumps(
        {
            "old": old,
            "new": new,
            "breaking": breaking,
            "non_breaking": len(changes) - breaking,
            "changes": [change.to_dict() for change in _ordered(changes)],
        },
        indent=2,
        default=str,
    )
