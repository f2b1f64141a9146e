"""A stage made of pytest checks, run in a pytest subprocess.

A subprocess, not ``pytest.main()`` in-process: stages run side by side, a crashing or
hanging suite cannot take the verdict down with it, and heavy imports (Playwright, Locust's
gevent patching) stay out of the runner. The child's environment:
:mod:`postdeploy.target.child_env`.

Progress: the child's plugin appends a JSON line per finished check to
``stages/<name>/progress.jsonl``; a thread here follows the file while the child runs and
hands each event to ``context.progress``. A file rather than a pipe: pytest owns the
child's stdout, xdist workers never write it (only the controller does), and a file
survives a crashed child for whoever looks afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from postdeploy.findings import CheckResult, Finding, StageResult, StageStatus
from postdeploy.progress import Progress, Ticker, from_json_line
from postdeploy.stages.base import StageContext
from postdeploy.target.child_env import PROJECT_ROOT, target_environment
from postdeploy.target.leftovers import owned_tempdir
from postdeploy.target.processes import run_child

__all__ = ["PytestStage"]

_Attached = TypeVar("_Attached", Finding, CheckResult)


@dataclass(frozen=True, slots=True)
class PytestStage:
    """Run the tests under ``paths`` selected by ``marker`` and read back their result."""

    name: str
    marker: str
    paths: tuple[str, ...]
    timeout_s: float = 300.0
    workers: int | None = None
    exclusive: bool = False  # runs beside the other stages

    def run(self, context: StageContext) -> StageResult:
        stage_dir = context.stage_dir(self.name)
        results_file = stage_dir / "result.json"
        log_file = stage_dir / "pytest.log"
        progress_file = stage_dir / "progress.jsonl"
        progress_file.unlink(missing_ok=True)
        missing = [path for path in self.paths if not (PROJECT_ROOT / path).exists()]
        if missing:
            return _error(self.name, f"suite not found: {PROJECT_ROOT / missing[0]}", 0.0)
        command = [
            sys.executable, "-m", "pytest",
            *(str(PROJECT_ROOT / path) for path in self.paths),
            "-m", self.marker,
            "--rootdir", str(PROJECT_ROOT),
            *_project_config(),
            "-p", "no:cacheprovider",
            "-q", "-rfEs",
            "--postdeploy-stage", self.name,
            "--postdeploy-results", str(results_file),
            "--postdeploy-run-id", context.run_id,
            "--postdeploy-progress", str(progress_file),
            "--alluredir", str(context.run_dir / "allure-results"),
        ]  # fmt: skip
        if context.config_file is not None:
            # The child reads the same file (accounts, [browser] path) as this run did.
            command += ["--postdeploy-config", str(context.config_file.resolve())]
        if self.workers:
            command += ["-n", str(self.workers)]
        started = time.monotonic()
        # The child's temporary files (Playwright's traces and network logs hold the login
        # forms' passwords) live in a directory of the run's, removed when the child ends,
        # and by the next run if this one is killed (issue 16; the full secrets sweep).
        scratch = owned_tempdir(f"stage-{self.name}")
        with log_file.open("wb") as log, _Follow(progress_file, context.progress):
            try:
                run_child(  # own session, stopped by an interrupted run (issue 16)
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=target_environment(context.target, context.run_id, context.environment)
                    # the suites' only way to know the target is the embedded reference
                    # (whose frozen contract ships with the code)
                    | ({"POSTDEPLOY_EMBEDDED": "1"} if context.embedded else {})
                    | {"TMPDIR": str(scratch)},
                    timeout_s=self.timeout_s,
                )
            except subprocess.TimeoutExpired:
                return _error(
                    self.name,
                    f"did not finish within {self.timeout_s:.0f} s",
                    time.monotonic() - started,
                )
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        duration = time.monotonic() - started
        if not results_file.exists():
            return _error(self.name, "pytest ended without a result: " + _tail(log_file), duration)
        try:
            result = StageResult.from_dict(json.loads(results_file.read_text(encoding="utf-8")))
        except (ValueError, KeyError) as exc:
            return _error(self.name, f"unreadable stage result: {exc}", duration)
        return StageResult(
            name=self.name,
            status=result.status,
            duration_s=duration,
            reason=result.reason,
            findings=tuple(_rebased(f, stage_dir, context.run_dir) for f in result.findings),
            checks=tuple(_rebased(c, stage_dir, context.run_dir) for c in result.checks),
            metrics=result.metrics,
            artifacts=(*result.artifacts, str(log_file.relative_to(context.run_dir))),
            charts=result.charts,
        )


class _Follow(Ticker):
    """Follow a growing JSON-lines file in a thread until the block ends, then read the
    rest: every complete line becomes an event; a torn last line waits for its end."""

    POLL_S = 0.2

    def __init__(self, path: Path, progress: Progress) -> None:
        super().__init__(self.POLL_S, name="postdeploy-progress", final_tick=True)
        self._path = path
        self._progress = progress
        self._offset = 0
        self._partial = ""

    def tick(self) -> None:
        self._read()

    def _read(self) -> None:
        try:
            with self._path.open("r", encoding="utf-8", errors="replace") as source:
                source.seek(self._offset)
                chunk = source.read()
                self._offset = source.tell()
        except FileNotFoundError:
            return  # the child has not started writing yet
        lines = (self._partial + chunk).split("\n")
        self._partial = lines.pop()
        for line in lines:
            event = from_json_line(line)
            if event is not None:
                self._progress(event)


def _rebased(item: _Attached, stage_dir: Path, run_dir: Path) -> _Attached:
    """The child reports attachments relative to the stage directory; reports need them
    relative to the run directory (where report.html and verdict.json are)."""
    if not item.attachments:
        return item
    prefix = stage_dir.relative_to(run_dir).as_posix()
    return replace(
        item,
        attachments=tuple(
            path if Path(path).is_absolute() else f"{prefix}/{path}" for path in item.attachments
        ),
    )


def _project_config() -> list[str]:
    """``-c`` the repository's pyproject.toml, where there is one (a source checkout).

    Without it pytest looks for its configuration above the common ancestor of every
    positional-looking argument, and the values of plugin options it does not know yet
    (``--alluredir DIR``) count: a report directory outside the repository made the child
    run with no configuration at all — entry-point autoloading on, no strict markers —
    and one inside it with the repository's. The same run now reads the same file.
    """
    config = PROJECT_ROOT / "pyproject.toml"
    return ["-c", str(config)] if config.is_file() else []


def _error(name: str, reason: str, duration: float) -> StageResult:
    return StageResult(name=name, status=StageStatus.ERROR, duration_s=duration, reason=reason)


def _tail(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
