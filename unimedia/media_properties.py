"""Read what the legacy contracts report from the bytes themselves, not from the client.

The old per-kind APIs showed an image's width and height, a video's duration and a
document's page count. The unified store keeps those as columns, filled here from a staged
file on disk: PNG ``IHDR``, JPEG ``SOFn`` and MP4 ``mvhd`` are found by reading a few
headers; a PDF's pages are counted in fixed-size chunks, so a large file is never read
into memory whole. Anything that does not parse is "unknown" (``None``), never an error: a
client may upload a ``.png`` that is not one, and that is its business.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from unimedia.models import Kind

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_CHUNK = 1024 * 1024
_OVERLAP = 64  # longer than any "/Type /Page" match, so none is split between chunks
_MAX_JPEG_SEGMENTS = 10_000
_MAX_MP4_BOXES = 10_000


@dataclass(frozen=True, slots=True)
class MediaInfo:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    pages: int | None = None


def read_media_properties(path: Path, kind: Kind) -> MediaInfo:
    """What can be learned from the file at ``path`` for media of ``kind``."""
    with path.open("rb") as handle:
        if kind is Kind.IMAGE:
            size = _png_size(handle) or _jpeg_size(handle)
            return MediaInfo(*size) if size else MediaInfo()
        if kind is Kind.VIDEO:
            return MediaInfo(duration_seconds=_mp4_duration(handle))
        if kind is Kind.DOCUMENT:
            return MediaInfo(pages=_pdf_pages(handle))
    return MediaInfo()


def _png_size(handle: BinaryIO) -> tuple[int, int] | None:
    handle.seek(0)
    head = handle.read(24)
    if len(head) < 24 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return (width, height) if width and height else None


def _jpeg_size(handle: BinaryIO) -> tuple[int, int] | None:
    handle.seek(0)
    if handle.read(2) != b"\xff\xd8":
        return None
    for _ in range(_MAX_JPEG_SEGMENTS):
        marker = handle.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code == 0xFF:  # fill byte: the marker code follows
            handle.seek(-1, 1)
            continue
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            continue
        if code in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            return None
        raw_length = handle.read(2)
        if len(raw_length) < 2:
            return None
        (length,) = struct.unpack(">H", raw_length)
        if length < 2:
            return None
        if code in _JPEG_SOF:
            frame = handle.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return (width, height) if width and height else None
        handle.seek(length - 2, 1)
    return None


def _boxes(handle: BinaryIO, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """ISO-BMFF boxes between ``start`` and ``end``: type → (payload offset, payload end)."""
    found: dict[bytes, tuple[int, int]] = {}
    offset = start
    for _ in range(_MAX_MP4_BOXES):
        if offset + 8 > end:
            break
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            break
        size, box_type = struct.unpack(">I4s", header)
        payload = offset + 8
        if size == 1:
            large = handle.read(8)
            if len(large) < 8:
                break
            (size,) = struct.unpack(">Q", large)
            payload += 8
        elif size == 0:
            size = end - offset
        if size < payload - offset or offset + size > end:
            break
        found.setdefault(box_type, (payload, offset + size))
        offset += size
    return found


def _mp4_duration(handle: BinaryIO) -> float | None:
    end = handle.seek(0, 2)
    moov = _boxes(handle, 0, end).get(b"moov")
    if moov is None:
        return None
    mvhd = _boxes(handle, *moov).get(b"mvhd")
    if mvhd is None:
        return None
    handle.seek(mvhd[0])
    body = handle.read(32)
    if not body:
        return None
    if body[0] == 1 and len(body) >= 32:
        timescale, duration = struct.unpack(">IQ", body[20:32])
    elif body[0] == 0 and len(body) >= 20:
        timescale, duration = struct.unpack(">II", body[12:20])
    else:
        return None
    return round(duration / timescale, 3) if timescale else None


def _pdf_pages(handle: BinaryIO) -> int:
    """``/Type /Page`` objects of a PDF; 1 for any other document (it is one page of
    something), and 1 for a PDF whose pages hide in compressed object streams."""
    handle.seek(0)
    if not handle.read(5).startswith(b"%PDF-"):
        return 1
    handle.seek(0)
    pages, tail = 0, b""
    while chunk := handle.read(_CHUNK):
        window = tail + chunk
        # Count only matches that start before the overlap kept for the next round, so
        # one match is never counted twice.
        limit = max(len(window) - _OVERLAP, 0)
        pages += sum(1 for match in _PDF_PAGE.finditer(window) if match.start() < limit)
        tail = window[limit:]
    pages += len(_PDF_PAGE.findall(tail))
    return max(pages, 1)
