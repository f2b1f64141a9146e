"""``postdeploy snapshot``: the media records before a deploy, compared after it.

Reads straight from a (read-only) database, or through the legacy APIs as admin; exit 0
when nothing was lost, 1 on data loss (the ids are listed), 2 when the records or the
snapshot cannot be read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import click

from postdeploy.commands.common import ExitCode, one_line_errors, setup_logging
from postdeploy.config import load_config
from postdeploy.errors import ConfigError
from postdeploy.snapshot.compare import compare_snapshot
from postdeploy.snapshot.model import Record, write_snapshot
from postdeploy.snapshot.sources import api_digest, api_records, blob_digest, database_records
from postdeploy.stages.data import findings_of
from postdeploy.target.client import login, new_client

__all__ = ["run_snapshot", "snapshot"]


def run_snapshot(
    file: Path, *, compare: bool, database_url: str | None, blob_dir: Path | None,
    url: str | None, sample_size: int, config_file: Path | None,
) -> tuple[list[str], bool]:  # fmt: skip
    """Take or compare a snapshot; return the lines to print and whether data was lost."""
    if database_url and url:
        raise ConfigError("give --database-url or --target, not both: a snapshot reads one source")
    if blob_dir and not database_url:
        raise ConfigError("--blob-dir reads content beside --database-url; give that too")
    with ExitStack() as stack:
        records: Iterator[Record]
        digest: Callable[[Record], str | None]
        if database_url:
            records, source = database_records(database_url), "database"
            digest = blob_digest(blob_dir) if blob_dir else (lambda record: record.sha256)
        else:
            config = load_config(config_file=config_file, overrides={"url": url})
            if config.target.url is None:
                raise ConfigError("give --database-url URL or --target URL")
            admins = [a for a in config.target.accounts if a.role == "admin"]
            if not admins:
                raise ConfigError("reading every record through the API needs an admin account")
            with new_client(config.target) as anonymous:
                token = login(anonymous, admins[0])
            admin = stack.enter_context(new_client(config.target, token=token))
            records, digest, source = api_records(admin), api_digest(admin), config.target.url
        started = time.perf_counter()
        if not compare:
            header = write_snapshot(
                file, records, source=source, sample_size=sample_size, content_digest=digest
            )
            took = time.perf_counter() - started
            return [
                f"snapshot of {header.total} records ({len(header.sample)} sampled) from "
                f"{source} → {file} in {took:.1f} s"
            ], False
        comparison = compare_snapshot(file, records, digest)
        took = time.perf_counter() - started
        lines = [
            f"compared {comparison.after_total} records ({source}) with {file} "
            f"({comparison.before.total} records) in {took:.1f} s: "
            + ("nothing lost" if comparison.lossless else "DATA LOSS")
            + (f", {comparison.added} added since" if comparison.added else "")
        ]
        for finding in findings_of("data", comparison, source):
            lines.append(f"  [{finding.severity.value}] {finding.trigger.value}: {finding.title}")
            lines += [f"    {line}" for line in finding.evidence.splitlines()]
        return lines, not comparison.lossless


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--compare", is_flag=True, help="Compare the records now with FILE instead.")
@click.option("--database-url", metavar="URL", help="Read straight from a (read-only) database.")
@click.option("--blob-dir", type=click.Path(path_type=Path), help="Blob store, for content.")
@click.option("--target", "url", metavar="URL", help="Read through the legacy APIs as admin.")
@click.option("--sample", "sample_size", type=int, default=1000, show_default=True)
@click.option("--config", "config_file", type=click.Path(path_type=Path))
def snapshot(
    file: Path, compare: bool, database_url: str | None, blob_dir: Path | None,
    url: str | None, sample_size: int, config_file: Path | None,
) -> None:  # fmt: skip
    """Snapshot the media records to FILE before a deploy, or --compare after it.

    With --compare: exit 0 when nothing was lost, 1 on data loss (the ids are listed),
    2 when the records or the snapshot cannot be read.
    """
    setup_logging(verbose=True, debug=False)
    with one_line_errors():
        lines, lost = run_snapshot(
            file, compare=compare, database_url=database_url, blob_dir=blob_dir,
            url=url, sample_size=sample_size, config_file=config_file,
        )  # fmt: skip
    for line in lines:
        click.echo(line)
    raise SystemExit(ExitCode.NO_GO if lost else ExitCode.GO)
