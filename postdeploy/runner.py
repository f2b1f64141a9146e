"""The library entry point: ``run(config) -> RunOutcome``. The CLI is a thin shell on it.

Order of work: start (or reach) the target → preflight → run the stages side by side →
gate → write the reports. Every way of *not* being able to check ends in an INCONCLUSIVE
verdict that says what was not checked and why; nothing here ever produces GO by default.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from postdeploy.config import Config, GatePolicy
from postdeploy.errors import PostdeployError
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
from postdeploy.reports import write_reports
from postdeploy.runid import new_run_id
from postdeploy.stages import PROFILES, Stage, StageContext, select_stages
from postdeploy.target.access import preflight
from postdeploy.target.info import TargetInfo, describe_target
from postdeploy.target.lifecycle import started_target

__all__ = ["RunOutcome", "record_unchecked", "run"]

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
    """
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
        ) as target:
            log.info("target %s", target.url)
            checked = preflight(target)
            target_info = describe_target(
                target,
                url=target.url,
                live_version=checked.live_version,
                embedded=config.target.embedded,
            )
            context = StageContext.for_run(config, target, run_id, run_dir, progress=progress)
            results = _run_stages(stages, context)
            progress(RunNote("stopping the target, writing the reports"))
    except PostdeployError as exc:
        error = str(exc)
    except KeyboardInterrupt:
        error = "interrupted before the verification finished"

    verdict = _verdict(
        config, run_id, started, target_info, [s.name for s in stages], results, error
    )
    write_reports(verdict, run_dir)
    _point_latest(config.report_dir, run_dir)
    return RunOutcome(verdict, run_dir)


def record_unchecked(
    report_dir: Path, error: str, *, profile: str = "smoke", url: str | None = None
) -> RunOutcome:
    """Write an INCONCLUSIVE verdict for a run that could not even be configured."""
    run_id = new_run_id()
    run_dir = _run_dir(report_dir, run_id)
    info = TargetInfo(url or "(not configured)", url is None, None, None, ())
    started = datetime.now(UTC)
    stages = PROFILES.get(profile, ("smoke",))
    verdict = _verdict(None, run_id, started, info, list(stages), [], error, profile=profile)
    write_reports(verdict, run_dir)
    _point_latest(report_dir, run_dir)
    return RunOutcome(verdict, run_dir)


def _finish_unchecked(
    config: Config, run_id: str, run_dir: Path, started: datetime, error: str
) -> RunOutcome:
    stages = PROFILES.get(config.profile, ("smoke",))
    verdict = _verdict(
        config, run_id, started, describe_target(config.target), list(stages), [], error
    )
    write_reports(verdict, run_dir)
    _point_latest(config.report_dir, run_dir)
    return RunOutcome(verdict, run_dir)


def _run_stages(stages: Sequence[Stage], context: StageContext) -> list[StageResult]:
    """Run independent stages side by side, then exclusive ones (load) alone.

    Results keep the registry's order.
    """
    shared = [stage for stage in stages if not stage.exclusive]
    alone = [stage for stage in stages if stage.exclusive]
    results: dict[str, StageResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(shared))) as pool:
        futures = {stage.name: pool.submit(_run_one, stage, context) for stage in shared}
        results.update({name: future.result() for name, future in futures.items()})
    for stage in alone:
        results[stage.name] = _run_one(stage, context)
    return [results[stage.name] for stage in stages]


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
    """``reports/latest`` → the newest run (relative, so the directory can be moved)."""
    latest = report_dir / "latest"
    temporary = report_dir / f".latest-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(run_dir.name, target_is_directory=True)
    temporary.replace(latest)
