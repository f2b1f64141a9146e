"""Run ids: sortable by time, unique enough to tag every write a run makes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

__all__ = ["new_run_id", "run_tag"]


def new_run_id() -> str:
    """``20261124T173000Z-3f9a``: the UTC start time and 16 random bits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def run_tag(run_id: str) -> str:
    """The tag every write of a run carries, so its leftovers can be found and removed."""
    return f"postdeploy-run={run_id}"
