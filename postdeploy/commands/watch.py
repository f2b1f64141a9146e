"""``postdeploy watch``: the hours after a deploy — rules, smoke reruns, alerts, a summary."""

from __future__ import annotations

import signal
import traceback
from pathlib import Path

import click

from postdeploy.commands.common import exit_with, internal_error, print_summary, setup_logging
from postdeploy.errors import ConfigError, PostdeployError

__all__ = ["watch"]


@click.command("watch")
@click.option("--target", "url", metavar="URL", help="Default: the embedded unimedia.")
@click.option("--duration", default="24h", show_default=True, help="How long to watch.")
@click.option("--interval", default="1m", show_default=True, help="Rule evaluation interval.")
@click.option("--smoke-every", default="15m", show_default=True, help="Smoke rerun interval.")
@click.option("--status-every", default="30m", show_default=True, help="Status update interval.")
@click.option("--run-id", help="Resume (or name) this watch: reports/<run-id>/watch/.")
@click.option(
    "--steady-for",
    metavar="DURATION",
    help="The final GO needs every rollback trigger quiet this long at the end "
    "(default 1h, 5m compressed; 0: off).",
)
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
    "--alertmanager",
    "alertmanager_api",
    multiple=True,
    metavar="URL",
    help="A real Alertmanager (e.g. http://alertmanager:9093): alerts pushed to its v2 API, "
    "firing and resolved, labelled with release, rollback_trigger and postdeploy_run "
    "(repeatable).",
)
@click.option(
    "--slack-url",
    multiple=True,
    metavar="URL",
    help="Slack-format webhook (repeatable; also POSTDEPLOY_SLACK_WEBHOOKS).",
)
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does on stderr.")
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress and no summary: only the verdict line."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for every error.")
def watch(
    url: str | None,
    duration: str,
    interval: str,
    smoke_every: str,
    status_every: str,
    run_id: str | None,
    steady_for: str | None,
    scale: str | None,
    alertmanager_url: tuple[str, ...],
    alertmanager_api: tuple[str, ...],
    slack_url: tuple[str, ...],
    config_file: Path | None,
    report_dir: Path | None,
    verbose: bool,
    debug: bool,
    quiet: bool = False,
) -> None:
    """Watch a release for hours: rules, smoke reruns, alerts, status updates, a summary.

    Progress goes to stderr: on a terminal a live line (time left, the next evaluation,
    alerts so far), elsewhere one line per alert that fires, nothing with -q.
    """
    from postdeploy.commands.progress_view import ProgressView
    from postdeploy.commands.verify import unchecked
    from postdeploy.config import configured_report_dir, load_config
    from postdeploy.monitoring.rules import parse_duration
    from postdeploy.runner import check_report_dir, interrupted
    from postdeploy.target.leftovers import sweep_leftovers
    from postdeploy.watch.scheduler import WatchOptions
    from postdeploy.watch.scheduler import watch as run_watch

    setup_logging(verbose=verbose, debug=debug)
    view = ProgressView.for_stderr(quiet=quiet)
    try:
        config = load_config(
            config_file=config_file, overrides={"url": url, "report_dir": report_dir}
        )
        check_report_dir(config.report_dir)
        sweep_leftovers()  # what a killed verify or watch left in the temporary directory
        duration_s, interval_s = parse_duration(duration), parse_duration(interval)
        if interval_s > duration_s:
            raise ConfigError(
                f"--interval {interval} is longer than --duration {duration}: the watch "
                "would end before its first evaluation"
            )
        options = WatchOptions(
            duration_s=duration_s,
            interval_s=interval_s,
            smoke_every_s=parse_duration(smoke_every),
            status_every_s=parse_duration(status_every),
            run_id=run_id,
            steady_for_s=None if steady_for is None else parse_duration(steady_for),
            scale=scale,
            alertmanager_urls=alertmanager_url + config.alertmanager_webhooks,
            alertmanager_api_urls=tuple(_checked_url(u) for u in alertmanager_api),
            slack_urls=slack_url + config.slack_webhooks,
            progress=view,
        )
        # A cancelled nightly job (SIGTERM) ends like Ctrl-C: cleanly, with the summary.
        signal.signal(signal.SIGTERM, lambda *_: options.stop.set())
        with view:
            outcome = run_watch(config, options)
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        where = configured_report_dir(config_file=config_file, report_dir=report_dir)
        outcome = unchecked(where, str(exc), "smoke", url)
    except KeyboardInterrupt as exc:
        where = configured_report_dir(config_file=config_file, report_dir=report_dir)
        outcome = unchecked(where, interrupted(exc, "before the watch started"), "smoke", url)
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()
    print_summary(outcome, quiet=quiet)
    exit_with(outcome.verdict.decision)


def _checked_url(url: str) -> str:
    from postdeploy.errors import ConfigError

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--alertmanager {url!r} is not an http(s):// URL")
    return url
