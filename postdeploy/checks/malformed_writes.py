"""Malformed writes: every write endpoint, every way a body can be wrong, on a raw socket.

A client library cannot send a multipart body without parts, a part without a name, a
truncated body or a boundary that never closes — so these requests are built byte by byte
and sent over a plain socket (TLS-wrapped for an HTTPS target, verified against the
target's CA), and the answer is read with h11 (httpx's own HTTP/1.1 parser). Each answer
must be a 4xx — an RFC 9457 problem document for the API, any page for the web UI — never
a 5xx, never internals (a traceback, paths, SQL), and the same connection must then answer
a plain ``GET /healthz`` (unless the server said ``Connection: close``, when a new connection must).

The matrix (endpoint x malformation) is complete and fixed; on top of it, valid multipart
bodies are cut short or have a byte changed at places drawn from a seeded generator. Those
may still parse (a byte changed inside the file is just other bytes): they must never
get a 5xx or show internals, and what they store is deleted afterwards.
"""

from __future__ import annotations

import json
import random
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import h11

from postdeploy.checks.model_promises import Promise, Violation, violation
from postdeploy.checks.websec import error_leaks

__all__ = [
    "Answer",
    "Malformed",
    "judge",
    "judge_all",
    "matrix",
    "random_cuts",
    "send",
    "send_probe",
    "tls_context",
]

PROBLEM_TYPE = "application/problem+json"
BOUNDARY = "postdeploy-malformed-7d1f"
UPLOADS = {  # path → the file field it expects
    "/api/v2/media": "file",
    "/api/v1/images": "image",
    "/api/v1/videos": "video",
    "/api/v1/documents": "document",
}
LOGIN = "/api/v2/auth/login"
#: larger than any upload limit a service would set, never sent: only declared
HUGE = 50 * 1024**3


@dataclass(frozen=True, slots=True)
class Malformed:
    """One malformed request: what is wrong with it, and where it goes."""

    name: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    api: bool = True  # an API endpoint (problem documents) rather than a UI form
    may_succeed: bool = False  # the bytes may still form a valid request
    declared_length: int | None = None  # a Content-Length other than len(body)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    reusable: bool  # the same connection answered the follow-up request
    closed_by_server: bool


def _part(
    name: str, value: bytes, *, filename: str | None = None, ctype: str | None = None
) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def _end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


def _multipart(field: str, *, tags: bytes = b"postdeploy", filename: str = "probe.png") -> bytes:
    return _part(field, b"\x89PNG malformed-write probe", filename=filename,
                 ctype="image/png") + _part("tags", tags) + _end()  # fmt: skip


def matrix(auth: str, run_tag: str, filename: str) -> Iterator[Malformed]:
    """Every upload endpoint x every malformation, the login with bad bodies, the UI forms."""
    mp = (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"), ("Authorization", auth))
    tags = f"postdeploy,{run_tag}".encode()
    for path, field in UPLOADS.items():
        valid = _multipart(field, tags=tags, filename=filename)
        cases: dict[str, tuple[tuple[tuple[str, str], ...], bytes, int | None]] = {
            "multipart without parts": (mp, _end(), None),
            "multipart, empty body": (mp, b"", None),
            "no Content-Type": ((("Authorization", auth),), valid, None),
            "multipart without a boundary": (
                (("Content-Type", "multipart/form-data"), ("Authorization", auth)), valid, None),
            "truncated before the closing boundary": (mp, valid[: len(valid) // 2], None),
            "a boundary that never closes": (mp, valid[: -len(_end())], None),
            "the file as a plain field": (mp, _part(field, b"not a file") + _end(), None),
            "the file under another field name": (
                mp, _part("attachment", b"x", filename="a.png", ctype="image/png") + _end(), None),
            "a part without a name": (
                mp, f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode()
                + _end(), None),
            "an oversized file name": (
                mp, _part(field, b"x", filename="n" * 70_000, ctype="image/png") + _end(), None),
            "an oversized part header": (
                mp, f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                f"filename=\"a.png\"\r\nX-Pad: {'p' * 200_000}\r\n\r\nx\r\n".encode() + _end(),
                None),
            "an oversized tags field": (
                mp, _part(field, b"x", filename="a.png", ctype="image/png")
                + _part("tags", b"t" * 2_000_000) + _end(), None),
            "JSON instead of multipart": (
                (("Content-Type", "application/json"), ("Authorization", auth)),
                b'{"file": "x"}', None),
            "garbage bytes": (mp, bytes(range(256)) * 8, None),
            "a declared length beyond any limit": (mp, b"", HUGE),
        }  # fmt: skip
        for name, (headers, body, declared) in cases.items():
            # A body that just ends after its last part is parsed by lenient parsers, and
            # what it held was complete: storing it is not wrong.
            lenient = name == "a boundary that never closes"
            yield Malformed(f"{path}: {name}", path, headers, body, declared_length=declared,
                            may_succeed=lenient)  # fmt: skip
    json_h = (("Content-Type", "application/json"),)
    for name, body in {
        "malformed JSON": b'{"username": ',
        "wrong types": json.dumps({"username": 5, "password": ["x"]}).encode(),
        "not UTF-8": b'{"username": "\xff\xfe", "password": "x"}',
        "an array": b"[]",
        "an oversized username": json.dumps({"username": "u" * 10_000, "password": "x"}).encode(),
        "form data": b"username=a&password=b",
    }.items():
        yield Malformed(f"{LOGIN}: {name}", LOGIN, json_h, body)
    ui_mp = (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),)
    for path in ("/upload", "/login", "/logout", "/media/x/delete"):
        yield Malformed(f"UI {path}: truncated multipart", path, ui_mp,
                        _multipart("file")[:40], api=False)  # fmt: skip
        yield Malformed(f"UI {path}: garbage form", path,
                        (("Content-Type", "application/x-www-form-urlencoded"),),
                        b"%%%&&&===" * 50, api=False)  # fmt: skip


def random_cuts(
    auth: str, run_tag: str, filename: str, rng: random.Random, count: int
) -> Iterator[Malformed]:
    """Valid uploads cut short, or with one byte changed, at places drawn from ``rng``."""
    mp = (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"), ("Authorization", auth))
    tags = f"postdeploy,{run_tag}".encode()
    for number in range(count):
        path, field = rng.choice(sorted(UPLOADS.items()))
        body = bytearray(_multipart(field, tags=tags, filename=filename))
        where = rng.randrange(len(body))
        if rng.random() < 0.5:
            cut = bytes(body[:where])
            yield Malformed(f"{path}: cut at byte {where} (#{number})", path, mp, cut,
                            may_succeed=True)  # fmt: skip
        else:
            body[where] = rng.randrange(256)
            yield Malformed(f"{path}: byte {where} changed (#{number})", path, mp, bytes(body),
                            may_succeed=True)  # fmt: skip


def tls_context(base_url: str, ca_file: Path | None = None) -> ssl.SSLContext | None:
    """What an HTTPS target's connections are verified with (its own CA when it has one);
    None for plain HTTP."""
    if urlsplit(base_url).scheme != "https":
        return None
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _connect(url: SplitResult, tls: ssl.SSLContext | None, timeout_s: float) -> socket.socket:
    if url.scheme not in ("http", "https") or url.hostname is None:
        raise ValueError(f"malformed writes need an http(s) URL, not {url.geturl()!r}")
    if url.scheme == "https" and tls is None:
        raise ValueError("an HTTPS target needs a TLS context (tls_context)")
    port = url.port or (443 if url.scheme == "https" else 80)
    sock = socket.create_connection((url.hostname, port), timeout=timeout_s)
    if tls is None:
        return sock
    try:
        return tls.wrap_socket(sock, server_hostname=url.hostname)
    except BaseException:
        sock.close()
        raise


def send(
    base_url: str,
    request: Malformed,
    *,
    timeout_s: float = 10.0,
    tls: ssl.SSLContext | None = None,
) -> Answer:
    """Send ``request`` on a new connection, then ``GET /healthz`` on the same one."""
    url = urlsplit(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    with _connect(url, tls, timeout_s) as sock:
        conn = h11.Connection(h11.CLIENT)
        length = (
            request.declared_length if request.declared_length is not None else len(request.body)
        )
        headers = [("Host", f"{url.hostname}:{port}"), *request.headers,
                   ("Content-Length", str(length))]  # fmt: skip
        sock.sendall(conn.send(h11.Request(method="POST", target=request.path, headers=headers)))
        if request.body:
            sock.sendall(conn.send(h11.Data(data=request.body)))
        if request.declared_length is None:
            sock.sendall(conn.send(h11.EndOfMessage()))
        status, answer_headers, body, closed = _receive(sock, conn)
        if request.declared_length is not None and not closed:
            closed = _closes_soon(sock)
        reusable = False
        if not closed and request.declared_length is None and conn.our_state is h11.DONE:
            conn.start_next_cycle()
            probe = h11.Request(method="GET", target="/healthz", headers=[("Host", url.hostname)])
            sock.sendall(conn.send(probe) + conn.send(h11.EndOfMessage()))
            try:
                probe_status, _h, _b, _c = _receive(sock, conn)
                reusable = probe_status == 200
            except (OSError, h11.ProtocolError):
                reusable = False
    return Answer(status, answer_headers, body, reusable, closed)


def _closes_soon(sock: socket.socket, wait_s: float = 1.0) -> bool:
    """After answering a request whose body it never read, the server must close: else it
    holds the connection open for a body that is not coming."""
    sock.settimeout(wait_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def _receive(sock: socket.socket, conn: h11.Connection) -> tuple[int, dict[str, str], bytes, bool]:
    status, headers, body = 0, {}, bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = sock.recv(65536)
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Response):
            status = event.status_code
            headers = {k.decode().lower(): v.decode(errors="replace") for k, v in event.headers}
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            break
    closed = headers.get("connection", "").lower() == "close" or conn.their_state is h11.MUST_CLOSE
    return status, headers, bytes(body), closed


def judge(request: Malformed, answer: Answer, healthy_again: bool) -> None:
    """Raise the violation ``answer`` commits, if any (``healthy_again``: a fresh
    connection answered ``/healthz`` after a connection the server closed)."""
    what = f"{request.name}: HTTP {answer.status}"
    text = answer.body.decode(errors="replace")
    if answer.status >= 500 or answer.status == 0:
        raise violation(Promise.SERVER_ERROR, f"{what}: {text[:200]}")
    leaks = error_leaks(text)
    if leaks:
        raise violation(Promise.INTERNALS, f"{what} shows {', '.join(leaks)}: {text[:200]}")
    if request.may_succeed and 200 <= answer.status < 300:
        pass
    elif request.api:
        _judge_problem(request, answer, what, text)
    elif answer.status >= 400 and answer.status not in range(400, 500):
        raise violation(Promise.MALFORMED, f"{what}: not a refusal")
    if not answer.reusable and not (answer.closed_by_server and healthy_again):
        raise violation(
            Promise.CONNECTION,
            f"{what}: the connection did not answer GET /healthz afterwards"
            + ("" if answer.closed_by_server else ", nor did the server close it"),
        )


def _judge_problem(request: Malformed, answer: Answer, what: str, text: str) -> None:
    if not 400 <= answer.status < 500:
        raise violation(Promise.MALFORMED, f"{what}: a malformed write must be refused with a 4xx")
    content_type = answer.headers.get("content-type", "").split(";")[0].strip()
    if content_type != PROBLEM_TYPE:
        raise violation(Promise.MALFORMED, f"{what}: answered {content_type!r}, not {PROBLEM_TYPE}")
    try:
        body = json.loads(text)
    except ValueError:
        raise violation(Promise.MALFORMED, f"{what}: the problem document is not JSON") from None
    ok = (
        isinstance(body, dict)
        and body.get("status") == answer.status
        and isinstance(body.get("title"), str)
        and isinstance(body.get("detail"), str)
    )
    if not ok:
        raise violation(Promise.MALFORMED, f"{what}: not a problem document: {text[:200]}")


def judge_all(
    base_url: str, requests: list[Malformed], *, ca_file: Path | None = None
) -> tuple[list[Violation], list[tuple[Malformed, Answer]]]:
    """Send each request and judge its answer: every violation in order, and the answers
    that stored something (for the caller to delete). ``ca_file``: an HTTPS target's CA."""
    found: list[Violation] = []
    stored: list[tuple[Malformed, Answer]] = []
    tls = tls_context(base_url, ca_file)
    for request in requests:
        answer = send(base_url, request, tls=tls)
        if 200 <= answer.status < 300:
            stored.append((request, answer))
        healthy = answer.reusable or send_probe(base_url, tls=tls) == 200
        try:
            judge(request, answer, healthy)
        except Violation as exc:
            found.append(exc)
    return found, stored


def send_probe(base_url: str, *, tls: ssl.SSLContext | None = None) -> int:
    """``GET /healthz`` on a new connection: the status, 0 when nothing answers."""
    url = urlsplit(base_url)
    try:
        with _connect(url, tls, 10.0) as sock:
            conn = h11.Connection(h11.CLIENT)
            request = h11.Request(
                method="GET", target="/healthz", headers=[("Host", url.hostname or "")]
            )
            sock.sendall(conn.send(request) + conn.send(h11.EndOfMessage()))
            return _receive(sock, conn)[0]
    except (OSError, h11.ProtocolError):
        return 0
