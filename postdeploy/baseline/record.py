"""``postdeploy baseline record|calibrate --stage load``: measure a known-good release."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from postdeploy.baseline.calibrate import propose_tolerances, write_tolerances
from postdeploy.baseline.judge import Tolerances
from postdeploy.baseline.store import write_load_baseline
from postdeploy.config import Config
from postdeploy.load.locust_runner import LoadRun, run_locust
from postdeploy.load.profiles import LoadProfile
from postdeploy.preflight import preflight
from postdeploy.runid import new_run_id
from postdeploy.runner import started_target
from postdeploy.stages.load_stage import baseline_path, tolerances_path

__all__ = ["Calibration", "calibrate_load", "record_load_baseline"]


def record_load_baseline(config: Config, profile: LoadProfile) -> tuple[Path, LoadRun]:
    """Load the (known-good) target with ``profile`` and save what it measured."""
    with tempfile.TemporaryDirectory(prefix="postdeploy-baseline-") as scratch:
        with started_target(config.target, Path(scratch)) as target:
            checked = preflight(target)
            run = run_locust(target, profile, new_run_id(), Path(scratch) / "load")
        path = baseline_path(profile.name)
        write_load_baseline(
            path, release=checked.live_version, profile=profile.name,
            target=target.url or "", endpoints=run.endpoints,
        )  # fmt: skip
    return path, run


@dataclass(frozen=True, slots=True)
class Calibration:
    tolerances: Tolerances
    observed: dict[str, dict[str, float]]
    path: Path


def calibrate_load(config: Config, profile: LoadProfile) -> Calibration:
    """A/A: load the same release twice, one run after the other; propose tolerances."""
    with (
        tempfile.TemporaryDirectory(prefix="postdeploy-calibrate-") as scratch,
        started_target(config.target, Path(scratch)) as target,
    ):
        preflight(target)
        first = run_locust(target, profile, new_run_id(), Path(scratch) / "a")
        second = run_locust(target, profile, new_run_id(), Path(scratch) / "b")
    tolerances, observed = propose_tolerances(first.endpoints, second.endpoints)
    path = tolerances_path(profile.name)
    write_tolerances(path, tolerances, observed)
    return Calibration(tolerances, observed, path)
