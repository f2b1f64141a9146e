"""Judging one answer against the model: representations, problem documents, downloads.

Each function raises a :class:`~postdeploy.checks.model_promises.Violation` naming the
promise an answer breaks, or returns quietly. They read only what a client can see — the
status, the headers, the body — so the same judgement serves every API that answers.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx

from postdeploy.checks.media_model import (
    LEGACY_TIME_FIELD,
    Item,
    RangeAnswer,
    legacy_repr,
    parse_created,
    v2_repr,
)
from postdeploy.checks.model_promises import Promise, expect, violation
from postdeploy.checks.websec import error_leaks

__all__ = [
    "content_disposition_name",
    "describe",
    "json_body",
    "judge_download",
    "judge_legacy_object",
    "judge_problem",
    "judge_v2_object",
    "shows_internals",
]

PROBLEM_TYPE = "application/problem+json"


def describe(response: httpx.Response) -> str:
    """``METHOD path → status``: how an answer is named in a violation."""
    request = response.request
    path = request.url.raw_path.decode(errors="replace")
    return f"{request.method} {path} → {response.status_code}"


def shows_internals(text: str) -> str | None:
    """What internals an error answer shows (a traceback, paths, SQL…), or None."""
    leaks = error_leaks(text)
    return ", ".join(leaks) if leaks else None


def json_body(response: httpx.Response, promise: Promise = Promise.REPRESENTATION) -> Any:
    try:
        return response.json()
    except ValueError:
        text = response.text[:120]
        raise violation(promise, f"{describe(response)}: not JSON: {text!r}") from None


def judge_status(
    response: httpx.Response, expected: int | tuple[int, ...], promise: Promise, what: str
) -> None:
    """The status must be ``expected`` (or one of them); a 5xx is always a server error,
    whatever was asked."""
    if response.status_code >= 500:
        raise violation(Promise.SERVER_ERROR, f"{what}: {describe(response)} {response.text[:200]}")
    allowed = expected if isinstance(expected, tuple) else (expected,)
    expect(
        response.status_code in allowed,
        promise,
        f"{what}: {describe(response)}, expected {expected}: {response.text[:200]}",
    )


def judge_problem(
    response: httpx.Response, status: int | tuple[int, ...], what: str, promise: Promise
) -> None:
    """An error answer: ``status`` (or one of them), an RFC 9457 problem document whose
    ``status`` says the same, no internals."""
    judge_status(response, status, promise, what)
    leak = shows_internals(response.text)
    expect(leak is None, Promise.INTERNALS, f"{what}: {describe(response)} shows {leak}")
    content_type = response.headers.get("content-type", "")
    expect(
        content_type.split(";")[0].strip() == PROBLEM_TYPE,
        promise,
        f"{what}: {describe(response)} is {content_type!r}, not {PROBLEM_TYPE}",
    )
    body = json_body(response, promise)
    expect(
        isinstance(body, dict)
        and body.get("status") == response.status_code
        and isinstance(body.get("title"), str)
        and isinstance(body.get("detail"), str),
        promise,
        f"{what}: {describe(response)}: not a problem document: {response.text[:200]}",
    )


def _same_time(left: Any, right: str) -> bool:
    a, b = parse_created(left), parse_created(right)
    return a is not None and a == b


def judge_v2_object(body: Any, item: Item, what: str) -> None:
    """A v2 media object: every field, exactly; ``created_at`` as first answered."""
    expect(isinstance(body, dict), Promise.REPRESENTATION, f"{what}: not an object: {body!r}")
    expected = v2_repr(item)
    fields = {*expected, "created_at"}
    expect(
        set(body) == fields,
        Promise.REPRESENTATION,
        f"{what}: fields {sorted(set(body) ^ fields)} differ from the v2 contract",
    )
    for key in ("kind", "id", "owner"):
        expect(
            body[key] == expected[key],
            Promise.REPRESENTATION if key == "kind" else Promise.METADATA,
            f"{what}: {key} is {body[key]!r}, the model says {expected[key]!r}",
        )
    wrong = {key: (body[key], value) for key, value in expected.items() if body[key] != value}
    expect(not wrong, Promise.METADATA, f"{what}: (answered, expected) {_short(wrong)}")
    expect(
        _same_time(body["created_at"], item.created_at),
        Promise.METADATA,
        f"{what}: created_at {body['created_at']!r}, first answered {item.created_at!r}",
    )


def judge_legacy_object(body: Any, item: Item, what: str) -> None:
    """An item of its legacy API: the frozen field set, every value as the model says."""
    expect(isinstance(body, dict), Promise.REPRESENTATION, f"{what}: not an object: {body!r}")
    expected = legacy_repr(item)
    time_field = LEGACY_TIME_FIELD[item.kind]
    fields = {*expected, time_field}
    expect(
        set(body) == fields,
        Promise.REPRESENTATION,
        f"{what}: fields {sorted(set(body) ^ fields)} differ from the frozen contract",
    )
    for key, value in expected.items():
        # a type change (42 → "42") is a contract break; a different value is wrong data
        if type(body[key]) is not type(value) and value is not None and body[key] is not None:
            raise violation(
                Promise.REPRESENTATION, f"{what}: {key} is {body[key]!r}, of type {type(value)}"
            )
    wrong = {key: (body[key], value) for key, value in expected.items() if body[key] != value}
    expect(not wrong, Promise.METADATA, f"{what}: (answered, expected) {_short(wrong)}")
    expect(
        _same_time(body[time_field], item.created_at),
        Promise.METADATA,
        f"{what}: {time_field} {body[time_field]!r}, the v2 created_at is {item.created_at!r}",
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "…"


_FILENAME_STAR = re.compile(r"filename\*\s*=\s*UTF-8''([^;\s]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"([^"]*)"', re.IGNORECASE)


def content_disposition_name(header: str) -> str | None:
    """The file name a browser saves under: ``filename*`` (RFC 5987) before ``filename``."""
    star = _FILENAME_STAR.search(header)
    if star:
        return unquote(star.group(1), encoding="utf-8", errors="strict")
    plain = _FILENAME.search(header)
    return plain.group(1) if plain else None


def judge_download(
    response: httpx.Response,
    item: Item,
    expected: RangeAnswer,
    what: str,
    *,
    etag_known: str | None,
    status_promise: Promise = Promise.REFUSED,
) -> str | None:
    """A download: status, bytes, Content-Range/Length/Type/Disposition, ETag, caching.

    ``status_promise`` is what a wrong status breaks (the conditional header that asked for
    it: Range → RANGE, If-None-Match → ETAG; a plain download → REFUSED). Returns the
    answer's ETag, for stability checks across answers and APIs.
    """
    if response.status_code >= 500:
        raise violation(Promise.SERVER_ERROR, f"{what}: {describe(response)} {response.text[:200]}")
    headers = response.headers
    promise = status_promise
    if expected.status in (400, 416):
        judge_problem(response, expected.status, what, Promise.RANGE)
        if expected.status == 416:
            expect(
                headers.get("content-range") == f"bytes */{item.size}",
                Promise.RANGE,
                f"{what}: 416 with Content-Range {headers.get('content-range')!r}",
            )
        return None
    judge_status(response, expected.status, promise, what)
    etag = headers.get("etag")
    expect(bool(etag), Promise.ETAG, f"{what}: {describe(response)} has no ETag")
    expect(
        etag_known is None or etag == etag_known,
        Promise.ETAG,
        f"{what}: ETag {etag!r}, earlier answers for the same bytes said {etag_known!r}",
    )
    if expected.status == 304:
        expect(not response.content, Promise.ETAG, f"{what}: a 304 with a body")
        return etag
    body = response.content
    if expected.status == 200:
        expect(
            body == item.content,
            Promise.BYTES,
            f"{what}: {len(body)} bytes back, {item.size} uploaded"
            + ("" if len(body) != item.size else " (same length, other bytes)"),
        )
    else:
        want = item.content[expected.start : expected.end + 1]
        expect(
            headers.get("content-range") == f"bytes {expected.start}-{expected.end}/{item.size}",
            Promise.RANGE,
            f"{what}: Content-Range {headers.get('content-range')!r}, expected "
            f"bytes {expected.start}-{expected.end}/{item.size}",
        )
        expect(
            body == want,
            Promise.RANGE,
            f"{what}: {len(body)} bytes for a range of {expected.length}"
            + ("" if len(body) != expected.length else " (other bytes)"),
        )
    _judge_download_headers(response, item, what, len(body))
    return etag


def _judge_download_headers(response: httpx.Response, item: Item, what: str, length: int) -> None:
    headers = response.headers
    expect(
        headers.get("content-length") == str(length),
        Promise.HEADERS,
        f"{what}: Content-Length {headers.get('content-length')!r} for {length} bytes",
    )
    expect(
        headers.get("content-type") == item.content_type,
        Promise.HEADERS,
        f"{what}: Content-Type {headers.get('content-type')!r}, uploaded as {item.content_type!r}",
    )
    disposition = headers.get("content-disposition", "")
    expect(
        disposition.lower().startswith("attachment"),
        Promise.HEADERS,
        f"{what}: Content-Disposition {disposition!r} is not an attachment",
    )
    try:
        saved_as = content_disposition_name(disposition)
    except UnicodeDecodeError:
        saved_as = None
    expect(
        saved_as == item.filename,
        Promise.HEADERS,
        f"{what}: Content-Disposition {disposition!r} names {saved_as!r}, not {item.filename!r}",
    )
    expect(
        headers.get("x-content-type-options", "").lower() == "nosniff",
        Promise.HEADERS,
        f"{what}: no X-Content-Type-Options: nosniff on a download",
    )
    cache = {part.strip().lower() for part in headers.get("cache-control", "").split(",")}
    expect(
        "private" in cache and ({"no-cache", "no-store"} & cache),
        Promise.HEADERS,
        f"{what}: Cache-Control {headers.get('cache-control')!r} lets shared caches keep "
        "private media or skip revalidation",
    )
