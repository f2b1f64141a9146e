"""``postdeploy rules``: the rollback-trigger rules, or the SLO burn-rate rules, as a
Prometheus rules file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["rules"]


@click.command("rules")
@click.option(
    "--scale",
    type=click.Choice(["compressed", "production"]),
    default="production",
    show_default=True,
)
@click.option(
    "--slo",
    is_flag=True,
    help="The SLOs' multi-window, multi-burn-rate rules (recording + alerting) instead.",
)
@click.option(
    "--sloth",
    "sloth_file",
    type=click.Path(path_type=Path),
    help="With --slo: a Sloth prometheus/v1 spec file (else [[slo]] / the defaults).",
)
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Default: stdout.")
def rules(
    scale: str, slo: bool, sloth_file: Path | None, config_file: Path | None, output: Path | None
) -> None:
    """Print the rollback-trigger rules (or, with --slo, the SLO rules) for Prometheus."""
    from postdeploy.config import MonitoringSettings, load_config
    from postdeploy.errors import PostdeployError
    from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, render_rules
    from postdeploy.monitoring.slo import configured_objectives, render_slo_rules

    windows = {"compressed": COMPRESSED, "production": PRODUCTION}[scale]
    try:
        if slo or sloth_file is not None:
            settings = (
                MonitoringSettings(slo_file=sloth_file)
                if sloth_file is not None
                else load_config(config_file=config_file).monitoring
            )
            if sloth_file is not None and not sloth_file.is_file():
                raise click.UsageError(f"Sloth spec not found: {sloth_file}")
            text = render_slo_rules(configured_objectives(settings), windows)
        else:
            text = render_rules(windows)
    except PostdeployError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
