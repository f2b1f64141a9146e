"""The library entry point: ``run(config) -> RunOutcome``. The CLI is a thin shell on it.

Order of work: start (or reach) the target → preflight → run the stages side by side →
gate → write the reports. Every way of *not* being able to check ends in an INCONCLUSIVE
verdict that says what was not checked and why; nothing here ever produces GO by default.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from postdeploy.config import Config, GatePolicy, TargetSettings
from postdeploy.embedded import EmbeddedUnimedia
from postdeploy.errors import PostdeployError
from postdeploy.findings import StageResult, StageStatus
from postdeploy.gate import Decision, NotChecked, Verdict, evaluate
from postdeploy.preflight import preflight
from postdeploy.prometheus import embedded_prometheus
from postdeploy.reports import write_reports
from postdeploy.runid import new_run_id
from postdeploy.stages import PROFILES, Stage, StageContext, select_stages
from postdeploy.target import TargetInfo, describe_target

__all__ = ["RunOutcome", "record_unchecked", "run", "started_target"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """The verdict and where its reports are."""

    verdict: Verdict
    run_dir: Path


def run(config: Config, *, run_id: str | None = None) -> RunOutcome:
    """Verify ``config.target`` with the stages of ``config.profile`` and write reports."""
    run_id = run_id or new_run_id()
    run_dir = _run_dir(config.report_dir, run_id)
    started = datetime.now(UTC)
    try:
        stages = select_stages(config.profile, config.stages)
    except PostdeployError as exc:
        return _finish_unchecked(config, run_id, run_dir, started, str(exc))

    target_info = describe_target(config.target)
    results: list[StageResult] = []
    error: str | None = None
    try:
        needs_metrics = any(stage.name == "monitoring" for stage in stages)
        with started_target(config.target, run_dir, prometheus=needs_metrics) as target:
            log.info("target %s", target.url)
            checked = preflight(target)
            target_info = describe_target(
                target,
                url=target.url,
                live_version=checked.live_version,
                embedded=config.target.embedded,
            )
            context = StageContext(
                target, run_id, run_dir, config.config_file,
                embedded=config.target.embedded, zap=config.zap, load=config.load,
            )  # fmt: skip
            results = _run_stages(stages, context)
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


@contextlib.contextmanager
def started_target(
    settings: TargetSettings, run_dir: Path, *, prometheus: bool = False
) -> Iterator[TargetSettings]:
    """The target, ready to use: the configured one, or an embedded unimedia (stopped after),
    with an embedded Prometheus scraping it only when ``prometheus`` is asked for (only the
    monitoring stage reads it; starting it costs the smoke profile seconds)."""
    if not settings.embedded:
        yield settings
        return
    log.info("starting the embedded unimedia")
    faults = os.environ.get("UNIMEDIA_FAULTS")
    if faults:
        log.info("with UNIMEDIA_FAULTS=%s", faults)
    with EmbeddedUnimedia(log_path=run_dir / "unimedia.log", timeout_s=settings.timeout_s) as t:
        if not prometheus:
            yield t
            return
        with embedded_prometheus(t, run_dir) as with_prometheus:
            yield with_prometheus


def _run_stages(stages: Sequence[Stage], context: StageContext) -> list[StageResult]:
    """Run independent stages side by side, then exclusive ones (load) alone.

    Results keep the registry's order.
    """
    shared = [stage for stage in stages if not getattr(stage, "exclusive", False)]
    alone = [stage for stage in stages if getattr(stage, "exclusive", False)]
    results: dict[str, StageResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(shared))) as pool:
        futures = {stage.name: pool.submit(_run_one, stage, context) for stage in shared}
        results.update({name: future.result() for name, future in futures.items()})
    for stage in alone:
        results[stage.name] = _run_one(stage, context)
    return [results[stage.name] for stage in stages]


def _run_one(stage: Stage, context: StageContext) -> StageResult:
    log.info("stage %s: running", stage.name)
    try:
        result = stage.run(context)
    except PostdeployError as exc:
        result = StageResult(stage.name, StageStatus.ERROR, reason=str(exc))
    log.info("stage %s: %s %s", stage.name, result.status.value, result.reason)
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
    policy = config.gate if config else None

    evaluation = evaluate(results, expected=expected, policy=policy or GatePolicy())
    not_checked = list(evaluation.not_checked)
    decision = evaluation.decision
    if error is not None:
        ran = {result.name for result in results}
        not_checked = [NotChecked(name, None, error) for name in expected if name not in ran] + [
            item for item in not_checked if item.stage in ran
        ]
        if decision is Decision.GO:
            decision = Decision.INCONCLUSIVE
    return Verdict(
        run_id=run_id,
        decision=decision,
        profile=profile or (config.profile if config else "smoke"),
        target=target,
        stages=tuple(results),
        reasons=evaluation.reasons,
        triggers_fired=evaluation.triggers_fired,
        not_checked=tuple(not_checked),
        started_at=started,
        finished_at=datetime.now(UTC),
        error=error,
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
