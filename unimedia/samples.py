"""Small but real media files, made from scratch: the legacy seeder's content and test data.

Real enough that a viewer opens the PNG and the PDF, and that the MP4 has the boxes a
player reads the duration from. Every maker takes a ``salt`` that ends up in the bytes, so
callers can make many distinct files (distinct checksums, no accidental de-duplication).
"""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(
    width: int, height: int, *, salt: str = "", rgb: tuple[int, int, int] = (40, 90, 160)
) -> bytes:
    """A solid-colour RGB PNG of that size, with ``salt`` in a ``tEXt`` chunk."""
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    pixels = zlib.compress(row * height, 6)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    text = _png_chunk(b"tEXt", b"Comment\x00" + salt.encode())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + (text if salt else b"")
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int, *, salt: str = "") -> bytes:
    """The marker segments a JPEG starts with (SOI, APP0/JFIF, a comment, SOF0), then EOI.

    Not decodable (no tables, no scan): enough for anything that reads the frame size, which
    is all unimedia does with a JPEG.
    """
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = salt.encode()
    sof0 = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"

    def segment(code: int, payload: bytes) -> bytes:
        return bytes([0xFF, code]) + struct.pack(">H", len(payload) + 2) + payload

    return (
        b"\xff\xd8" + segment(0xE0, app0) + segment(0xFE, comment) + segment(0xC0, sof0)
    ) + b"\xff\xd9"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 8) + kind + payload


def mp4(duration_seconds: float, *, salt: str = "", timescale: int = 1000) -> bytes:
    """An ISO-BMFF file: ``ftyp``, ``moov`` with a version-0 ``mvhd``, and an ``mdat``."""
    duration = round(duration_seconds * timescale)
    mvhd = (
        b"\x00\x00\x00\x00"  # version 0, no flags
        + struct.pack(">IIII", 0, 0, timescale, duration)
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + bytes(10)  # reserved
        + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)  # matrix
        + bytes(24)  # pre-defined
        + struct.pack(">I", 2)  # next track id
    )
    return (
        _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")
        + _box(b"moov", _box(b"mvhd", mvhd))
        + _box(b"mdat", salt.encode())
    )


def pdf(pages: int, *, salt: str = "") -> bytes:
    """A valid PDF 1.4 with ``pages`` empty A4 pages and a correct cross-reference table."""
    if pages < 1:
        raise ValueError("a PDF has at least one page")
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>" for _ in range(pages)],
        f"<< /Title ({salt.replace('(', '').replace(')', '')}) >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
