"""What every subcommand shares: exit codes, logging set-up, one error ladder, the summary.

Exit codes are the pipeline's contract: 0 GO, 1 NO_GO, 2 INCONCLUSIVE (bad input
included), 3 internal error (a bug: the traceback is shown).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from enum import IntEnum
from typing import TYPE_CHECKING, NoReturn

import click

from postdeploy.errors import PostdeployError
from postdeploy.findings import CheckOutcome

if TYPE_CHECKING:
    from postdeploy.gate import Decision, Verdict
    from postdeploy.runner import RunOutcome

__all__ = [
    "ExitCode",
    "exit_with",
    "internal_error",
    "one_line_errors",
    "print_summary",
    "setup_logging",
]


class ExitCode(IntEnum):
    GO = 0
    NO_GO = 1
    INCONCLUSIVE = 2
    INTERNAL_ERROR = 3


def exit_with(decision: Decision) -> NoReturn:
    """Leave with the exit code of ``decision``."""
    sys.exit(ExitCode[decision.name])


def internal_error() -> NoReturn:
    """A bug: the traceback, one line that says so, exit 3."""
    traceback.print_exc()
    click.echo("error: internal error in postdeploy (a bug); traceback above", err=True)
    sys.exit(ExitCode.INTERNAL_ERROR)


@contextlib.contextmanager
def one_line_errors(*, debug: bool = False) -> Iterator[None]:
    """Bad input → ``error: …`` on stderr, exit 2; Ctrl-C → exit 2; anything else is a
    bug → traceback, exit 3. For the commands that write no verdict of their own."""
    try:
        yield
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(ExitCode.INCONCLUSIVE)
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()


class _CurrentStderr:
    """``sys.stderr`` as it is when a line is written, not when logging was set up: the
    live progress display swaps it for a proxy that prints above its table."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def setup_logging(*, verbose: bool, debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="postdeploy: %(message)s",
        stream=_CurrentStderr(),  # type: ignore[arg-type]  # write + flush is all it uses
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise


def print_summary(outcome: RunOutcome, *, quiet: bool = False) -> None:
    """The verdict for a terminal: one line per stage, the decision, its reasons.
    ``quiet``: the verdict line alone (and an ``error:`` line on stderr, if any)."""
    verdict = outcome.verdict
    if verdict.error:
        click.echo(f"error: {verdict.error}", err=True)
    colour = {"GO": "green", "NO_GO": "red", "INCONCLUSIVE": "yellow"}[verdict.decision.value]
    fired = ", ".join(trigger.value for trigger in verdict.triggers_fired)
    line = f"VERDICT: {verdict.decision.value}" + (f" — triggers fired: {fired}" if fired else "")
    if quiet:
        click.secho(line, fg=colour, bold=True)
        return
    target = verdict.target
    version = target.live_version or "unknown version"
    click.echo(f"postdeploy {verdict.run_id}: {target.url} ({version}), {_ran(verdict)}")
    for stage in verdict.stages:
        flaky = stage.count(CheckOutcome.FLAKY)
        click.echo(
            f"  {stage.name:12} {stage.status.value:8} {len(stage.checks):3} checks "
            f"{stage.duration_s:6.1f} s  {stage.reason}".rstrip()
            + (f" ({flaky} flaky)" if flaky and "flaky" not in stage.reason else "")
        )
        note = verdict.stage_note(stage)
        if note:
            click.echo(f"  {'':12} {note}")
    click.secho(line, fg=colour, bold=True)
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


def _ran(verdict: Verdict) -> str:
    """ "profile full", or the stages ``--stages`` named (the profile did not choose them)."""
    if verdict.requested_stages:
        return "stages " + ", ".join(verdict.requested_stages)
    return f"profile {verdict.profile}"


def _print_grouped(lines: list[str], limit: int = 5) -> None:
    """Print distinct lines once, with a count, at most ``limit`` of them."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    for line, count in list(counts.items())[:limit]:
        click.echo(f"  {line}" + (f" (x{count})" if count > 1 else ""))
    if len(counts) > limit:
        click.echo(f"  … and {len(counts) - limit} more in the report")
