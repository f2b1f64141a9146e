"""``postdeploy verify`` (the pipeline's gate) and ``postdeploy load`` (the load stage alone)."""

from __future__ import annotations

import traceback
from pathlib import Path

import click

from postdeploy.commands.common import (
    ExitCode,
    exit_with,
    internal_error,
    print_summary,
    setup_logging,
)
from postdeploy.errors import PostdeployError

__all__ = ["load", "verify"]


@click.command()
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
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does on stderr.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress and no summary: only the verdict line."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.option("--load-profile", help="The load stage's profile: quick, standard or soak.")
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
    load_profile: str | None = None,
    quiet: bool = False,
) -> None:
    """Verify a deployed release and gate it.

    Progress goes to stderr: a live table on a terminal, one line per finished stage
    elsewhere (CI), nothing with -q. The summary and the verdict go to stdout.
    """
    from postdeploy.commands.progress_view import ProgressView
    from postdeploy.config import load_config
    from postdeploy.runner import record_unchecked, run

    setup_logging(verbose=verbose, debug=debug)
    try:
        config = load_config(
            config_file=config_file,
            overrides={
                "url": url, "profile": profile, "stages": stages, "report_dir": report_dir,
                "expected_version": expected_version, "timeout_s": timeout_s,
                "load_profile": load_profile,
            },
        )  # fmt: skip
        with ProgressView.for_stderr(quiet=quiet) as view:
            outcome = run(config, progress=view)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        outcome = record_unchecked(
            report_dir or Path("reports"), str(exc), profile=profile or "smoke", url=url
        )
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        raise SystemExit(ExitCode.INCONCLUSIVE) from None
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()
    print_summary(outcome, quiet=quiet)
    exit_with(outcome.verdict.decision)


@click.command()
@click.option("--target", "url", metavar="URL", help="Default: the embedded unimedia.")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path))
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
@click.option("-q", "--quiet", is_flag=True, help="Only the verdict line.")
@click.pass_context
def load(
    ctx: click.Context,
    url: str | None,
    load_profile: str | None,
    config_file: Path | None,
    report_dir: Path | None,
    debug: bool,
    quiet: bool,
) -> None:
    """Run the load stage alone: Locust load judged against the baseline."""
    ctx.invoke(
        verify, url=url, profile="full", stages="load", config_file=config_file,
        report_dir=report_dir, expected_version=None, timeout_s=None, verbose=not quiet,
        debug=debug, load_profile=load_profile, quiet=quiet,
    )  # fmt: skip
