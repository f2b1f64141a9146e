"""Content-addressed blob storage on disk: ``blobs/ab/cdef…`` named by SHA-256.

Identical bytes are stored once, whoever uploads them. A blob is first streamed to a
temporary file while it is hashed and measured (``stage``), then moved into place with an
atomic rename (``commit``), so a reader never sees half a blob and a crash leaves only a
stray temporary file. Deciding when a blob is unreferenced is the caller's job (it knows the
database); this module only stores, opens and removes bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from unimedia.faults import FaultSet

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobTooLarge(Exception):
    """The stream is longer than the size limit; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class StagedBlob:
    """Bytes written to a temporary file, hashed, not yet visible under their address."""

    temp_path: Path
    sha256: str
    size: int


class BlobStore:
    """Blobs under ``root``; faults ``storage_readonly``, ``readiness_lies`` (the broken disk
    half of it) and ``corrupt_upload`` live here."""

    def __init__(self, root: Path, *, faults: FaultSet) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._faults = faults

    def ensure_dirs(self) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the blob lives. Rejects anything but a hex digest (no path tricks)."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def _check_writable(self) -> None:
        # ``readiness_lies`` breaks the disk the same way; only what /readyz says differs.
        if self._faults.active("storage_readonly") or self._faults.active("readiness_lies"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self.root))

    def stage(self, stream: BinaryIO, *, limit: int) -> StagedBlob:
        """Copy ``stream`` to a temporary file, hashing it; raises :class:`BlobTooLarge`."""
        self._check_writable()
        self.ensure_dirs()
        temp_path = self._tmp / f"{uuid.uuid4().hex}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with temp_path.open("xb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise BlobTooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        if self._faults.active("corrupt_upload"):
            _flip_first_byte(temp_path)
        return StagedBlob(temp_path, digest.hexdigest(), size)

    def commit(self, staged: StagedBlob) -> Path:
        """Move a staged blob to its address; if identical bytes are there, drop the copy."""
        target = self.path(staged.sha256)
        if target.is_file() and not self._faults.active("corrupt_upload"):
            staged.temp_path.unlink(missing_ok=True)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.temp_path, target)
        return target

    def discard(self, staged: StagedBlob) -> None:
        staged.temp_path.unlink(missing_ok=True)

    def delete(self, sha256: str) -> bool:
        """Remove a blob; True if it was there. Only call when nothing references it."""
        path = self.path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        # Other blobs may share the fan-out directory; then it stays.
        with contextlib.suppress(OSError):
            path.parent.rmdir()
        return True

    def probe(self) -> None:
        """Write, read back and delete a probe file: the readiness check for storage."""
        self._check_writable()
        self.ensure_dirs()
        probe = self._tmp / f"probe-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"ok")
            if probe.read_bytes() != b"ok":
                raise OSError(errno.EIO, "probe file read back differently", str(probe))
        finally:
            probe.unlink(missing_ok=True)


def _flip_first_byte(path: Path) -> None:
    # The planted bug of ``corrupt_upload``: one byte is changed after hashing, so the
    # metadata describes what the client sent while the disk holds something else.
    with path.open("r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0xFF]) if first else b"\x00")
