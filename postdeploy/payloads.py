"""Test payloads that look like real media, unique per call so checks never collide."""

from __future__ import annotations

import os
import struct
import zlib

__all__ = ["png"]


def png(width: int = 32, height: int = 32) -> bytes:
    """A valid PNG of random RGB pixels (unique bytes each call, so CAS dedup can't hide
    a lost upload)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
