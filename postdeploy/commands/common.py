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

from postdeploy import interrupts
from postdeploy.errors import PostdeployError
from postdeploy.findings import CheckOutcome
from postdeploy.inert import LINE_LIMIT, MESSAGE_LIMIT, inert_line
from postdeploy.redact import redact_text

# gate (config, pydantic, httpx) and reports are imported where a verdict is printed: a
# command that prints none (``contract diff``, ``rules``) starts ~0.5 s faster without them.
if TYPE_CHECKING:
    from postdeploy.gate import Decision, Verdict
    from postdeploy.runner import RunOutcome

__all__ = [
    "ExitCode",
    "error_line",
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


def error_line(message: object) -> None:
    """The one ``error: …`` line on stderr: redacted, inert, one line (issue 16)."""
    click.echo(f"error: {safe_line(str(message), limit=MESSAGE_LIMIT)}", err=True)


def safe_line(text: str, *, limit: int = MESSAGE_LIMIT) -> str:
    return inert_line(redact_text(text), limit=limit)


@contextlib.contextmanager
def one_line_errors(*, debug: bool = False) -> Iterator[None]:
    """Bad input → ``error: …`` on stderr, exit 2; Ctrl-C or SIGTERM → exit 2; anything
    else is a bug → traceback, exit 3. For the commands that write no verdict of their own."""
    interrupts.install()
    try:
        yield
    except PostdeployError as exc:
        if debug:
            traceback.print_exc()
        error_line(exc)
        sys.exit(ExitCode.INCONCLUSIVE)
    except KeyboardInterrupt as exc:
        error_line(f"interrupted ({exc or 'SIGINT'})")
        sys.exit(ExitCode.INCONCLUSIVE)
    except Exception:  # noqa: BLE001 - a bug: say so loudly, with the traceback
        internal_error()


class _SafeRecords(logging.Filter):
    """Every log line redacted and inert, whoever wrote it (a library logging a URL with
    its credentials, a target's text in a message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = safe_line(record.getMessage(), limit=MESSAGE_LIMIT)
        record.args = None
        return True


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
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _SafeRecords) for f in handler.filters):
            handler.addFilter(_SafeRecords())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    # urllib3 (under requests: the Prometheus and ZAP clients) says "Retrying …" for every
    # attempt at a dead server; the stage reports the outcome in one line (issue 16).
    logging.getLogger("urllib3").setLevel(logging.ERROR)


def print_summary(outcome: RunOutcome, *, quiet: bool = False) -> None:
    """The verdict for a terminal: one line per stage, the decision, its reasons.
    ``quiet``: the verdict line alone (the embedded default's notice with it, and an
    ``error:`` line on stderr, if any)."""
    from postdeploy.gate import Decision
    from postdeploy.reports.wording import EMBEDDED_NOTICE

    verdict = outcome.verdict
    if verdict.error:
        error_line(verdict.error)
    elif verdict.decision is Decision.INCONCLUSIVE:
        # Stage-level bad input (a malformed baseline, ZAP unreachable, no browser) gets the
        # same one line as a bad config: what could not be checked, and why (issue 16).
        blocking = [item for item in verdict.not_checked if item.blocking]
        if blocking:
            first = blocking[0]
            where = first.stage + (f" · {first.check}" if first.check else "")
            more = f" (and {len(blocking) - 1} more in the report)" if len(blocking) > 1 else ""
            error_line(f"not checked: {where}: {first.why}{more}")
    colour = {"GO": "green", "NO_GO": "red", "INCONCLUSIVE": "yellow"}[verdict.decision.value]
    fired = ", ".join(trigger.value for trigger in verdict.triggers_fired)
    line = f"VERDICT: {verdict.decision.value}" + (f" — triggers fired: {fired}" if fired else "")
    target = verdict.target
    if quiet:
        click.secho(line, fg=colour, bold=True)
        if target.embedded:
            # said wherever a verdict of the embedded default is shown, -q included (issue 16)
            click.secho(f"  NOTE: {EMBEDDED_NOTICE}", bold=True)
        return
    version = target.live_version or "unknown version"
    click.echo(f"postdeploy {verdict.run_id}: {target.url} ({version}), {_ran(verdict)}")
    if target.embedded:
        click.secho(f"  NOTE: {EMBEDDED_NOTICE}", bold=True)
    for stage in verdict.stages:
        flaky = stage.count(CheckOutcome.FLAKY)
        click.echo(
            f"  {stage.name:12} {stage.status.value:8} {len(stage.checks):3} checks "
            f"{stage.duration_s:6.1f} s  {safe_line(stage.reason, limit=LINE_LIMIT)}".rstrip()
            + (f" ({flaky} flaky)" if flaky and "flaky" not in stage.reason else "")
        )
        note = verdict.stage_note(stage)
        if note:
            click.echo(f"  {'':12} {safe_line(note, limit=LINE_LIMIT)}")
    click.secho(line, fg=colour, bold=True)
    _print_grouped(
        [f"[{f.severity.value}] {f.trigger.value}: {safe_line(f.title)}" for f in verdict.reasons]
    )
    _print_grouped(
        [
            f"not checked: {item.stage}"
            + (f" · {safe_line(item.check, limit=LINE_LIMIT)}" if item.check else "")
            + f": {safe_line(item.why, limit=LINE_LIMIT)}"
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
