"""Run Locust headless in its own process and collect every request's latency.

Its own process because Locust monkey-patches the interpreter with gevent on import
(and importing ``requests`` first crashes it). Final figures come from the per-request
samples the locustfile writes, not from Locust's CSV files, which lag behind the end of a
run; Locust's CSV and HTML report are kept as artifacts for people.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from postdeploy.baseline.judge import EndpointSample
from postdeploy.config import TargetSettings
from postdeploy.errors import StageCrashed
from postdeploy.load.profiles import LoadProfile
from postdeploy.target.child_env import PROJECT_ROOT, target_environment
from postdeploy.target.processes import run_child

__all__ = ["LOCUSTFILE", "LoadRun", "read_samples", "read_sides", "run_locust", "run_paired"]

log = logging.getLogger(__name__)

LOCUSTFILE = PROJECT_ROOT / "load" / "locustfile.py"


@dataclass(frozen=True, slots=True)
class LoadRun:
    """What one load run measured, endpoint by endpoint."""

    endpoints: dict[str, EndpointSample]
    duration_s: float
    out_dir: Path

    @property
    def requests(self) -> int:
        return sum(sample.requests for sample in self.endpoints.values())

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


def run_locust(
    target: TargetSettings,
    profile: LoadProfile,
    run_id: str,
    out_dir: Path,
    *,
    environment: Mapping[str, str] | None = None,
) -> LoadRun:
    """Run ``profile`` against ``target``; raise :class:`StageCrashed` if Locust fails.

    ``environment``: what Locust starts from (the run's ``Config.environment``)."""
    samples_dir = _run(
        target, profile, run_id, out_dir, users=profile.users, env={}, base=environment
    )
    sides = read_sides(samples_dir, duration_s=float(profile.duration_s))
    return _collect(sides, "candidate", profile, out_dir)


def run_paired(
    reference: TargetSettings,
    candidate: TargetSettings,
    profile: LoadProfile,
    run_id: str,
    out_dir: Path,
    *,
    environment: Mapping[str, str] | None = None,
) -> tuple[LoadRun, LoadRun]:
    """One Locust run loading both releases at once: ``profile.users`` simulated users on
    each side, interleaved in the same process(es). Returns (reference, candidate).

    Two Locust processes side by side measure their own scheduling as much as the servers:
    on a busy machine one of them lags and its server looks 20 % slower. Interleaved, both
    sides share every stall of the load generator and the machine, and only a difference
    between the releases remains. Both must accept the candidate's accounts.
    """
    if reference.url is None:
        raise StageCrashed("load: no reference URL")
    samples_dir = _run(
        candidate, profile, run_id, out_dir,
        users=2 * profile.users, env={"POSTDEPLOY_REFERENCE_HOST": reference.url},
        base=environment,
    )  # fmt: skip
    sides = read_sides(samples_dir, duration_s=float(profile.duration_s))
    return (
        _collect(sides, "reference", profile, out_dir),
        _collect(sides, "candidate", profile, out_dir),
    )


def _collect(
    sides: dict[str, dict[str, EndpointSample]], side: str, profile: LoadProfile, out_dir: Path
) -> LoadRun:
    endpoints = sides.get(side, {})
    if not endpoints:
        raise StageCrashed(
            f"load: Locust recorded no requests ({side}): " + _tail(out_dir / "locust.log")
        )
    log.info("load: %s: %d requests", side, sum(e.requests for e in endpoints.values()))
    return LoadRun(endpoints, float(profile.duration_s), out_dir)


def _run(
    target: TargetSettings,
    profile: LoadProfile,
    run_id: str,
    out_dir: Path,
    *,
    users: int,
    env: dict[str, str],
    base: Mapping[str, str] | None,
) -> Path:
    """Run Locust headless; return the directory of its per-request samples."""
    if target.url is None:
        raise StageCrashed("load: no target URL")
    if not LOCUSTFILE.exists():
        raise StageCrashed(f"load: locustfile not found: {LOCUSTFILE}")
    out_dir.mkdir(parents=True, exist_ok=True)
    samples_dir = out_dir / "samples"
    samples_dir.mkdir(exist_ok=True)
    for stale in samples_dir.glob("samples-*.tsv"):
        stale.unlink()
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", target.url,
        "--users", str(users), "--spawn-rate", str(profile.spawn_rate * users / profile.users),
        "--run-time", f"{profile.duration_s}s", "--stop-timeout", "10",
        "--only-summary", "--skip-log-setup", "--exit-code-on-error", "0",
        "--csv", str(out_dir / "locust"), "--html", str(out_dir / "locust.html"),
    ]  # fmt: skip
    if profile.processes > 1:
        command += ["--processes", str(profile.processes)]
    child_env = target_environment(target, run_id, base) | env
    child_env["POSTDEPLOY_SAMPLES_DIR"] = str(samples_dir)
    log.info("load: %s users for %s s against %s", users, profile.duration_s, target.url)
    started = time.monotonic()
    with (out_dir / "locust.log").open("wb") as output:
        try:
            returncode = run_child(  # own session, stopped by an interrupted run
                command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=child_env, timeout_s=profile.duration_s + 120, cwd=PROJECT_ROOT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise StageCrashed(
                f"load: Locust did not stop within {profile.duration_s + 120} s"
            ) from None
    log.info("load: Locust ran %.1f s", time.monotonic() - started)
    if returncode != 0:
        raise StageCrashed(
            f"load: Locust exited with {returncode}: {_tail(out_dir / 'locust.log')}"
        )
    return samples_dir


def read_samples(
    samples_dir: Path, *, duration_s: float, side: str = "candidate"
) -> dict[str, EndpointSample]:
    """One side's endpoints (see :func:`read_sides`)."""
    return read_sides(samples_dir, duration_s=duration_s).get(side, {})


def read_sides(samples_dir: Path, *, duration_s: float) -> dict[str, dict[str, EndpointSample]]:
    """Merge the per-process sample files in one pass: side → name → latencies of
    successes and failure count. A line is ``name, ms, failed[, side]``; without a side it
    is the candidate's."""
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    failures: dict[tuple[str, str], int] = defaultdict(int)
    for path in sorted(samples_dir.glob("samples-*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            name, value, failed, side = [*line.split("\t"), "", ""][:4]
            key = (side or "candidate", name)
            if failed == "1":
                failures[key] += 1
            else:
                latencies[key].append(float(value))
    sides: dict[str, dict[str, EndpointSample]] = defaultdict(dict)
    for side, name in sorted(set(latencies) | set(failures)):
        sample = EndpointSample(tuple(latencies[side, name]), failures[side, name], duration_s)
        sides[side][name] = sample
    return dict(sides)


def _tail(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
