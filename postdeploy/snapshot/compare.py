"""Compare the records after a deploy with the snapshot taken before it.

Memory is bounded by the snapshot (the "before" records are held as a dict; the "after"
side is streamed). What counts as loss: a record missing, a record whose metadata changed,
a sampled record whose bytes changed, fewer records of a kind and owner. Records added
since the snapshot are reported, not judged: users keep uploading during a deploy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import astuple, dataclass, field
from pathlib import Path

from postdeploy.errors import BaselineError
from postdeploy.snapshot.model import OWN_PREFIXES, Record, SnapshotHeader, read_snapshot

__all__ = ["Comparison", "compare_snapshot"]


@dataclass(slots=True)
class Comparison:
    before: SnapshotHeader
    after_total: int = 0
    missing: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # key → changed fields
    content: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # key → (was, is)
    fewer: dict[str, tuple[int, int]] = field(default_factory=dict)  # group → (was, is)
    added: int = 0

    @property
    def lossless(self) -> bool:
        return not (self.missing or self.changed or self.content or self.fewer)


def compare_snapshot(
    before_path: Path,
    after: Iterable[Record],
    content_digest: Callable[[Record], str | None],
) -> Comparison:
    header, records = read_snapshot(before_path)
    before = {record.key: record for record in records}
    if len(before) != header.total:
        # a truncated (or hand-edited) snapshot must not compare as "nothing lost"
        raise BaselineError(
            f"{before_path}: {len(before)} distinct records, but its header says "
            f"{header.total}: the snapshot is incomplete; take it again"
        )
    result = Comparison(header)
    counts: dict[str, int] = {}
    seen: set[str] = set()
    sampled: dict[str, Record] = {}
    for record in after:
        if record.filename.startswith(OWN_PREFIXES):
            continue
        result.after_total += 1
        group = f"{record.kind}/{record.owner}"
        counts[group] = counts.get(group, 0) + 1
        old = before.get(record.key)
        if old is None:
            result.added += 1
            continue
        seen.add(record.key)
        if old != record:
            names = Record.__dataclass_fields__
            result.changed[record.key] = [
                name for name, a, b in zip(names, astuple(old), astuple(record), strict=True)
                if a != b
            ]  # fmt: skip
        if record.key in header.sample:
            sampled[record.key] = record
    result.missing = sorted(before.keys() - seen)
    for group, was in header.counts.items():
        now = counts.get(group, 0)
        if now < was:
            result.fewer[group] = (was, now)
    for key, expected in header.sample.items():
        if key in sampled:
            got = content_digest(sampled[key])
            if got != expected:
                result.content[key] = (expected, got)
    return result
