"""``postdeploy contract diff`` and the recording behind ``baseline record --stage contracts``.

``diff`` classifies every change between two OpenAPI documents (exit 1 when anything at or
above ``--fail-on`` is found, 2 when nothing could be judged);
:func:`record_contract_baseline` captures a known-good release's document and its example
exchanges, which the contract stage replays against the next release.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from postdeploy.commands.common import ExitCode, one_line_errors

if TYPE_CHECKING:
    from postdeploy.config import Config

__all__ = ["contract", "record_contract_baseline"]


def record_contract_baseline(config: Config, path: Path | None = None) -> tuple[Path, int]:
    """Fetch the release's OpenAPI, record every example exchange; return (file, examples)."""
    # imported here: `contract diff` needs none of it, and a pipeline runs it often
    from postdeploy.contract.record import record_contract
    from postdeploy.target.lifecycle import started_target

    path = path or config.baseline_dir / "contract.json"
    with (
        tempfile.TemporaryDirectory(prefix="postdeploy-baseline-") as scratch,
        started_target(
            config.target, Path(scratch),
            faults=config.embedded_faults, environment=config.environment,
            https=not config.embedded_http,
        ) as target,
    ):  # fmt: skip
        return path, record_contract(target, path)


@click.group()
def contract() -> None:
    """API contracts: compare OpenAPI documents."""


@contract.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format", "output", type=click.Choice(["text", "json", "markdown", "github"]),
    default="text", show_default=True,
    help="github: GitHub Actions annotations; markdown: for a step summary or PR comment.",
)  # fmt: skip
@click.option(
    "--fail-on", type=click.Choice(["breaking", "warning"]), default="breaking",
    show_default=True, help="The least level of change that makes the exit code 1.",
)  # fmt: skip
@click.option(
    "--ignore", "ignore_file", type=click.Path(path_type=Path), default=None,
    help="Accepted changes, one '<rule> <JSON path>' a line (* matches anything).",
)  # fmt: skip
def diff(old: Path, new: Path, output: str, fail_on: str, ignore_file: Path | None) -> None:
    """Classify every change from OLD to NEW (JSON or YAML OpenAPI 3.0/3.1).

    Exit 1 when a change at or above --fail-on is found (and not ignored), 0 when there is
    none, 2 when a file cannot be read or compared (nothing was judged: never 0 or 1).
    """
    from postdeploy.contract.collector import collector_paused

    # the whole command, not each step: every step's objects live until the command ends,
    # and a collector switched on between steps would walk the documents again each time
    with collector_paused():
        _diff(old, new, output, fail_on, ignore_file)


def _diff(old: Path, new: Path, output: str, fail_on: str, ignore_file: Path | None) -> None:
    """:func:`diff`'s work: read, compare, filter, render; the exit code."""
    from postdeploy.contract import Level, SpecTooComplex, diff_specs, load_spec
    from postdeploy.contract.ignore import apply_ignores, read_ignore_file
    from postdeploy.contract.render import Report, render

    with one_line_errors():
        entries = read_ignore_file(ignore_file) if ignore_file is not None else []
        try:
            changes = diff_specs(load_spec(old), load_spec(new))
        except RecursionError:
            # every walk is bounded (postdeploy.contract.limits); should one still run too
            # deep, the answer is "could not compare", never a verdict (issue 16)
            raise SpecTooComplex(f"{old} → {new}: nested too deeply to compare") from None
    accepted = apply_ignores(changes, entries)
    for entry in accepted.unused:
        click.echo(f"warning: {ignore_file}:{entry.line}: matched no change "
                   f"({entry.rule} {entry.path})", err=True)  # fmt: skip
    report = Report(str(old), str(new), accepted.counted, accepted.ignored, Level[fail_on.upper()])
    click.echo(render(report, output))
    raise SystemExit(ExitCode.NO_GO if report.failing() else ExitCode.GO)
