"""``postdeploy preflight``: READY / NOT_READY / INCONCLUSIVE before a deploy (exit 0/1/2).

Checks the release live *now* (see :mod:`postdeploy.readiness`). ``--record`` records the
baselines from it first, ``--snapshot`` takes the pre-deploy data snapshot; both are what a
NO_GO and a rollback verification will be compared with.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from postdeploy.commands.common import internal_error, setup_logging
from postdeploy.errors import PostdeployError

if TYPE_CHECKING:
    from postdeploy.config import Config, TargetSettings
    from postdeploy.readiness import PreflightOutcome, PreflightRequest

__all__ = ["preflight"]


@click.command()
@click.option("--target", "url", metavar="URL", help="The live release (default: embedded).")
@click.option("--expected-version", metavar="VERSION", help="The release live now.")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path), help="Default: reports.")
@click.option("--record", is_flag=True, help="Record the baselines from the live release first.")
@click.option(
    "--snapshot",
    "take_snapshot",
    is_flag=True,
    help="Take the pre-deploy data snapshot now (database URL, else the API).",
)
@click.option("--snapshot-file", type=click.Path(path_type=Path),
              help="Where the snapshot is (default: $POSTDEPLOY_SNAPSHOT or "
                   "baselines/data-snapshot.jsonl).")  # fmt: skip
@click.option(
    "--blob-dir",
    type=click.Path(path_type=Path),
    help="The blob store, for snapshot content (default: $POSTDEPLOY_BLOB_DIR).",
)
@click.option("--backup", metavar="FILE|URL", help="The pre-deploy backup to verify.")
@click.option("--backup-sha256", metavar="HEX", help="Its SHA-256 (default: FILE.sha256).")
@click.option("-v", "--verbose", is_flag=True)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
def preflight(
    url: str | None, expected_version: str | None, config_file: Path | None,
    report_dir: Path | None, record: bool, take_snapshot: bool, snapshot_file: Path | None,
    blob_dir: Path | None, backup: str | None, backup_sha256: str | None, verbose: bool,
    debug: bool,
) -> None:  # fmt: skip
    """Is everything a deploy and its rollback rely on in place? (exit 0 READY, 1 NOT_READY,
    2 INCONCLUSIVE)"""
    from postdeploy.config import load_config
    from postdeploy.readiness import ReadinessExit, run_preflight

    setup_logging(verbose=verbose, debug=debug)
    try:
        config = load_config(
            config_file=config_file,
            overrides={"url": url, "expected_version": expected_version,
                       "report_dir": report_dir},
        )  # fmt: skip
        request = _request(config, record, take_snapshot, snapshot_file, blob_dir, backup,
                           backup_sha256)  # fmt: skip
        outcome = run_preflight(config, request)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(ReadinessExit.INCONCLUSIVE)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(ReadinessExit.INCONCLUSIVE)
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()
    _print(outcome)
    sys.exit(ReadinessExit[outcome.report.decision.name])


def _request(
    config: Config, record: bool, take_snapshot: bool, snapshot_file: Path | None,
    blob_dir: Path | None, backup: str | None, backup_sha256: str | None,
) -> PreflightRequest:  # fmt: skip
    from postdeploy.contract.baseline import baseline_file
    from postdeploy.readiness import PreflightRequest
    from postdeploy.stages.load import baseline_path, chosen_profile

    embedded = config.target.embedded
    profile = chosen_profile(embedded, config.load.profile).name
    blobs = blob_dir or config.data.blob_dir
    return PreflightRequest(
        contract_file=baseline_file(config.baseline_dir, embedded=embedded),
        load_file=None if embedded else baseline_path(config.baseline_dir, profile),
        load_profile=profile,
        snapshot_file=snapshot_file or config.data.snapshot,
        take_snapshot=take_snapshot,
        blob_dir=blobs,
        backup=backup,
        backup_sha256=backup_sha256,
        record=_recorder(config) if record else None,
    )


def _recorder(config: Config) -> Callable[[TargetSettings], list[str]]:
    """Record the contract (and, on a real target, the load) baseline from the live release."""

    def record(target: TargetSettings) -> list[str]:
        from postdeploy.commands.baseline import record_load_baseline
        from postdeploy.commands.contract import record_contract_baseline
        from postdeploy.config import with_target
        from postdeploy.stages.load import chosen_profile

        live = with_target(config, target)
        path, count = record_contract_baseline(live)
        lines = [f"recorded the contract ({count} example exchanges) → {path}"]
        if not config.target.embedded:
            profile = chosen_profile(False, config.load.profile)
            load_path, run = record_load_baseline(live, profile)
            lines.append(f"recorded the load baseline ({run.requests} requests) → {load_path}")
        return lines

    return record


def _print(outcome: PreflightOutcome) -> None:
    report = outcome.report
    target = report.target
    click.echo(f"postdeploy preflight {report.run_id}: {target.url} "
               f"({target.live_version or 'unknown version'})")  # fmt: skip
    for note in outcome.notes:
        click.echo(f"  {note}")
    for check in report.checks:
        click.echo(f"  {check.state.value:8} {check.check_id:22} {check.detail}")
        if check.fix and check.state.value in ("failed", "error"):
            click.echo(f"  {'':8} {'':22} → {check.fix}")
    colour = {"READY": "green", "NOT_READY": "red", "INCONCLUSIVE": "yellow"}
    click.secho(f"PREFLIGHT: {report.decision.value}", fg=colour[report.decision.value],
                bold=True)  # fmt: skip
    click.echo(f"report: {outcome.run_dir / 'report.html'}")
