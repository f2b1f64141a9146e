"""Starting and stopping the processes postdeploy runs (servers, pytest stages, Locust).

One way for all of them: ask, wait a bounded time, then kill — a child that ignores
SIGTERM must not keep a run (or CI) from ending, and a killed one is still reaped.

Children that do the checking (pytest stages, Locust) are started through
:func:`run_child`: each in a session of its own, so the run — not the terminal — decides
when they stop; registered, so an interrupted run (Ctrl-C, or SIGTERM from a CI runner or
Kubernetes) stops every one of them with :func:`stop_children` before it writes its
verdict; and with ``PR_SET_PDEATHSIG``, so a run killed with SIGKILL does not leave them
running (issue 16).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "STOP_TIMEOUT_S", "die_with_parent", "release_child", "run_child", "start_child",
    "stop_children", "stop_process",
]  # fmt: skip

STOP_TIMEOUT_S = 10.0
#: How long an interrupted child gets to clean up (pytest teardown removes its test data).
INTERRUPT_GRACE_S = 15.0

_children: set[subprocess.Popen[Any]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the child when the thread that started it dies
    (PR_SET_PDEATHSIG = 1). Only a prctl call: no locks, safe between fork and exec."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


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


def spawn_service(command: Sequence[str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start a long-lived helper binary (Prometheus, its node exporter, Alertmanager): its
    output appended to ``log_path``, no stdin, its own session (Ctrl-C reaches us and we
    stop it ourselves, in order) and ended by Linux if we die first."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        return subprocess.Popen(  # noqa: S603 - callers pass a binary found on PATH, fixed argv
            list(command),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,  # only prctl: no locks, safe after fork
        )


def wait_ready(url: str, process: subprocess.Popen[Any], timeout_s: float) -> bool:
    """Poll ``url`` until it answers 200: ``False`` once ``process`` has exited or
    ``timeout_s`` has passed (the caller says which, and stops it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def start_child(command: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """Start ``command`` in its own session, known to :func:`stop_children`, for a child
    the caller watches itself (Locust, stopped early when the load is decided). The caller
    waits for it and then calls :func:`release_child`. A child started while the run is
    stopping is stopped at once."""
    process = subprocess.Popen(  # noqa: S603 - callers pass our own interpreter and argv
        list(command), start_new_session=True, preexec_fn=die_with_parent, **popen
    )
    with _lock:
        _children.add(process)
    if _stopping.is_set():
        _stop_group(process, signal.SIGINT)
    return process


def release_child(process: subprocess.Popen[Any]) -> None:
    """Forget a child started with :func:`start_child` once it has ended."""
    with _lock:
        _children.discard(process)


def run_child(command: Sequence[str], *, timeout_s: float, **popen: Any) -> int:
    """Run ``command`` to its end (like ``subprocess.run``) and return its exit code.

    Raises :class:`subprocess.TimeoutExpired` after ``timeout_s``, once the child's whole
    process group is gone. A child started while the run is stopping is stopped at once.
    """
    process = start_child(command, **popen)
    try:
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _stop_group(process, signal.SIGTERM, grace_s=STOP_TIMEOUT_S)
            raise
    finally:
        release_child(process)


def stop_children(*, grace_s: float = INTERRUPT_GRACE_S) -> int:
    """Interrupt every running child's process group (SIGINT, as Ctrl-C would: pytest runs
    its teardown), SIGKILL what is left after ``grace_s``. Returns how many were running."""
    _stopping.set()
    with _lock:
        running = [process for process in _children if process.poll() is None]
    for process in running:
        _signal_group(process, signal.SIGINT)
    deadline = time.monotonic() + grace_s
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    for process in running:  # its workers (xdist, Chromium) may outlive the leader
        _signal_group(process, signal.SIGKILL)
    return len(running)


def _stop_group(
    process: subprocess.Popen[Any], first: signal.Signals, *, grace_s: float = INTERRUPT_GRACE_S
) -> None:
    _signal_group(process, first)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait()
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[Any], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # the child leads its own session: pid == pgid
