"""What a killed run left in the temporary directory, found and removed by the next run.

A run that ends normally removes its temporary directories (the embedded unimedia's data,
Prometheus' TSDB, the pytest plugin's shared state). One killed with SIGKILL, or by the
OOM killer, cannot; its directories may hold test accounts' passwords (the plugin's
``embedded.json``) and test data. Every such directory is created by :func:`owned_tempdir`,
which writes who owns it (pid and the process' start time, so a reused pid does not count
as alive); :func:`sweep_leftovers` removes those whose owner is gone and says how much
(issue 16).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OWNER_FILE", "PREFIX", "Cleanup", "owned_tempdir", "sweep_leftovers"]

log = logging.getLogger(__name__)

PREFIX = "postdeploy-"
OWNER_FILE = ".postdeploy-owner"


@dataclass(frozen=True, slots=True)
class Cleanup:
    """How much :func:`sweep_leftovers` removed."""

    directories: int = 0
    bytes: int = 0

    def describe(self) -> str:
        noun = "directory" if self.directories == 1 else "directories"
        return f"{self.directories} temporary {noun} ({_size(self.bytes)})"


def owned_tempdir(kind: str, *, owner_pid: int | None = None) -> Path:
    """A fresh ``postdeploy-<kind>-…`` temporary directory owned by ``owner_pid`` (default:
    this process): removed by a later run once that process is gone."""
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-"))
    pid = owner_pid if owner_pid is not None else os.getpid()
    (path / OWNER_FILE).write_text(f"{pid} {_started(pid)}\n", encoding="utf-8")
    return path


def sweep_leftovers(root: Path | None = None) -> Cleanup:
    """Remove the owned temporary directories under ``root`` (default: the system's) whose
    owner process no longer runs. Unowned directories are never touched."""
    base = root or Path(tempfile.gettempdir())
    removed = size = 0
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(PREFIX) and p.is_dir()]
    except OSError:
        return Cleanup()
    for directory in candidates:
        if not _abandoned(directory / OWNER_FILE):
            continue
        bytes_here = _disk_usage(directory)
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists():
            removed += 1
            size += bytes_here
    cleanup = Cleanup(removed, size)
    if removed:
        log.warning("removed what killed runs left behind: %s", cleanup.describe())
    return cleanup


def _abandoned(owner_file: Path) -> bool:
    try:
        pid_text, _, started = owner_file.read_text(encoding="utf-8").strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return False  # not ours, or being created right now
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return _started(pid) != started  # the pid was reused by another process


def _started(pid: int) -> str:
    """The process' start time in clock ticks since boot (``/proc/<pid>/stat`` field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def _disk_usage(directory: Path) -> int:
    total = 0
    for path in directory.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"
