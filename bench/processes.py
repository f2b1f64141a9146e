"""Run a command and measure it: wall time, CPU time and peak memory of that one child.

``os.wait4`` gives the CPU time of exactly the child waited for (and the grandchildren it
waited for), where ``RUSAGE_CHILDREN`` would mix every child this harness ever ran. Peak
memory is *not* taken from its ``ru_maxrss``: Linux carries the RSS the process had before
``exec`` into it — the harness's own, copied at the fork — so a command started by a
harness that had just built a million-row database reported 518 MB for a snapshot that
peaks at 80 MB on its own. The peak is the program's own high-water mark instead
(``VmHWM`` in ``/proc/<pid>/status``, read each time the end is polled for).
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
    #: the program's own peak resident set (VmHWM; its children not included)
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
        peak_kib = 0
        while True:
            peak_kib = max(peak_kib, status_kib(process.pid, "VmHWM"))
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
            max_rss_mb=peak_kib / 1024,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def status_kib(pid: int, field: str) -> int:
    """A kB figure of ``/proc/<pid>/status`` (``VmHWM``: the peak RSS so far; ``VmRSS``: now);
    0 once the process has exited or before it has exec'd."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def clean_environment() -> dict[str, str]:
    """This process's environment without any POSTDEPLOY_* or UNIMEDIA_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
