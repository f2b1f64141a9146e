"""Data snapshots before a deploy and the comparison after it (the data stage's engine).

``model``: the record and snapshot formats (JSON lines, streamed); ``sources``: where
records come from (unimedia's database, legacy or unified schema, read-only; or the legacy
APIs); ``compare``: what changed, as data-loss evidence naming the ids.
"""

from __future__ import annotations

from postdeploy.snapshot.compare import Comparison, compare_snapshot
from postdeploy.snapshot.model import Record, SnapshotHeader, read_snapshot, write_snapshot

__all__ = [
    "Comparison",
    "Record",
    "SnapshotHeader",
    "compare_snapshot",
    "read_snapshot",
    "write_snapshot",
]
