"""Run a command and measure it: wall time, CPU time and peak memory of that one child.

``os.wait4`` gives the rusage of exactly the child waited for (and the grandchildren it
waited for), where ``RUSAGE_CHILDREN`` would mix every child this harness ever ran.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.core import REPO


@dataclass(frozen=True, slots=True)
class Timed:
    wall_s: float
    cpu_s: float
    #: the largest resident set of the child or any descendant it waited for
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_timed(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = REPO,
    timeout_s: float = 900.0,
) -> Timed:  # fmt: skip
    """Run ``argv`` to its end (killed after ``timeout_s``) and measure it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err,
                                   start_new_session=True)  # fmt: skip
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(process.pid, signal.SIGKILL)  # the group we started, nothing else
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)  # polling our own child for its end; not waiting on anything else
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def clean_environment() -> dict[str, str]:
    """This process's environment without any POSTDEPLOY_* or UNIMEDIA_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
