"""``postdeploy`` command line: parse, configure, call the library, print, exit.

Exit codes are the pipeline's contract: 0 GO, 1 NO_GO, 2 INCONCLUSIVE (bad input
included), 3 internal error (a bug: the traceback is shown).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import traceback
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

import click

from postdeploy.config import load_config
from postdeploy.errors import PostdeployError
from postdeploy.gate import Decision, Verdict
from postdeploy.runner import RunOutcome, record_unchecked, run

if TYPE_CHECKING:
    from postdeploy.config import Config
    from postdeploy.load.profiles import LoadProfile

__all__ = ["ExitCode", "main"]


class ExitCode(IntEnum):
    GO = 0
    NO_GO = 1
    INCONCLUSIVE = 2
    INTERNAL_ERROR = 3


_EXIT = {
    Decision.GO: ExitCode.GO,
    Decision.NO_GO: ExitCode.NO_GO,
    Decision.INCONCLUSIVE: ExitCode.INCONCLUSIVE,
}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="postdeploy")
def cli() -> None:
    """Post-deployment verification: GO, NO-GO or INCONCLUSIVE, with the evidence."""


@cli.command()
@click.option(
    "--target",
    "url",
    metavar="URL",
    help="Base URL of the release to verify. Default: start the embedded unimedia.",
)
@click.option("--profile", help="smoke (seconds, production-safe) or full (every stage).")
@click.option("--stages", metavar="NAME[,NAME…]", help="Run only these stages.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="postdeploy.toml to read (default: ./postdeploy.toml if present).",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path),
    help="Where runs write reports (default: reports).",
)
@click.option("--expected-version", metavar="VERSION", help="The release that should be live.")
@click.option("--timeout", "timeout_s", type=float, help="Per-request timeout in seconds.")
@click.option("-v", "--verbose", is_flag=True, help="Show progress on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
def verify(
    url: str | None,
    profile: str | None,
    stages: str | None,
    config_file: Path | None,
    report_dir: Path | None,
    expected_version: str | None,
    timeout_s: float | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Verify a deployed release and gate it."""
    _logging(verbose=verbose, debug=debug)
    try:
        config = load_config(
            config_file=config_file,
            overrides={
                "url": url, "profile": profile, "stages": stages, "report_dir": report_dir,
                "expected_version": expected_version, "timeout_s": timeout_s,
            },
        )  # fmt: skip
        outcome = run(config)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        outcome = record_unchecked(
            report_dir or Path("reports"), str(exc), profile=profile or "smoke", url=url
        )
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        traceback.print_exc()
        click.echo("error: internal error in postdeploy (a bug); traceback above", err=True)
        sys.exit(ExitCode.INTERNAL_ERROR)
    _print_summary(outcome)
    sys.exit(_EXIT[outcome.verdict.decision])


@cli.command()
@click.option(
    "--run",
    "run_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports/latest"),
    show_default=True,
    help="The run directory whose reports to use.",
)
@click.option(
    "--allure", is_flag=True, help="Build the Allure HTML report (Allure 3 command line)."
)
def report(run_dir: Path, allure: bool) -> None:
    """Show a finished run's summary, or build its Allure report.

    Without options, prints the run's summary.md (for CI step summaries). With --allure,
    builds RUN/allure-report/index.html; runs in the same report directory share history.
    """
    from postdeploy.reports.allure_build import build_allure_report

    try:
        if not (run_dir / "verdict.json").is_file():
            raise PostdeployError(f"{run_dir} is not a postdeploy run (no verdict.json)")
        if allure:
            built = build_allure_report(run_dir)
            click.echo(f"allure report (Allure {built.version}): {built.index}")
        else:
            click.echo((run_dir / "summary.md").read_text(encoding="utf-8"), nl=False)
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)


@cli.command()
@click.option("--target", "url", metavar="URL", help="Default: the embedded unimedia.")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path))
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.pass_context
def load(
    ctx: click.Context,
    url: str | None,
    load_profile: str | None,
    config_file: Path | None,
    report_dir: Path | None,
    debug: bool,
) -> None:
    """Run the load stage alone: Locust load judged against the baseline."""
    if load_profile:
        os.environ["POSTDEPLOY_LOAD_PROFILE"] = load_profile
    ctx.invoke(
        verify, url=url, profile="full", stages="load", config_file=config_file,
        report_dir=report_dir, expected_version=None, timeout_s=None, verbose=True, debug=debug,
    )  # fmt: skip


@cli.group()
def baseline() -> None:
    """Record what the last good release looked like."""


@baseline.command("record")
@click.option("--stage", type=click.Choice(["load", "contracts"]), required=True)
@click.option("--target", "url", metavar="URL", help="The known-good release (default: embedded).")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
def baseline_record(
    stage: str, url: str | None, load_profile: str | None, config_file: Path | None
) -> None:
    """Measure a known-good release and save it under baselines/."""
    from postdeploy.baseline.record import record_load_baseline

    _logging(verbose=True, debug=False)
    if stage == "contracts":
        _record_contract(url, config_file)
        return
    try:
        path, run = record_load_baseline(*_load_setup(url, load_profile, config_file))
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    click.echo(f"recorded {run.requests} requests over {len(run.endpoints)} endpoints → {path}")


def _load_setup(
    url: str | None, load_profile: str | None, config_file: Path | None
) -> tuple[Config, LoadProfile]:
    """The configuration and the load profile a baseline command measures with
    (``--load-profile`` wins, as ``POSTDEPLOY_LOAD_PROFILE`` for the Locust child too)."""
    from postdeploy.stages.load_stage import chosen_profile

    config = load_config(config_file=config_file, overrides={"url": url})
    if load_profile:
        os.environ["POSTDEPLOY_LOAD_PROFILE"] = load_profile
    return config, chosen_profile(config.target.embedded, config.load.profile)


def _record_contract(url: str | None, config_file: Path | None) -> None:
    from postdeploy.contract.record import record_contract_baseline

    try:
        config = load_config(config_file=config_file, overrides={"url": url})
        path, count = record_contract_baseline(config)
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    click.echo(f"recorded the OpenAPI document and {count} example exchanges → {path}")


@baseline.command("calibrate")
@click.option("--stage", type=click.Choice(["load"]), default="load", show_default=True)
@click.option("--target", "url", metavar="URL", help="The release to measure twice.")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
def baseline_calibrate(
    stage: str, url: str | None, load_profile: str | None, config_file: Path | None
) -> None:
    """A/A run: measure this machine's noise and propose the judge's tolerances."""
    from postdeploy.baseline.record import calibrate_load

    _logging(verbose=True, debug=False)
    try:
        result = calibrate_load(*_load_setup(url, load_profile, config_file))
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    for name, effects in result.observed.items():
        click.echo(
            f"  {name:42} A/A median x{effects['median_ratio']:.3f}  "
            f"tail x{effects['tail_ratio']:.3f}  errors {effects['error_rate_delta']:.2%}"
        )
    t = result.tolerances
    click.echo(
        f"proposed: median x{t.median_ratio}, tail x{t.tail_ratio}, errors "
        f"+{t.error_rate_delta:.2%} → {result.path}"
    )


@cli.command("watch")
@click.option("--target", "url", metavar="URL", help="Default: the embedded unimedia.")
@click.option("--duration", default="24h", show_default=True, help="How long to watch.")
@click.option("--interval", default="1m", show_default=True, help="Rule evaluation interval.")
@click.option("--smoke-every", default="15m", show_default=True, help="Smoke rerun interval.")
@click.option("--status-every", default="30m", show_default=True, help="Status update interval.")
@click.option("--run-id", help="Resume (or name) this watch: reports/<run-id>/watch/.")
@click.option(
    "--scale",
    type=click.Choice(["compressed", "production"]),
    help="Rule windows (default: compressed for the embedded target, else production).",
)
@click.option(
    "--alertmanager-url",
    multiple=True,
    metavar="URL",
    help="Alertmanager-format webhook (repeatable; also POSTDEPLOY_ALERTMANAGER_WEBHOOKS).",
)
@click.option(
    "--slack-url",
    multiple=True,
    metavar="URL",
    help="Slack-format webhook (repeatable; also POSTDEPLOY_SLACK_WEBHOOKS).",
)
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Show progress on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
def watch_command(
    url: str | None,
    duration: str,
    interval: str,
    smoke_every: str,
    status_every: str,
    run_id: str | None,
    scale: str | None,
    alertmanager_url: tuple[str, ...],
    slack_url: tuple[str, ...],
    config_file: Path | None,
    report_dir: Path | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Watch a release for hours: rules, smoke reruns, alerts, status updates, a summary."""
    from postdeploy.watch.rules import parse_duration
    from postdeploy.watch.scheduler import WatchOptions, watch

    _logging(verbose=verbose, debug=debug)
    try:
        config = load_config(
            config_file=config_file, overrides={"url": url, "report_dir": report_dir}
        )
        options = WatchOptions(
            duration_s=parse_duration(duration),
            interval_s=parse_duration(interval),
            smoke_every_s=parse_duration(smoke_every),
            status_every_s=parse_duration(status_every),
            run_id=run_id,
            scale=scale,
            alertmanager_urls=alertmanager_url + _env_list("POSTDEPLOY_ALERTMANAGER_WEBHOOKS"),
            slack_urls=slack_url + _env_list("POSTDEPLOY_SLACK_WEBHOOKS"),
        )
        # A cancelled nightly job (SIGTERM) ends like Ctrl-C: cleanly, with the summary.
        signal.signal(signal.SIGTERM, lambda *_: options.stop.set())
        outcome = watch(config, options)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        outcome = record_unchecked(
            report_dir or Path("reports"), str(exc), profile="smoke", url=url
        )
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        traceback.print_exc()
        click.echo("error: internal error in postdeploy (a bug); traceback above", err=True)
        sys.exit(ExitCode.INTERNAL_ERROR)
    _print_summary(outcome)
    sys.exit(_EXIT[outcome.verdict.decision])


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


@cli.command("rules")
@click.option(
    "--scale",
    type=click.Choice(["compressed", "production"]),
    default="production",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Default: stdout.")
def rules_command(scale: str, output: Path | None) -> None:
    """Print the rollback-trigger rules as a Prometheus alerting-rules file."""
    from postdeploy.watch.rules import COMPRESSED, PRODUCTION, render_rules

    text = render_rules({"compressed": COMPRESSED, "production": PRODUCTION}[scale])
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@cli.command()
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
    from postdeploy.snapshot.cli import run_snapshot

    _logging(verbose=True, debug=False)
    try:
        lines, lost = run_snapshot(
            file, compare=compare, database_url=database_url, blob_dir=blob_dir,
            url=url, sample_size=sample_size, config_file=config_file,
        )  # fmt: skip
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    for line in lines:
        click.echo(line)
    sys.exit(ExitCode.NO_GO if lost else ExitCode.GO)


@cli.group()
def contract() -> None:
    """API contracts: compare OpenAPI documents."""


@contract.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def contract_diff(old: Path, new: Path, output: str) -> None:
    """Classify every change from OLD to NEW (JSON or YAML OpenAPI 3.0/3.1).

    Exit 1 when anything is breaking, 0 when every change is safe, 2 when a file cannot
    be read.
    """
    from postdeploy.contract import SpecError, diff_specs, load_spec
    from postdeploy.contract.render import render_json, render_text

    try:
        changes = diff_specs(load_spec(old), load_spec(new))
    except SpecError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    render = render_json if output == "json" else render_text
    click.echo(render(changes, str(old), str(new)))
    sys.exit(ExitCode.NO_GO if any(change.breaking for change in changes) else ExitCode.GO)


def _logging(*, verbose: bool, debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="postdeploy: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise


def _print_summary(outcome: RunOutcome) -> None:
    verdict: Verdict = outcome.verdict
    if verdict.error:
        click.echo(f"error: {verdict.error}", err=True)
    target = verdict.target
    version = target.live_version or "unknown version"
    click.echo(f"postdeploy {verdict.run_id}: {target.url} ({version}), profile {verdict.profile}")
    for stage in verdict.stages:
        click.echo(
            f"  {stage.name:12} {stage.status.value:8} {len(stage.checks):3} checks "
            f"{stage.duration_s:6.1f} s  {stage.reason}".rstrip()
        )
    colour = {"GO": "green", "NO_GO": "red", "INCONCLUSIVE": "yellow"}[verdict.decision.value]
    fired = ", ".join(trigger.value for trigger in verdict.triggers_fired)
    click.secho(
        f"VERDICT: {verdict.decision.value}" + (f" — triggers fired: {fired}" if fired else ""),
        fg=colour,
        bold=True,
    )
    _print_grouped([f"[{f.severity.value}] {f.trigger.value}: {f.title}" for f in verdict.reasons])
    _print_grouped(
        [
            f"not checked: {item.stage}"
            + (f" · {item.check}" if item.check else "")
            + f": {item.why}"
            for item in verdict.not_checked
        ]
    )
    click.echo(f"report: {outcome.run_dir / 'report.html'}")


def _print_grouped(lines: list[str], limit: int = 5) -> None:
    """Print distinct lines once, with a count, at most ``limit`` of them."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    for line, count in list(counts.items())[:limit]:
        click.echo(f"  {line}" + (f" (x{count})" if count > 1 else ""))
    if len(counts) > limit:
        click.echo(f"  … and {len(counts) - limit} more in the report")


def main() -> None:
    cli()
