"""Serving a blob: conditional requests, single byte ranges, safe headers, streaming.

Shared by the v2 ``/content`` and the legacy ``/file``, ``/stream`` and ``/download`` routes
so that all four behave alike: ``ETag`` is the quoted SHA-256 (strong: same bytes, same
tag), ``If-None-Match`` answers 304, ``Range: bytes=a-b`` answers 206 (one range; a list of
ranges is answered with the whole file, as RFC 9110 allows), a malformed range is 400 and
an unsatisfiable one 416, both as problem documents. The bytes are streamed from disk in
chunks; uploaded HTML or SVG is always an ``attachment`` under ``nosniff`` and a sandboxing
CSP, so it can never run in this origin.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from unimedia.faults import FaultSet
from unimedia.filenames import content_disposition
from unimedia.models import Media
from unimedia.problems import ProblemError, internal_error
from unimedia.storage import BlobStore

logger = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_RANGE = re.compile(r"^\s*(?P<start>\d{0,18})\s*-\s*(?P<end>\d{0,18})\s*$")
# A download is never a document of this origin: no scripts, no plugins, no framing.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str, size: int) -> ByteRange | None:
    """One satisfiable range, or None to send the whole file; raises ProblemError 400/416."""
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        raise ProblemError(400, "The Range header must look like 'bytes=START-END'.")
    if "," in spec:
        return None  # several ranges: the whole file is a valid answer, and far simpler
    match = _RANGE.match(spec)
    if match is None or (not match["start"] and not match["end"]):
        raise ProblemError(400, "The Range header must look like 'bytes=START-END'.")
    unsatisfiable = ProblemError(
        416,
        f"The range is outside the {size} bytes of this media.",
        headers={"Content-Range": f"bytes */{size}"},
    )
    if not match["start"]:  # suffix range: the last N bytes
        suffix = int(match["end"])
        if suffix == 0 or size == 0:
            raise unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(match["start"])
    if match["end"] and int(match["end"]) < start:
        raise ProblemError(400, "The Range header's end is before its start.")
    if start >= size:
        raise unsatisfiable
    end = int(match["end"]) if match["end"] else size - 1
    return ByteRange(start, min(end, size - 1))


def _read(path: os.PathLike[str], start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def blob_response(request: Request, media: Media, store: BlobStore, faults: FaultSet) -> Response:
    """The answer to a GET of ``media``'s bytes, honouring the request's conditions."""
    etag = f'"{media.sha256}"'
    sent_etag = etag
    if faults.active("etag_unstable"):
        # The planted bug: a per-response nonce in the validator ("cache busting").
        sent_etag = f'"{media.sha256}-{uuid.uuid4().hex[:8]}"'
    headers = {
        # Set explicitly so Starlette does not append a charset to text types: the client
        # gets back exactly the type it uploaded.
        "Content-Type": media.content_type,
        "Content-Disposition": content_disposition(media.filename),
        "ETag": sent_etag,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": DOWNLOAD_CSP,
        "Cache-Control": "private, no-cache",
    }
    if faults.active("download_cache_public"):
        headers["Cache-Control"] = "public, max-age=86400"  # the planted bug
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        if sent_etag in tags or "*" in tags:
            return Response(status_code=304, headers={"ETag": sent_etag})
    path = store.path(media.sha256)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError as exc:
        # Metadata without bytes is data loss: say so in the log, not to the client.
        logger.error("blob %s of media %s is missing", media.sha256, media.id)
        raise internal_error() from exc
    byte_range: ByteRange | None = None
    raw_range = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if raw_range is not None and (if_range is None or if_range.strip() == etag):
        byte_range = parse_range(raw_range, size)
    start, length, status = 0, size, 200
    if byte_range is not None:
        start, length, status = byte_range.start, byte_range.length, 206
        if faults.active("range_off_by_one") and start + length < size:
            start += 1  # the planted bug: an off-by-one in the seek, the headers unchanged
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    if faults.active("truncated_download") and length > 1:
        # The planted bug: a buffer flushed too early; the length header agrees with the
        # short body, so only a checksum or a size comparison notices.
        length -= max(1, length // 10)
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _read(path, start, length), status_code=status, headers=headers, media_type=None
    )
