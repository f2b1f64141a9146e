"""``postdeploy rules``: the rollback-trigger rules as a Prometheus alerting-rules file."""

from __future__ import annotations

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
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Default: stdout.")
def rules(scale: str, output: Path | None) -> None:
    """Print the rollback-trigger rules as a Prometheus alerting-rules file."""
    from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, render_rules

    text = render_rules({"compressed": COMPRESSED, "production": PRODUCTION}[scale])
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
