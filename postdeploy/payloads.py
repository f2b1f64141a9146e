"""Test payloads that look like real media, unique per call so checks never collide."""

from __future__ import annotations

import os
import struct
import zlib

__all__ = ["mp4", "pdf", "png"]


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


def mp4() -> bytes:
    """A small ISO-BMFF file (``ftyp``, ``mdat`` of random bytes): unique, typed as video."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload) + 8) + kind + payload

    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + box(b"mdat", os.urandom(2048))


def pdf() -> bytes:
    """A one-page PDF whose title is random: unique bytes, a real document type."""
    title = os.urandom(8).hex()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        + f"4 0 obj << /Title ({title}) >> endobj\n".encode()
        + b"trailer << /Root 1 0 R /Info 4 0 R >>\n%%EOF\n"
    )
