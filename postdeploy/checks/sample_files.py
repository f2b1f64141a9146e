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


def mp4(payload_bytes: int = 256) -> bytes:
    """A small ISO base media file (``ftyp`` + ``free`` + ``mdat`` boxes) that ``file`` and
    browsers recognise as MP4; random ``mdat`` bytes keep every call unique.

    Not playable (no ``moov``): the checks store and compare bytes, nothing decodes them.
    """

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    brands = b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41"
    return box(b"ftyp", brands) + box(b"free", b"") + box(b"mdat", os.urandom(payload_bytes))


def pdf(text: str | None = None) -> bytes:
    """A valid one-page PDF 1.4 (correct ``xref`` offsets) showing ``text``, unique by
    default, so viewers open it and a lost upload cannot hide behind deduplication."""
    line = (text or f"postdeploy check {os.urandom(8).hex()}").encode("ascii", "replace")
    line = line.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 12 Tf 72 720 Td (" + line + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)
