"""Stopping the servers postdeploy starts (unimedia, Prometheus, the node exporter).

One way for all of them: ask, wait a bounded time, then kill — a child that ignores
SIGTERM must not keep a run (or CI) from ending, and a killed one is still reaped.
"""

from __future__ import annotations

import subprocess
from typing import Any

__all__ = ["STOP_TIMEOUT_S", "stop_process"]

STOP_TIMEOUT_S = 10.0


def stop_process(
    process: subprocess.Popen[Any], *, ask: bool = True, timeout_s: float = STOP_TIMEOUT_S
) -> None:
    """SIGTERM (unless ``ask`` is False: the caller asked another way, e.g. over HTTP),
    wait up to ``timeout_s``, then SIGKILL; the process is reaped either way."""
    if ask and process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
