"""Run Locust headless in its own process and collect every request's latency.

Its own process because Locust monkey-patches the interpreter with gevent on import
(and importing ``requests`` first crashes it). Final figures come from the per-request
samples the locustfile writes, not from Locust's CSV files, which lag behind the end of a
run; Locust's CSV and HTML report are kept as artifacts for people.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from postdeploy.baseline.judge import EndpointSample
from postdeploy.config import TargetSettings
from postdeploy.errors import StageCrashed
from postdeploy.load.profiles import LoadProfile
from postdeploy.load.samples import SampleStream
from postdeploy.target.child_env import PROJECT_ROOT, target_environment
from postdeploy.target.processes import release_child, start_child

__all__ = [
    "LOCUSTFILE", "LoadRun", "LocustProcess", "paired_process", "read_samples", "read_sides",
    "run_locust", "run_paired",
]  # fmt: skip

log = logging.getLogger(__name__)

LOCUSTFILE = PROJECT_ROOT / "load" / "locustfile.py"
STOP_FILE = "stop"  # the locustfile's STOP_FILE: created to end a run early


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
    duration_s: int | None = None,
    arrival_rate: float | None = None,
    environment: Mapping[str, str] | None = None,
) -> LoadRun:
    """Run ``profile`` against ``target`` for its fixed duration (or ``duration_s``);
    raise :class:`StageCrashed` if Locust fails."""
    process = LocustProcess(
        target, profile, run_id, out_dir, users=profile.users,
        run_time_s=duration_s or profile.duration_s, arrival_rate=arrival_rate,
        base=environment,
    )  # fmt: skip
    with process:
        process.wait()
    seconds = float(duration_s or profile.duration_s)
    sides = read_sides(process.samples_dir, duration_s=seconds)
    return _collect(sides, "candidate", seconds, out_dir)


def run_paired(
    reference: TargetSettings,
    candidate: TargetSettings,
    profile: LoadProfile,
    run_id: str,
    out_dir: Path,
    *,
    arrival_rate: float | None = None,
    environment: Mapping[str, str] | None = None,
) -> tuple[LoadRun, LoadRun]:
    """One Locust run loading both releases at once: ``profile.users`` simulated users on
    each side, interleaved in the same process(es). Returns (reference, candidate).

    Two Locust processes side by side measure their own scheduling as much as the servers:
    on a busy machine one of them lags and its server looks 20 % slower. Interleaved, both
    sides share every stall of the load generator and the machine, and only a difference
    between the releases remains. Both must accept the candidate's accounts.
    """
    process = paired_process(
        reference, candidate, profile, run_id, out_dir,
        run_time_s=profile.duration_s, arrival_rate=arrival_rate,
        environment=environment,
    )  # fmt: skip
    with process:
        process.wait()
    seconds = float(profile.duration_s)
    sides = read_sides(process.samples_dir, duration_s=seconds)
    return (
        _collect(sides, "reference", seconds, out_dir),
        _collect(sides, "candidate", seconds, out_dir),
    )


def paired_process(
    reference: TargetSettings,
    candidate: TargetSettings,
    profile: LoadProfile,
    run_id: str,
    out_dir: Path,
    *,
    run_time_s: int,
    arrival_rate: float | None = None,
    environment: Mapping[str, str] | None = None,
) -> LocustProcess:
    """The Locust process of a paired run (not started): see :func:`run_paired`."""
    if reference.url is None:
        raise StageCrashed("load: no reference URL")
    return LocustProcess(
        candidate, profile, run_id, out_dir, users=2 * profile.users, run_time_s=run_time_s,
        env={"POSTDEPLOY_REFERENCE_HOST": reference.url}
        | ({"POSTDEPLOY_REFERENCE_CA_FILE": str(reference.ca_file)} if reference.ca_file else {}),
        arrival_rate=arrival_rate,
        base=environment,
    )  # fmt: skip


def _collect(
    sides: dict[str, dict[str, EndpointSample]], side: str, duration_s: float, out_dir: Path
) -> LoadRun:
    endpoints = sides.get(side, {})
    if not endpoints:
        raise StageCrashed(
            f"load: Locust recorded no requests ({side}): " + _tail(out_dir / "locust.log")
        )
    log.info("load: %s: %d requests", side, sum(e.requests for e in endpoints.values()))
    return LoadRun(endpoints, duration_s, out_dir)


class LocustProcess:
    """Locust headless in its own process, for at most ``run_time_s`` seconds.

    ``with`` starts it; :meth:`wait` lets it run to its end, :meth:`wait_for` waits at most
    some seconds (returning early if it ended), :meth:`stop` ends it early: it creates the
    ``stop`` file the locustfile watches for, and the run ends as if its run time were over
    (users stop and delete what they uploaded, every report is written). A signal was the
    first design: SIGTERM skips the HTML report, and SIGINT reaches whichever greenlet runs
    at that moment — on a busy machine Locust sometimes never noticed. Only when the file
    is not heeded does it fall back to SIGINT, then to killing. Leaving the block stops it
    if it still runs.
    """

    def __init__(
        self,
        target: TargetSettings,
        profile: LoadProfile,
        run_id: str,
        out_dir: Path,
        *,
        users: int,
        run_time_s: int,
        env: dict[str, str] | None = None,
        arrival_rate: float | None = None,
        base: Mapping[str, str] | None = None,
    ) -> None:
        if target.url is None:
            raise StageCrashed("load: no target URL")
        if not LOCUSTFILE.exists():
            raise StageCrashed(f"load: locustfile not found: {LOCUSTFILE}")
        self.out_dir = out_dir
        self.samples_dir = out_dir / "samples"
        self.run_time_s = run_time_s
        self.stop_timeout_s = 10
        self._command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--host", target.url,
            "--users", str(users),
            "--spawn-rate", str(profile.spawn_rate * users / profile.users),
            "--run-time", f"{run_time_s}s", "--stop-timeout", str(self.stop_timeout_s),
            "--only-summary", "--skip-log-setup", "--exit-code-on-error", "0",
            "--csv", str(out_dir / "locust"), "--html", str(out_dir / "locust.html"),
        ]  # fmt: skip
        if profile.processes > 1:
            self._command += ["--processes", str(profile.processes)]
        self._env = target_environment(target, run_id, base) | (env or {})
        self._env["POSTDEPLOY_SAMPLES_DIR"] = str(self.samples_dir)
        if arrival_rate:
            self._env["POSTDEPLOY_ARRIVAL_RATE"] = f"{arrival_rate:g}"
        self._target_url = target.url
        self._users = users
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self.started_at = 0.0  # time.time() when it started: the samples' clock

    def __enter__(self) -> LocustProcess:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.samples_dir.mkdir(exist_ok=True)
        stale = [*self.samples_dir.glob("samples-*.tsv"), *self.samples_dir.glob("meta-*")]
        for path in [*stale, self.samples_dir / STOP_FILE]:
            path.unlink(missing_ok=True)
        log.info("load: %s users for at most %s s against %s", self._users, self.run_time_s,
                 self._target_url)  # fmt: skip
        self._output = (self.out_dir / "locust.log").open("wb")
        self.started_at = time.time()
        self._process = start_child(  # own session, stopped by an interrupted run
            self._command, stdout=self._output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self._env, cwd=PROJECT_ROOT,
        )  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.running:
                self.stop()
        finally:
            if self._process is not None:
                release_child(self._process)
            if self._output is not None:
                self._output.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def elapsed_s(self) -> float:
        return time.time() - self.started_at

    @property
    def _popen(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise StageCrashed("load: Locust was never started")
        return self._process

    def wait_for(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True when Locust has ended (by itself or crashed)."""
        try:
            self._popen.wait(timeout=max(0.0, seconds))
        except subprocess.TimeoutExpired:
            return False
        return True

    def wait(self) -> None:
        """Let Locust run to its end; raise :class:`StageCrashed` if it failed."""
        limit = self.run_time_s + 120
        if not self.wait_for(limit):
            self.kill()
            raise StageCrashed(f"load: Locust did not stop within {limit} s")
        self.check()

    def stop(self) -> None:
        """End the run now, gracefully; raise :class:`StageCrashed` if Locust failed."""
        if self.running:
            (self.samples_dir / STOP_FILE).touch()
            if not self.wait_for(self.stop_timeout_s + 30):
                self._popen.send_signal(signal.SIGINT)
                if not self.wait_for(15):
                    self.kill()
                    raise StageCrashed("load: Locust did not stop when asked to")
        self.check()

    def kill(self) -> None:
        if self._process is not None and self.running:
            self._process.kill()
            self._process.wait()

    def check(self) -> None:
        log.info("load: Locust ran %.1f s", self.elapsed_s())
        code = self._popen.returncode
        if code not in (0, None):
            why = _tail(self.out_dir / "locust.log")
            raise StageCrashed(f"load: Locust exited with {code}: {why}")


def read_samples(
    samples_dir: Path, *, duration_s: float, side: str = "candidate"
) -> dict[str, EndpointSample]:
    """One side's endpoints (see :func:`read_sides`)."""
    return read_sides(samples_dir, duration_s=duration_s).get(side, {})


def read_sides(samples_dir: Path, *, duration_s: float) -> dict[str, dict[str, EndpointSample]]:
    """Merge the per-process sample files: side → name → latencies of successes and the
    failure count. A line is ``name, ms, failed[, side[, time]]``; without a side it is the
    candidate's."""
    stream = SampleStream(samples_dir)
    stream.read_new()
    return stream.samples(duration_s)


def _tail(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"
