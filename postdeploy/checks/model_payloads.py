"""Uploads the model-based checks send, and what the service must read from them.

A payload is described by a few small numbers (a format, a size, a seed, a page count…)
rather than by its bytes, so that Hypothesis draws and shrinks it cheaply — a 6 MiB upload
shrinks to an empty one by shrinking one integer — and a failing sequence replays with the
very same bytes. :func:`build` makes the bytes; the format says what the legacy
representations must report (an image's width and height, a video's duration, a
document's pages), computed here from what we put in, not by parsing what came back.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Format", "Payload", "Probed", "build"]


class Format(StrEnum):
    PNG = "png"  # a real PNG header (IHDR), then random bytes
    MP4 = "mp4"  # ftyp + moov/mvhd (a duration) + mdat of random bytes
    PDF = "pdf"  # a PDF whose "/Type /Page" objects are spread over the whole file
    TEXT = "text"  # UTF-8 text in several scripts
    HTML = "html"  # active content: must only ever download as an attachment
    BINARY = "binary"  # random bytes


@dataclass(frozen=True, slots=True)
class Probed:
    """What the legacy contracts must report for a payload (``None``: the bytes do not say)."""

    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    pages: int | None = None


@dataclass(frozen=True, slots=True)
class Payload:
    """The recipe of one upload's bytes; ``size`` is the target (formats with structure —
    headers, page objects, whole characters — land near it)."""

    format: Format
    size: int
    seed: int
    width: int = 1
    height: int = 1
    pages: int = 1
    duration_ms: int = 1000

    def probed(self) -> Probed:
        if self.format is Format.PNG:
            return Probed(width=self.width, height=self.height)
        if self.format is Format.MP4:
            return Probed(duration_seconds=round(self.duration_ms / 1000, 3))
        if self.format is Format.PDF:
            return Probed(pages=self.pages)
        return Probed()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def _padding(rng: random.Random, size: int, *, letters: bool = False) -> bytes:
    if size <= 0:
        return b""
    if letters:  # no '/' in it, so no accidental "/Type /Page" in a PDF
        return bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz \n", k=size))
    return rng.randbytes(size)


def _png(payload: Payload, rng: random.Random) -> bytes:
    header = struct.pack(">IIBBBBB", payload.width, payload.height, 8, 2, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b""))
    tail = _chunk(b"IEND", b"")
    return head + _padding(rng, payload.size - len(head) - len(tail)) + tail


def _mp4(payload: Payload, rng: random.Random) -> bytes:
    # mvhd version 0: version/flags, creation, modification, timescale, duration, …
    mvhd = struct.pack(">IIIII", 0, 0, 0, 1000, payload.duration_ms) + bytes(80)
    head = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    head += _box(b"moov", _box(b"mvhd", mvhd))
    return head + _box(b"mdat", _padding(rng, payload.size - len(head) - 8))


def _pdf(payload: Payload, rng: random.Random) -> bytes:
    pages = max(payload.pages, 1)
    gap = max(payload.size - 64 * pages, 0) // pages
    out = bytearray(b"%PDF-1.4\n")
    for number in range(pages):
        out += f"{number + 3} 0 obj << /Type /Page /Parent 2 0 R >> endobj\n".encode()
        out += _padding(rng, gap, letters=True)
    out += b"%%EOF\n"
    return bytes(out)


_SCRIPTS = ("Grüße", "日本語のテキスト", "Ελληνικά", "עברית", "हिन्दी", "😀 emoji", "ASCII")


def _text(payload: Payload, rng: random.Random) -> bytes:
    out = bytearray()
    while len(out) < payload.size:
        out += (rng.choice(_SCRIPTS) + "\n").encode()
    return bytes(out[: payload.size]).decode("utf-8", "ignore").encode()


def _html(payload: Payload, rng: random.Random) -> bytes:
    page = b"<!doctype html><script>alert(document.domain)</script><p>"
    return page + _padding(rng, payload.size - len(page), letters=True)


def build(payload: Payload) -> bytes:
    """The bytes of ``payload``: the same recipe always gives the same bytes."""
    rng = random.Random(payload.seed)  # noqa: S311 -- test data, replayable by seed
    if payload.format is Format.PNG:
        return _png(payload, rng)
    if payload.format is Format.MP4:
        return _mp4(payload, rng)
    if payload.format is Format.PDF:
        return _pdf(payload, rng)
    if payload.format is Format.TEXT:
        return _text(payload, rng)
    if payload.format is Format.HTML:
        return _html(payload, rng)
    return _padding(rng, payload.size)
