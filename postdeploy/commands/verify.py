"""``postdeploy verify`` (the pipeline's gate) and ``postdeploy load`` (the load stage alone)."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import click

from postdeploy import interrupts
from postdeploy.commands.common import (
    ExitCode,
    error_line,
    internal_error,
    print_summary,
    setup_logging,
)
from postdeploy.commands.gating import Gating, gating_options
from postdeploy.errors import PostdeployError

if TYPE_CHECKING:
    from postdeploy.runner import RunOutcome

__all__ = ["load", "verify"]


@click.command()
@click.option(
    "--target",
    "url",
    metavar="URL",
    help="Base URL of the release to verify. Default: start the embedded unimedia.",
)
@click.option(
    "--profile",
    help="smoke (seconds, production-safe), full (every stage), or rollback (--rollback-of).",
)
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
# A string, validated by the config: `--timeout abc` is bad input with a verdict, not only
# click's usage text (issue 16).
@click.option("--timeout", "timeout_s", metavar="SECONDS", help="Per-request timeout in seconds.")
@click.option(
    "--active-scan",
    is_flag=True,
    default=None,
    help="Let the vulnerability scan (ZAP or Wapiti) attack a target that is not on this machine.",
)
@click.option(
    "--max-scan-time",
    "max_scan_time_s",
    type=float,
    metavar="SECONDS",
    help="Bound on the whole Wapiti scan (default 300).",
)
@click.option(
    "--baseline-target",
    metavar="URL",
    help="The previous release, still running: load it together with the target (paired) "
    "instead of comparing with a recorded load baseline.",
)
@click.option(
    "--embedded-http",
    is_flag=True,
    default=None,
    help="Serve the embedded unimedia over plain HTTP (default: HTTPS with the run's own CA).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does on stderr.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress and no summary: only the verdict line."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.option("--load-profile", help="The load stage's profile: quick, standard or soak.")
@gating_options
def verify(
    url: str | None,
    profile: str | None,
    stages: str | None,
    config_file: Path | None,
    report_dir: Path | None,
    expected_version: str | None,
    timeout_s: str | None,
    active_scan: bool | None,
    max_scan_time_s: float | None,
    verbose: bool,
    debug: bool,
    load_profile: str | None = None,
    baseline_target: str | None = None,
    gating: Gating | None = None,
    quiet: bool = False,
    embedded_http: bool | None = None,
) -> None:
    """Verify a deployed release and gate it.

    Progress goes to stderr: a live table on a terminal, one line per finished stage
    elsewhere (CI), nothing with -q. The summary and the verdict go to stdout.
    """
    from postdeploy.commands.progress_view import ProgressView
    from postdeploy.config import configured_report_dir, load_config
    from postdeploy.errors import ConfigError
    from postdeploy.runner import interrupted, run

    gating = gating or Gating({}, 600.0, False, int(ExitCode.INCONCLUSIVE), None)
    profile = gating.profile(profile)
    setup_logging(verbose=verbose, debug=debug)
    interrupts.install()  # SIGTERM ends the run like Ctrl-C: children stopped, a verdict
    try:
        if problem := gating.check(profile, stages):
            raise ConfigError(problem)
        config = load_config(
            config_file=config_file,
            overrides={
                "url": url, "profile": profile, "stages": stages, "report_dir": report_dir,
                "expected_version": expected_version, "timeout_s": timeout_s,
                "load_profile": load_profile,
                "dry_run": gating.dry_run,
                "active_scan": active_scan, "max_scan_time_s": max_scan_time_s,
                "baseline_target": baseline_target,
                "embedded_http": embedded_http,
            },
        )  # fmt: skip
        with ProgressView.for_stderr(quiet=quiet) as view:
            outcome = run(config, stages=gating.extra_stages(), progress=view)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        where = configured_report_dir(config_file=config_file, report_dir=report_dir)
        outcome = unchecked(where, str(exc), profile, url, dry_run=gating.dry_run)
    except KeyboardInterrupt as exc:
        where = configured_report_dir(config_file=config_file, report_dir=report_dir)
        outcome = unchecked(
            where, interrupted(exc, "before the run started"), profile, url,
            dry_run=gating.dry_run,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()
    print_summary(outcome, quiet=quiet)
    gating.finish(outcome)


def unchecked(
    report_dir: Path, error: str, profile: str | None, url: str | None, *, dry_run: bool = False
) -> RunOutcome:
    """The INCONCLUSIVE verdict of a run that could not start; when even the report
    directory is unusable, the verdict is only printed (one ``error:`` line, exit 2)."""
    from postdeploy.runner import record_unchecked

    try:
        return record_unchecked(
            report_dir, error, profile=profile or "smoke", url=url, dry_run=dry_run
        )
    except PostdeployError as exc:
        error_line(error if str(exc) in error else f"{error}; and no reports written: {exc}")
        click.echo("VERDICT: INCONCLUSIVE (no reports written)")
        raise SystemExit(ExitCode.INCONCLUSIVE) from None


@click.command()
@click.option("--target", "url", metavar="URL", help="Default: the embedded unimedia.")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path))
@click.option(
    "--baseline-target", metavar="URL", help="The previous release, still running (paired)."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.option("-q", "--quiet", is_flag=True, help="Only the verdict line.")
@click.pass_context
def load(
    ctx: click.Context,
    url: str | None,
    load_profile: str | None,
    config_file: Path | None,
    report_dir: Path | None,
    baseline_target: str | None,
    debug: bool,
    quiet: bool,
) -> None:
    """Run the load stage alone: Locust load judged against the baseline."""
    ctx.invoke(
        verify, url=url, profile="full", stages="load", config_file=config_file,
        report_dir=report_dir, expected_version=None, timeout_s=None, verbose=not quiet,
        debug=debug, load_profile=load_profile, quiet=quiet,
        baseline_target=baseline_target,
    )  # fmt: skip
