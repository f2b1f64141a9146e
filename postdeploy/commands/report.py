"""``postdeploy report``: a finished run's summary, or its Allure report."""

from __future__ import annotations

from pathlib import Path

import click

from postdeploy.commands.common import one_line_errors
from postdeploy.errors import PostdeployError

__all__ = ["report"]


@click.command()
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

    with one_line_errors():
        if not (run_dir / "verdict.json").is_file():
            raise PostdeployError(f"{run_dir} is not a postdeploy run (no verdict.json)")
        if allure:
            built = build_allure_report(run_dir)
            click.echo(f"allure report (Allure {built.version}): {built.index}")
        else:
            summary = run_dir / "summary.md"
            try:
                text = summary.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = getattr(exc, "strerror", None) or "not UTF-8 text"
                raise PostdeployError(f"{summary}: cannot read the run's summary: {why}") from None
            click.echo(text, nl=False)
