"""The pre-deploy backup exists, is recent, and its checksum verifies.

The deployment plan's rollback restores "the backup created during pre-deployment
preparation". An unverified backup is a hope: this reads every byte and compares its
SHA-256 with the one recorded beside it (``FILE.sha256`` in ``sha256sum`` format, or
``--backup-sha256``). A URL is fetched (streamed) the same way; its age is its
``Last-Modified``.
"""

from __future__ import annotations

import hashlib
import re
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from postdeploy.readiness.model import CheckState, ReadinessCheck

__all__ = ["backup_check"]

CHECK = "backup:verified"
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_CHUNK = 1 << 20


def backup_check(
    location: str | None, *, expected_sha256: str | None, max_age_s: float, timeout_s: float
) -> ReadinessCheck:
    title = "the pre-deploy backup exists, is recent and verifies"
    if not location:
        return ReadinessCheck(CHECK, title, CheckState.SKIPPED,
                              "no backup named (--backup FILE|URL)")  # fmt: skip
    remote = location.startswith(("http://", "https://"))
    try:
        expected = expected_sha256 or _sidecar(location, remote, timeout_s)
        if expected is None:
            return ReadinessCheck(CHECK, title, CheckState.FAILED,
                                  f"no checksum for {location}",
                                  "write FILE.sha256 (sha256sum FILE > FILE.sha256) "
                                  "or pass --backup-sha256")  # fmt: skip
        if not _HEX.match(expected):
            return ReadinessCheck(
                CHECK, title, CheckState.FAILED, f"{expected!r} is not a SHA-256 (64 hex digits)"
            )
        actual, size, age = _remote(location, timeout_s) if remote else _local(Path(location))
    except FileNotFoundError:
        return ReadinessCheck(CHECK, title, CheckState.FAILED, f"{location} does not exist",
                              "take the backup before the deploy")  # fmt: skip
    except (OSError, httpx.HTTPError, ValueError) as exc:
        return ReadinessCheck(CHECK, title, CheckState.FAILED, f"{location}: {exc}")
    problems = []
    if size == 0:
        problems.append("it is empty")
    if actual != expected.lower():
        problems.append(f"SHA-256 {actual[:16]}… differs from the recorded {expected[:16]}…")
    if age is None:
        problems.append("its age is unknown (no Last-Modified)")
    elif age > max_age_s:
        problems.append(f"it is {age / 3600:.1f} h old, over {max_age_s / 3600:.1f} h")
    figures = {"bytes": float(size)} | ({"age_s": round(age)} if age is not None else {})
    if problems:
        return ReadinessCheck(
            CHECK,
            title,
            CheckState.FAILED,
            f"{location}: " + "; ".join(problems),
            "take a fresh backup and record its checksum",
            figures,
        )
    return ReadinessCheck(
        CHECK,
        title,
        CheckState.PASSED,
        f"{location}: {size} bytes, SHA-256 verified",
        figures=figures,
    )


def _sidecar(location: str, remote: bool, timeout_s: float) -> str | None:
    """The first word of ``<location>.sha256``, or None if there is none."""
    if remote:
        response = httpx.get(location + ".sha256", timeout=timeout_s)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        text = response.text
    else:
        sidecar = Path(location + ".sha256")
        if not sidecar.exists():
            return None
        text = sidecar.read_text(encoding="utf-8")
    words = text.split()
    return words[0] if words else None


def _local(path: Path) -> tuple[str, int, float | None]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    stat = path.stat()
    return digest.hexdigest(), stat.st_size, time.time() - stat.st_mtime


def _remote(url: str, timeout_s: float) -> tuple[str, int, float | None]:
    digest = hashlib.sha256()
    size = 0
    with httpx.stream("GET", url, timeout=timeout_s) as response:
        if response.status_code == 404:
            raise FileNotFoundError(url)
        response.raise_for_status()
        for chunk in response.iter_bytes(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        modified = response.headers.get("last-modified")
    age = None
    if modified:
        age = time.time() - parsedate_to_datetime(modified).timestamp()
    return digest.hexdigest(), size, age
