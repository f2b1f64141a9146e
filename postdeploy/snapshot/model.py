"""The snapshot file: one JSON header line, then one JSON line per record.

Records are streamed in and out, never all held for writing; the header carries counts per
kind and owner, an order-independent digest of the id set (the XOR of each key's SHA-256:
computed in one pass, constant memory) and the content checksums of a deterministic sample
(the ``sample_size`` records whose key hashes lowest — the same records on every run).
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from postdeploy.errors import BaselineError

__all__ = ["Record", "SnapshotHeader", "key_hash", "read_snapshot", "write_snapshot"]

SNAPSHOT_KIND = "postdeploy-data-snapshot"
VERSION = 1
#: Media postdeploy's own checks write (and delete): never part of the data compared.
OWN_PREFIXES = ("postdeploy-",)


@dataclass(frozen=True, slots=True)
class Record:
    """One media record as both sides of a migration can describe it."""

    key: str  # "<kind>:<legacy number>": stable through the migration and its downgrade
    kind: str
    owner: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: str  # normalised: UTC, microseconds, no zone suffix


@dataclass(slots=True)
class SnapshotHeader:
    source: str
    taken_at: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # "kind/owner" → count
    id_digest: str = ""
    sample: dict[str, str] = field(default_factory=dict)  # key → sha256 of the content
    sample_size: int = 0


def normalise_time(value: Any) -> str:
    """Both sides' timestamps (datetime, naive or aware, or SQLite's text) as one string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return str(value)


_NAMES = tuple(Record.__dataclass_fields__)


def _as_dict(record: Record) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _NAMES}


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")


def write_snapshot(
    path: Path,
    records: Iterable[Record],
    *,
    source: str,
    sample_size: int,
    content_digest: Callable[[Record], str | None],
) -> SnapshotHeader:
    """Stream ``records`` into ``path``; hash the sample's content with ``content_digest``."""
    header = SnapshotHeader(source=source, taken_at=datetime.now(UTC).isoformat(timespec="seconds"))
    digest = 0
    lowest: list[tuple[int, str, Record]] = []  # max-heap by negated hash, size ≤ sample_size
    body = path.with_suffix(".records.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    with body.open("w", encoding="utf-8") as out:
        for record in records:
            if record.filename.startswith(OWN_PREFIXES):
                continue
            # not dataclasses.asdict: it deep-copies, a third of the time at 100 000 records
            out.write(json.dumps(_as_dict(record), separators=(",", ":")) + "\n")
            header.total += 1
            group = f"{record.kind}/{record.owner}"
            header.counts[group] = header.counts.get(group, 0) + 1
            h = key_hash(record.key)
            digest ^= h
            if sample_size:
                item = (-h, record.key, record)
                if len(lowest) < sample_size:
                    heapq.heappush(lowest, item)
                elif -h > lowest[0][0]:
                    heapq.heapreplace(lowest, item)
    header.id_digest = f"{digest:064x}"
    header.sample_size = sample_size
    for _, key, record in sorted(lowest, key=lambda item: item[1]):
        measured = content_digest(record)
        header.sample[key] = measured if measured is not None else record.sha256
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out, body.open(encoding="utf-8") as lines:
        out.write(json.dumps({"kind": SNAPSHOT_KIND, "version": VERSION, **asdict(header)}) + "\n")
        for line in lines:
            out.write(line)
    body.unlink()
    partial.replace(path)
    return header


_HEADER_TYPES: dict[str, type | tuple[type, ...]] = {
    "source": str, "taken_at": str, "total": int, "counts": dict, "id_digest": str,
    "sample": dict, "sample_size": int,
}  # fmt: skip


def _checked_header(first: dict[str, Any]) -> SnapshotHeader:
    """The header with every field of the type the comparison relies on (TypeError if not):
    a snapshot whose counts are a string must be unreadable, not compare as "nothing lost"."""
    fields = {k: v for k, v in first.items() if k in SnapshotHeader.__dataclass_fields__}
    for name, kind in _HEADER_TYPES.items():
        if name in fields and (
            not isinstance(fields[name], kind) or isinstance(fields[name], bool)
        ):
            raise TypeError(f"{name} is not {getattr(kind, '__name__', kind)}")
    if not all(isinstance(k, str) and type(v) is int for k, v in fields.get("counts", {}).items()):
        raise TypeError("counts are not kind/owner → number")
    if not all(
        isinstance(k, str) and isinstance(v, str) for k, v in fields.get("sample", {}).items()
    ):
        raise TypeError("sample is not key → sha256")
    return SnapshotHeader(**fields)


def _checked_record(data: Any) -> Record:
    if not isinstance(data, dict):
        raise TypeError("a record is not an object")
    record = Record(**data)
    for name in _NAMES:
        value = getattr(record, name)
        wanted = int if name == "size" else str
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise TypeError(f"{name} is not {wanted.__name__}")
    return record


def read_snapshot(path: Path) -> tuple[SnapshotHeader, Iterator[Record]]:
    """The header, and an iterator over the records (streamed from the file)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise BaselineError(
            f"no data snapshot at {path} ({exc.strerror}): take one before the deploy with "
            "`postdeploy snapshot`"
        ) from None
    try:
        first = json.loads(handle.readline() or "null")
        if not isinstance(first, dict) or first.get("kind") != SNAPSHOT_KIND:
            raise BaselineError(f"{path}: not a postdeploy data snapshot")
        if first.get("version") != VERSION:
            raise BaselineError(f"{path}: snapshot version {first.get('version')!r} unknown")
        header = _checked_header(first)
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError too: bytes that are no text
        handle.close()
        raise BaselineError(f"{path}: malformed snapshot header: {exc}") from None
    except BaselineError:
        handle.close()
        raise

    def records() -> Iterator[Record]:
        # The file closes however the reading ends (garbage found by the property tests of
        # issue 16 left it open): a bad line, bytes that are not UTF-8, or a caller that stops.
        with handle:
            number = 1
            try:
                for number, line in enumerate(handle, start=2):
                    try:
                        yield _checked_record(json.loads(line))
                    except (ValueError, TypeError) as exc:
                        raise BaselineError(f"{path}:{number}: malformed record: {exc}") from None
            except UnicodeDecodeError as exc:
                raise BaselineError(f"{path}:{number + 1}: not UTF-8 text: {exc}") from None

    return header, records()
