"""The library entry point: ``run(config) -> RunOutcome``. The CLI is a thin shell on it.

Order of work: start (or reach) the target → preflight → run the stages side by side →
gate → write the reports. Every way of *not* being able to check ends in an INCONCLUSIVE
verdict that says what was not checked and why; nothing here ever produces GO by default.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from postdeploy import interrupts
from postdeploy.config import Config, GatePolicy
from postdeploy.errors import ConfigError, PostdeployError
from postdeploy.findings import CheckOutcome, StageResult, StageStatus
from postdeploy.gate import Verdict, build_verdict
from postdeploy.progress import (
    Progress,
    RunNote,
    RunPlanned,
    StageDone,
    StageStarted,
    no_progress,
    shielded,
)
from postdeploy.redact import redact_url
from postdeploy.reports import write_reports
from postdeploy.runid import new_run_id
from postdeploy.stages import PROFILES, Stage, StageContext, select_stages
from postdeploy.target.access import preflight
from postdeploy.target.info import TargetInfo, describe_target
from postdeploy.target.leftovers import sweep_leftovers
from postdeploy.target.lifecycle import started_target
from postdeploy.target.processes import stop_children

__all__ = ["RunOutcome", "check_report_dir", "interrupted", "record_unchecked", "run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """The verdict and where its reports are."""

    verdict: Verdict
    run_dir: Path


def run(
    config: Config,
    *,
    run_id: str | None = None,
    stages: Sequence[Stage] = (),
    progress: Progress = no_progress,
) -> RunOutcome:
    """Verify ``config.target`` with the stages of ``config.profile`` and write reports.

    ``stages``: stages of the caller's own, beside the built-in and plugin ones (see
    :mod:`postdeploy.stages.registry`); ``full`` runs them, ``--stages`` can name them.
    ``progress``: told what the run is doing (:mod:`postdeploy.progress`); the command line
    renders it.
    Raises :class:`~postdeploy.errors.ConfigError` before checking anything when the report
    directory cannot take the run (a file, under a file, ``latest`` a real directory).
    """
    check_report_dir(config.report_dir)
    sweep_leftovers()
    progress = shielded(progress)
    run_id = run_id or new_run_id()
    run_dir = _run_dir(config.report_dir, run_id)
    started = datetime.now(UTC)
    extra = tuple(stages)
    try:
        stages = select_stages(config.profile, config.stages, extra=extra)
    except PostdeployError as exc:
        return _finish_unchecked(config, run_id, run_dir, started, str(exc))

    target_info = describe_target(config.target)
    results: list[StageResult] = []
    error: str | None = None
    progress(RunPlanned(tuple(stage.name for stage in stages)))
    try:
        progress(
            RunNote("starting the embedded unimedia" if config.target.embedded else "preflight")
        )
        needs_metrics = any(stage.name == "monitoring" for stage in stages)
        with started_target(
            config.target,
            run_dir,
            prometheus=needs_metrics,
            faults=config.embedded_faults,
            environment=config.environment,
            https=not config.embedded_http,
        ) as target:
            log.info("target %s", redact_url(target.url or ""))
            checked = preflight(target)
            target_info = describe_target(
                target,
                url=target.url,
                live_version=checked.live_version,
                embedded=config.target.embedded,
            )
            context = StageContext.for_run(config, target, run_id, run_dir, progress=progress)
            results, error = _run_stages(stages, context)
            progress(RunNote("stopping the target, writing the reports"))
    except PostdeployError as exc:
        error = str(exc)
    except KeyboardInterrupt as exc:
        error = interrupted(exc, "before the verification finished")

    verdict = _verdict(
        config, run_id, started, target_info, [s.name for s in stages], results, error
    )
    _publish(verdict, config.report_dir, run_dir, dry_run=config.dry_run)
    return RunOutcome(verdict, run_dir)


def interrupted(exc: KeyboardInterrupt, when: str) -> str:
    """The verdict's reason for a run stopped by SIGINT or SIGTERM."""
    name = str(exc) if str(exc) in ("SIGINT", "SIGTERM") else "SIGINT"
    return f"interrupted ({name}) {when}"


def record_unchecked(
    report_dir: Path,
    error: str,
    *,
    profile: str = "smoke",
    url: str | None = None,
    dry_run: bool = False,
) -> RunOutcome:
    """Write an INCONCLUSIVE verdict for a run that could not even be configured.

    Raises :class:`~postdeploy.errors.ConfigError` when ``report_dir`` cannot hold a run at
    all; a ``latest`` that is not postdeploy's link is left alone.
    """
    _require_directory(report_dir)
    run_id = new_run_id()
    run_dir = _run_dir(report_dir, run_id)
    info = TargetInfo(url or "(not configured)", False, None, None, ())
    started = datetime.now(UTC)
    stages = PROFILES.get(profile, ("smoke",))
    verdict = _verdict(None, run_id, started, info, list(stages), [], error, profile=profile)
    _publish(verdict, report_dir, run_dir, dry_run=dry_run)
    return RunOutcome(verdict, run_dir)


def check_report_dir(report_dir: Path) -> None:
    """Refuse, before any check runs, a report directory that cannot take a whole run."""
    _require_directory(report_dir)
    latest = report_dir / "latest"
    if latest.exists() and not latest.is_symlink():
        raise ConfigError(
            f"{latest} is a real {'directory' if latest.is_dir() else 'file'}, not the link "
            "postdeploy keeps to the newest run: move it away"
        )


def _require_directory(report_dir: Path) -> None:
    for path in (report_dir, *report_dir.parents):
        if path.exists():
            if not path.is_dir():
                raise ConfigError(f"report directory {report_dir}: {path} is not a directory")
            break
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"report directory {report_dir}: {exc.strerror}") from None
    if not os.access(report_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"report directory {report_dir} is not writable")


def _finish_unchecked(
    config: Config, run_id: str, run_dir: Path, started: datetime, error: str
) -> RunOutcome:
    stages = PROFILES.get(config.profile, ("smoke",))
    verdict = _verdict(
        config, run_id, started, describe_target(config.target), list(stages), [], error
    )
    _publish(verdict, config.report_dir, run_dir, dry_run=config.dry_run)
    return RunOutcome(verdict, run_dir)


def _publish(verdict: Verdict, report_dir: Path, run_dir: Path, *, dry_run: bool = False) -> None:
    """Write every report, then point ``latest`` at the run — with SIGINT/SIGTERM held back
    meanwhile, so ``latest`` always names a complete run (issue 16)."""
    with interrupts.deferred():
        write_reports(verdict, run_dir, dry_run=dry_run)
        _point_latest(report_dir, run_dir)


def _run_stages(
    stages: Sequence[Stage], context: StageContext
) -> tuple[list[StageResult], str | None]:
    """Run independent stages side by side, then exclusive ones (load) alone.

    Results keep the registry's order. On SIGINT/SIGTERM: every child process is stopped
    (pytest runs its teardown, so test data is removed), the stages that finished keep
    their results, the others are ERROR, and the second value says why.
    """
    shared = [stage for stage in stages if not stage.exclusive]
    alone = [stage for stage in stages if stage.exclusive]
    results: dict[str, StageResult] = {}
    why: str | None = None
    try:
        _run_side_by_side(shared, context, results)
        for stage in alone:
            _run_side_by_side([stage], context, results)
    except KeyboardInterrupt as exc:
        why = interrupted(exc, "while the stages ran")
        log.warning("%s: stopping the stages", why)
        with interrupts.deferred():
            stopped = stop_children()
            _wait_for(results, stages, STAGE_STOP_TIMEOUT_S)
        log.info("stopped %d child process(es)", stopped)
    ordered = [
        results.get(stage.name) or StageResult(stage.name, StageStatus.ERROR, reason=why or "")
        for stage in stages
        if stage.name in results or why is not None
    ]
    return ordered, why


#: How long interrupted in-process stages get to notice their children are gone.
STAGE_STOP_TIMEOUT_S = 20.0


def _run_side_by_side(
    stages: Sequence[Stage], context: StageContext, results: dict[str, StageResult]
) -> None:
    """Each stage in a daemon thread (a stage stuck in a call cannot keep an interrupted
    run from exiting); wait for all of them, interruptibly."""
    threads = []
    bugs: list[BaseException] = []
    for stage in stages:

        def work(stage: Stage = stage) -> None:
            try:
                results[stage.name] = _run_one(stage, context)
            except Exception as exc:  # noqa: BLE001 - a bug: re-raised in the main thread
                bugs.append(exc)

        thread = threading.Thread(target=work, name=f"stage-{stage.name}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.2)
    if bugs:
        raise bugs[0]


def _wait_for(results: dict[str, StageResult], stages: Sequence[Stage], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    names = [stage.name for stage in stages]
    running = [t for t in threading.enumerate() if t.name.removeprefix("stage-") in names]
    for thread in running:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _run_one(stage: Stage, context: StageContext) -> StageResult:
    log.info("stage %s: running", stage.name)
    context.progress(StageStarted(stage.name))
    started = time.time()
    began = time.monotonic()
    try:
        result = stage.run(context)
    except PostdeployError as exc:
        result = StageResult(stage.name, StageStatus.ERROR, reason=str(exc))
    # Real times for the reports (Allure's timeline): when it began, how long it took here.
    result = replace(
        result,
        started_at=result.started_at or started,
        duration_s=result.duration_s or time.monotonic() - began,
    )
    log.info("stage %s: %s %s", stage.name, result.status.value, result.reason)
    context.progress(
        StageDone(
            stage.name,
            result.status,
            checks=len(result.checks),
            failed=result.count(CheckOutcome.FAILED),
            duration_s=result.duration_s,
            reason=result.reason,
            flaky=result.count(CheckOutcome.FLAKY),
        )
    )
    return result


def _verdict(
    config: Config | None,
    run_id: str,
    started: datetime,
    target: TargetInfo,
    expected: list[str],
    results: list[StageResult],
    error: str | None,
    *,
    profile: str | None = None,
) -> Verdict:
    return build_verdict(
        results,
        expected=expected,
        policy=config.gate if config else GatePolicy(),
        run_id=run_id,
        profile=profile or (config.profile if config else "smoke"),
        target=target,
        started_at=started,
        error=error,
        requested_stages=(config.stages or ()) if config else (),
    )


def _run_dir(report_dir: Path, run_id: str) -> Path:
    path = report_dir / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def _point_latest(report_dir: Path, run_dir: Path) -> None:
    """``reports/latest`` → the newest run (relative, so the directory can be moved).

    A ``latest`` that is not a link is not ours to replace (:func:`check_report_dir`
    refuses it before a run; a verdict recorded despite it is still in ``run_dir``)."""
    latest = report_dir / "latest"
    if latest.exists() and not latest.is_symlink():
        log.info("%s is not a link: left alone; this run is in %s", latest, run_dir)
        return
    temporary = report_dir / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(run_dir.name, target_is_directory=True)
    temporary.replace(latest)
