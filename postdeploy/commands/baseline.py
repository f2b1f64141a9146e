"""``postdeploy baseline record|calibrate``: measure a known-good release.

``record --stage load`` loads it and saves the latency distributions the load stage judges
against; ``record --stage contracts`` saves its OpenAPI document and example exchanges
(:mod:`postdeploy.commands.contract`); ``calibrate`` loads one release twice (A/A) and
proposes the judge's tolerances from the noise it measured.
"""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import click

from postdeploy.baseline.calibrate import propose_tolerances, write_tolerances
from postdeploy.baseline.conditions import MeasuringConditions, calibration_ms
from postdeploy.baseline.judge import Tolerances
from postdeploy.baseline.store import write_load_baseline
from postdeploy.commands.common import one_line_errors, setup_logging
from postdeploy.config import Config, TargetSettings, load_config
from postdeploy.errors import StageCrashed
from postdeploy.load.locust_runner import LoadRun, LocustProcess, run_locust
from postdeploy.load.profiles import LoadProfile
from postdeploy.load.samples import SampleStream, as_sample
from postdeploy.runid import new_run_id
from postdeploy.stages.load import baseline_path, chosen_profile, tolerances_path
from postdeploy.target.access import preflight
from postdeploy.target.lifecycle import started_target

__all__ = ["Calibration", "baseline", "calibrate_load", "record_load_baseline"]


def record_load_baseline(config: Config, profile: LoadProfile) -> tuple[Path, LoadRun]:
    """Load the (known-good) target with ``profile`` and save what it measured: every
    request in order, and how fast the machine was (issue 23 §1b).

    It loads for the profile's *longest* duration, the sequential judge's maximum, so a
    run that needs every round still finds a recorded partner for each request."""
    seconds = profile.longest_s
    with tempfile.TemporaryDirectory(prefix="postdeploy-baseline-") as scratch:
        with _started(config, Path(scratch)) as target:
            checked = preflight(target)
            machine = calibration_ms()
            process = LocustProcess(
                target, profile, new_run_id(), Path(scratch) / "load", users=profile.users,
                run_time_s=seconds, arrival_rate=config.load.arrival_rate,
                base=config.environment,
            )  # fmt: skip
            with process:
                process.wait()
            stream = SampleStream(process.samples_dir)
            stream.read_new()
        series = stream.series().get("candidate", {})
        if not series:
            raise StageCrashed("baseline record: Locust recorded no requests")
        run = LoadRun(
            {name: as_sample(s, float(seconds)) for name, s in series.items()},
            float(seconds),
            process.out_dir,
        )
        usage = stream.usage()
        path = baseline_path(config.baseline_dir, profile.name)
        write_load_baseline(
            path, release=checked.live_version, profile=profile.name,
            target=target.url or "", endpoints=run.endpoints, series=series,
            conditions=MeasuringConditions(machine, usage.cpu_percent_mean, usage.cpu_warning),
            arrival_rate=config.load.arrival_rate,
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
        _started(config, Path(scratch)) as target,
    ):
        preflight(target)
        first = run_locust(
            target, profile, new_run_id(), Path(scratch) / "a", environment=config.environment
        )
        second = run_locust(
            target, profile, new_run_id(), Path(scratch) / "b", environment=config.environment
        )
    tolerances, observed = propose_tolerances(first.endpoints, second.endpoints)
    path = tolerances_path(config.baseline_dir, profile.name)
    write_tolerances(path, tolerances, observed)
    return Calibration(tolerances, observed, path)


@click.group()
def baseline() -> None:
    """Record what the last good release looked like."""


@baseline.command("record")
@click.option("--stage", type=click.Choice(["load", "contracts"]), required=True)
@click.option("--target", "url", metavar="URL", help="The known-good release (default: embedded).")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
def record(stage: str, url: str | None, load_profile: str | None, config_file: Path | None) -> None:
    """Measure a known-good release and save it under baselines/."""
    from postdeploy.commands.contract import record_contract_baseline

    setup_logging(verbose=True, debug=False)
    with one_line_errors():
        if stage == "contracts":
            config = load_config(config_file=config_file, overrides={"url": url})
            path, count = record_contract_baseline(config)
            click.echo(f"recorded the OpenAPI document and {count} example exchanges → {path}")
            return
        path, run = record_load_baseline(*_load_setup(url, load_profile, config_file))
    click.echo(f"recorded {run.requests} requests over {len(run.endpoints)} endpoints → {path}")


@baseline.command("calibrate")
@click.option("--stage", type=click.Choice(["load"]), default="load", show_default=True)
@click.option("--target", "url", metavar="URL", help="The release to measure twice.")
@click.option("--load-profile", help="quick, standard or soak (default: quick when embedded).")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
def calibrate(
    stage: str, url: str | None, load_profile: str | None, config_file: Path | None
) -> None:
    """A/A run: measure this machine's noise and propose the judge's tolerances."""
    setup_logging(verbose=True, debug=False)
    with one_line_errors():
        result = calibrate_load(*_load_setup(url, load_profile, config_file))
    for name, effects in result.observed.items():
        click.echo(
            f"  {name:42} A/A median x{effects['median_ratio']:.3f}  "
            f"tail x{effects['tail_ratio']:.3f}  errors {effects['error_rate_delta']:.2%}"
        )
    t = result.tolerances
    click.echo(
        f"proposed: median x{t.median_ratio}, tail x{t.tail_ratio}, errors "
        f"+{t.error_rate_delta:.2%} → {result.path}"
    )


def _load_setup(
    url: str | None, load_profile: str | None, config_file: Path | None
) -> tuple[Config, LoadProfile]:
    """The configuration and the load profile a baseline command measures with
    (``--load-profile`` wins over ``POSTDEPLOY_LOAD_PROFILE`` and the file)."""
    config = load_config(
        config_file=config_file, overrides={"url": url, "load_profile": load_profile}
    )
    return config, chosen_profile(config.target.embedded, config.load.profile)


def _started(config: Config, scratch: Path) -> AbstractContextManager[TargetSettings]:
    """The run's target, started with the run's faults and environment when embedded."""
    return started_target(
        config.target, scratch, faults=config.embedded_faults, environment=config.environment,
        https=not config.embedded_http,
    )  # fmt: skip
