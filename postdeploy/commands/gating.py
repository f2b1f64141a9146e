"""What ``verify`` does with its verdict beyond printing it: hooks, dry run, exit codes.

Kept out of ``verify.py`` so that the command stays a thin shell: these options decide how
the verdict *feeds* the decision (a rollback hook, a shadow run, a Job's exit code), and
never what the verdict is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import click

from postdeploy.commands.common import ExitCode

if TYPE_CHECKING:
    from postdeploy.runner import RunOutcome
    from postdeploy.stages import Stage

__all__ = ["Gating", "gating_options"]


@dataclass(frozen=True, slots=True)
class Gating:
    """The options, as one value the command passes around."""

    hooks: dict[str, str]
    hook_timeout_s: float
    dry_run: bool
    inconclusive_exit_code: int
    rollback_of: str | None

    def profile(self, profile: str | None) -> str | None:
        """``--rollback-of`` implies the rollback profile unless another is named (``--stages``
        still picks which of its stages run; the reports then say "rollback")."""
        if self.rollback_of and not profile:
            return "rollback"
        return profile

    def extra_stages(self) -> list[Stage]:
        from postdeploy.rollback import RollbackStage

        return [RollbackStage(of_version=self.rollback_of)] if self.rollback_of else []

    def check(self, profile: str | None, stages: str | None = None) -> str | None:
        """A usage error, or None."""
        named = {part.strip() for part in (stages or "").split(",")}
        if (profile == "rollback" or "rollback" in named) and not self.rollback_of:
            return "the rollback profile/stage needs --rollback-of VERSION (the rolled-back one)"
        return None

    def finish(self, outcome: RunOutcome) -> NoReturn:
        """Hooks (after the reports), the dry-run note, then the exit code."""
        from postdeploy.config import process_environment
        from postdeploy.hooks import run_decision_hook

        verdict_path = outcome.run_dir / "verdict.json"
        ran = run_decision_hook(
            self.hooks, verdict_path, base_env=process_environment(),
            timeout_s=self.hook_timeout_s, dry_run=self.dry_run,
        )  # fmt: skip
        if ran is not None:
            click.echo(ran.describe(), err=not ran.ok and ran.ran)
        decision = outcome.verdict.decision
        if self.dry_run:
            click.echo(
                f"DRY RUN: the gate would have said {decision.value} "
                f"(exit {self._code(decision.name)}); exiting 0"
            )
            sys.exit(ExitCode.GO)
        sys.exit(self._code(decision.name))

    def _code(self, decision: str) -> int:
        if decision == "INCONCLUSIVE":
            return self.inconclusive_exit_code
        return int(ExitCode[decision])


def gating_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options; the command receives them as ``gating: Gating``."""
    options = [
        click.option("--on-go", metavar="CMD", help="Run CMD (a shell command) after a GO."),
        click.option("--on-no-go", metavar="CMD", help="Run CMD after a NO_GO (e.g. roll back)."),
        click.option("--on-inconclusive", metavar="CMD", help="Run CMD after an INCONCLUSIVE."),
        click.option(
            "--hook-timeout",
            type=float,
            default=600.0,
            show_default=True,
            help="Seconds a hook may take before it is killed (and reported as failed).",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Shadow mode: run and report everything, exit 0; the would-be decision is "
            "in verdict.json and summary.md; hooks are reported, not run.",
        ),
        click.option(
            "--inconclusive-exit-code",
            type=click.IntRange(0, 125),
            default=2,
            show_default=True,
            help="Exit code for INCONCLUSIVE (a Kubernetes Job, or a CI step, cannot say "
            "'inconclusive').",
        ),
        click.option(
            "--rollback-of",
            metavar="VERSION",
            help="Verify a rollback: VERSION was rolled back; runs the rollback profile.",
        ),
    ]

    def wrapped(**kwargs: Any) -> Any:
        gating = Gating(
            hooks={
                name: kwargs.pop(key)
                for name, key in (("on-go", "on_go"), ("on-no-go", "on_no_go"),
                                  ("on-inconclusive", "on_inconclusive"))
                if kwargs.get(key)
            },
            hook_timeout_s=kwargs.pop("hook_timeout"),
            dry_run=kwargs.pop("dry_run"),
            inconclusive_exit_code=kwargs.pop("inconclusive_exit_code"),
            rollback_of=kwargs.pop("rollback_of"),
        )  # fmt: skip
        for key in ("on_go", "on_no_go", "on_inconclusive"):
            kwargs.pop(key, None)
        return command(gating=gating, **kwargs)

    wrapped.__name__ = command.__name__
    wrapped.__doc__ = command.__doc__
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped
