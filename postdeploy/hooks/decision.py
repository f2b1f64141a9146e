"""Run the hook of a verdict's decision: one shell command, its output kept in the run.

What the command gets (environment, beside the caller's own):

``POSTDEPLOY_VERDICT``   the path of ``verdict.json``
``POSTDEPLOY_RUN_DIR``   the run's folder (report.html, summary.md, junit.xml …)
``POSTDEPLOY_RUN_ID``    the run id
``POSTDEPLOY_DECISION``  GO, NO_GO or INCONCLUSIVE
``POSTDEPLOY_TRIGGERS``  the rollback triggers that fired, comma-separated ("" for none)
``POSTDEPLOY_HOOK``      which hook this is: on-go, on-no-go, on-inconclusive

Its stdout and stderr go to ``hooks/<hook>.log`` in the run folder and what happened to
``hooks/<hook>.json``. A hook that fails, hangs past its timeout or cannot start is
reported (one line, and in that file) — and the decision stays what the gate said: a
broken rollback script must never turn a NO_GO into something else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["HOOK_NAMES", "HookOutcome", "hook_environment", "run_decision_hook"]

log = logging.getLogger(__name__)

#: decision (as verdict.json spells it) → the hook's name, as the CLI option spells it
HOOK_NAMES: dict[str, str] = {
    "GO": "on-go",
    "NO_GO": "on-no-go",
    "INCONCLUSIVE": "on-inconclusive",
}


@dataclass(frozen=True, slots=True)
class HookOutcome:
    """What one hook did. ``exit_code is None``: it did not finish (timeout, no start)."""

    hook: str
    command: str
    exit_code: int | None
    duration_s: float
    log: Path
    error: str = ""
    ran: bool = True  # False in a dry run: reported, not run

    @property
    def ok(self) -> bool:
        return self.ran and self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "command": self.command,
            "ran": self.ran,
            "exit_code": self.exit_code,
            "ok": self.ok,
            "duration_s": round(self.duration_s, 3),
            "log": self.log.name,
            "error": self.error,
        }

    def describe(self) -> str:
        """One line for the terminal."""
        if not self.ran:
            return f"hook {self.hook} not run (dry run): {self.command}"
        where = f"hooks/{self.log.name}"
        if self.ok:
            return f"hook {self.hook} ran (exit 0, {self.duration_s:.1f} s): output in {where}"
        why = self.error or f"exit {self.exit_code}"
        return f"hook {self.hook} FAILED ({why}); the decision stands; output in {where}"


def hook_environment(
    base: Mapping[str, str], *, verdict_path: Path, decision: str, triggers: Sequence[str],
    run_id: str, hook: str,
) -> dict[str, str]:  # fmt: skip
    """``base`` plus what the hook needs to know about the verdict."""
    env = dict(base)
    env.update(
        {
            "POSTDEPLOY_VERDICT": str(verdict_path.resolve()),
            "POSTDEPLOY_RUN_DIR": str(verdict_path.resolve().parent),
            "POSTDEPLOY_RUN_ID": run_id,
            "POSTDEPLOY_DECISION": decision,
            "POSTDEPLOY_TRIGGERS": ",".join(triggers),
            "POSTDEPLOY_HOOK": hook,
        }
    )
    return env


def run_decision_hook(
    commands: Mapping[str, str],
    verdict_path: Path,
    *,
    base_env: Mapping[str, str],
    timeout_s: float = 600.0,
    dry_run: bool = False,
) -> HookOutcome | None:
    """Run the hook for the decision recorded in ``verdict_path``, if one is configured.

    ``commands``: hook name (``on-go`` …) → shell command. The decision and triggers are
    read back from the verdict just written: what the hook is told is what the file says.
    In a ``dry_run`` nothing is run (shadow mode must not roll anything back); the outcome
    says what would have run.
    """
    verdict = json.loads(verdict_path.read_text(encoding="utf-8"))
    decision = str(verdict["decision"])
    hook = HOOK_NAMES[decision]
    command = commands.get(hook)
    if not command:
        return None
    folder = verdict_path.parent / "hooks"
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"{hook}.log"
    if dry_run:
        outcome = HookOutcome(hook, command, None, 0.0, log_path, "dry run", ran=False)
        _record(folder, outcome)
        return outcome
    env = hook_environment(
        base_env, verdict_path=verdict_path, decision=decision,
        triggers=[str(t) for t in verdict.get("triggers_fired", [])],
        run_id=str(verdict.get("run_id", "")), hook=hook,
    )  # fmt: skip
    outcome = _run(hook, command, env, log_path, timeout_s, cwd=Path.cwd())
    _record(folder, outcome)
    log.info("%s", outcome.describe())
    return outcome


def _run(
    hook: str, command: str, env: dict[str, str], log_path: Path, timeout_s: float, *, cwd: Path
) -> HookOutcome:
    started = time.monotonic()
    with log_path.open("wb") as output:
        try:
            # A hook is a command line the user wrote (pipes, &&, variables): the shell is
            # the interface, as in CI systems' `run:` steps.
            process = subprocess.Popen(  # noqa: S602
                command, shell=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            return HookOutcome(hook, command, None, 0.0, log_path, f"could not start: {exc}")
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return HookOutcome(
                hook, command, None, time.monotonic() - started, log_path,
                f"timed out after {timeout_s:g} s and was killed",
            )  # fmt: skip
    return HookOutcome(hook, command, code, time.monotonic() - started, log_path)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """The shell and whatever it started: the hook ran in its own session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _record(folder: Path, outcome: HookOutcome) -> None:
    (folder / f"{outcome.hook}.json").write_text(
        json.dumps(outcome.to_dict(), indent=2) + "\n", encoding="utf-8"
    )
