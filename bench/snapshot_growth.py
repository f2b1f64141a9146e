"""Benchmark 5: ``postdeploy snapshot`` and ``snapshot --compare`` at 10 k, 100 k and 1 M records.

Time and peak memory of the real commands (each its own process, measured by ``wait4``)
as the record count grows tenfold: a snapshot streams its records, so its memory should
stay nearly flat while its time grows linearly.

The legacy database is written straight with SQL (``executemany``, the schema from
unimedia's own migration to the legacy revision) rather than with ``unimedia seed-legacy``:
that one writes a real blob file per record (77 s for 100 k here, docs/migration.md), and
a million files is not a benchmark's business. So the snapshots read the recorded sha256
of their sample (no ``--blob-dir``); hashing the sample's bytes from disk costs the same
1000 files at every size and is left out. The compare reads the same database again
(nothing lost, exit 0): the cost of the comparison, not of a migration.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bench.core import Benchmark, Figure, Options, Outcome
from bench.processes import clean_environment, run_timed

_KINDS = {"image": "images", "video": "videos", "document": "documents"}
_OWNERS = ("alice", "bob", "admin")


def build_legacy_database(path: Path, count: int) -> None:
    """A legacy-schema SQLite database of ``count`` records (50 % images, 20 % videos, 30 %
    documents), deterministic."""
    from sqlalchemy import create_engine

    from unimedia.revisions import LEGACY_REVISION, upgrade

    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, LEGACY_REVISION)
    engine.dispose()
    epoch = datetime(2023, 1, 1)  # noqa: DTZ001 - the legacy schema stores naive UTC
    rows: dict[str, list[tuple[object, ...]]] = {kind: [] for kind in _KINDS}
    for number in range(1, count + 1):
        kind = ("image",) * 5 + ("video",) * 2 + ("document",) * 3
        kind_of = kind[number % 10]
        created = (epoch + timedelta(seconds=number)).strftime("%Y-%m-%d %H:%M:%S.%f")
        common = (len(rows[kind_of]) + 1, _OWNERS[number % 3], f"file-{number:07d}",
                  "application/octet-stream", 1000 + number % 5000,
                  hashlib.sha256(str(number).encode()).hexdigest(), created)  # fmt: skip
        extra: tuple[object, ...] = {"image": (64, 48), "video": (12.5,), "document": (3,)}[kind_of]
        rows[kind_of].append(common + extra)
    columns = "id, owner, filename, content_type, size, sha256, created_at"
    extras = {"image": ", width, height", "video": ", duration_seconds", "document": ", pages"}
    with sqlite3.connect(path) as connection:
        for kind, table in _KINDS.items():
            marks = ", ".join("?" * (7 + len(extras[kind].split(",")) - 1))
            connection.executemany(
                f"INSERT INTO {table} ({columns}{extras[kind]}) VALUES ({marks})",  # noqa: S608
                rows[kind],
            )


def snapshot_growth(options: Options) -> Outcome:
    if options.quick:
        plan = [(1_000, options.count(1, 1)), (10_000, options.count(1, 1))]
    else:
        plan = [(10_000, options.count(3, 1)), (100_000, options.count(3, 1)),
                (1_000_000, options.runs or 1)]  # fmt: skip
    outcome = Outcome()
    per_size: dict[str, dict[str, float]] = {}
    for count, runs in plan:
        database = options.work / f"legacy-{count}.db"
        build_legacy_database(database, count)
        url = f"sqlite:///{database}"
        took: dict[str, list[float]] = {"snapshot": [], "compare": []}
        rss: dict[str, list[float]] = {"snapshot": [], "compare": []}
        for run in range(runs):
            file = options.work / f"snapshot-{count}-{run}.jsonl"
            for step, extra in (("snapshot", []), ("compare", ["--compare"])):
                done = run_timed(
                    [sys.executable, "-m", "postdeploy", "snapshot", str(file),
                     "--database-url", url, *extra],
                    env=clean_environment(), timeout_s=1800,
                )  # fmt: skip
                if done.returncode != 0:
                    said = (done.stderr or done.stdout).strip()[-300:]
                    raise RuntimeError(
                        f"{step} of {count} records exited {done.returncode}: " + said
                    )
                took[step].append(done.wall_s)
                rss[step].append(done.max_rss_mb)
        label = f"{count:,}".replace(",", " ")
        for step in ("snapshot", "compare"):
            outcome.figures.append(Figure(f"{step} {label} records, wall", "s", tuple(took[step])))
            outcome.figures.append(Figure(f"{step} {label} records, peak RSS", "MB",
                                          tuple(rss[step])))  # fmt: skip
        per_size[str(count)] = {
            "snapshot_file_mb": round(file.stat().st_size / 1e6, 2),
            "snapshot_s_per_100k": round(min(took["snapshot"]) / count * 1e5, 3),
        }
        database.unlink()
    outcome.details["per_size"] = per_size
    outcome.notes.append(
        "legacy database written with SQL, no blob files; sample digests from the recorded sha256"
    )
    return outcome


BENCHMARKS = [
    Benchmark("snapshot_growth", "postdeploy snapshot and --compare at 10 k, 100 k, 1 M records",
              "time grows linearly, memory stays bounded", snapshot_growth),
]  # fmt: skip
