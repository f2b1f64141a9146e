#!/usr/bin/env python3
"""Make the recorded requests again, in the same order, with nothing but httpx.

    python bench/replay_requests.py RECORDING.json http://127.0.0.1:PORT

This is the "plain script" side of benchmark 1: the least a program must do to make the
smoke suite's requests — start Python, import httpx, send them one after the other on one
keep-alive connection. It imports nothing of postdeploy (so that its start-up is what a
plain script's is) and prints one JSON line: requests sent, responses whose status differs
from the recording's, and the time spent sending.

Values the server made up in the recorded run (tokens, media ids, CSRF tokens, session
cookies, ETags) differ in this one: each response's values are paired with the recorded
response's at the same place (JSON path, cookie name, form field, header) and substituted
into every later request — the correlation step of any HTTP recorder. Without it a replay
would send stale tokens and time a stream of 401s.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

_FIELD = re.compile(r'name="([^"]+)"[^>]*?value="([^"]*)"')
_VALUE_HEADERS = ("location", "etag", "set-cookie")
# a path segment with a digit in it is an id (but not an API version: v2)
_ROUTE_ID = re.compile(r"/(?!v\d+(?:/|$))[^/]*\d[^/]*")
_EDGE = r"(?<![A-Za-z0-9_.~-])"  # a value is replaced whole, never inside a longer one
_EDGE_AFTER = r"(?![A-Za-z0-9_.~-])"


def _identifier(where: str, value: str) -> bool:
    """Is this a value the server made up for the client to send back (a token, an id)?

    Long values, and short ones mixing letters and digits (``img_6``, ``doc-12``); a bare
    number only where its name says it is an id — a count or a size that differs between
    runs must not be substituted into a later ``?limit=``."""
    if len(value) >= 8:
        return True
    if value.isdigit():
        return where.lower().endswith("id")
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}/{index}")
    elif isinstance(value, str | int) and not isinstance(value, bool):
        yield path, str(value)


def _values(headers: list[list[str]], body: str | None) -> dict[str, str]:
    """Where → value of everything in a response a later request may send back."""
    found: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            cookie, _, rest = value.partition("=")
            found[f"cookie:{cookie}"] = rest.split(";", 1)[0]
        elif lowered in _VALUE_HEADERS:
            found[f"header:{lowered}"] = value
    if body:
        try:
            found |= {f"json:{k}": v for k, v in _leaves(json.loads(body))}
        except ValueError:
            seen: dict[str, int] = {}
            for name, value in _FIELD.findall(body):
                seen[name] = seen.get(name, 0) + 1
                found[f"field:{name}:{seen[name]}"] = value
    return found


class _Substitution:
    """Recorded value → this run's value, applied to whole values only."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._keys = 0

    def fill(self, text: str) -> str:
        if not self.mapping:
            return text
        if self._pattern is None or self._keys != len(self.mapping):  # grown: recompile
            keys = "|".join(map(re.escape, sorted(self.mapping, key=len, reverse=True)))
            self._pattern = re.compile(f"{_EDGE}({keys}){_EDGE_AFTER}")
            self._keys = len(self.mapping)
        return self._pattern.sub(lambda m: self.mapping[m.group(1)], text)


def main(recording_path: str, base_url: str) -> None:
    with open(recording_path, encoding="utf-8") as handle:
        exchanges = json.load(handle)["exchanges"]
    # Bare numbers (legacy ids) only ever replace a whole path segment: in a header or a
    # body (a PNG's bytes) a "6" is not an id.
    anywhere, numbers = _Substitution(), _Substitution()
    fill = anywhere.fill

    def fill_path(path: str) -> str:
        route, mark, query = fill(path).partition("?")
        segments = [numbers.mapping.get(s, s) for s in route.split("/")]
        return "/".join(segments) + mark + query

    mismatches: list[str] = []
    by_route: dict[str, list[float]] = {}
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        for exchange in exchanges:
            body = base64.b64decode(exchange["body"])
            if body and anywhere.mapping:
                body = fill(body.decode("latin-1")).encode("latin-1")
            headers = [(k, fill(v)) for k, v in exchange["headers"] if k.lower() != "host"]
            path = fill_path(exchange["path"])
            method = exchange["method"]
            response = client.request(method, path, headers=headers, content=body or None)
            route = f"{method} {_ROUTE_ID.sub('/{id}', exchange['path'].split('?')[0])}"
            by_route.setdefault(route, []).append(response.elapsed.total_seconds())
            client.cookies.clear()  # cookies travel in the recorded Cookie header, mapped
            if response.status_code != exchange["status"]:
                mismatches.append(
                    f"{exchange['method']} {exchange['path']}: {response.status_code}, "
                    f"recorded {exchange['status']}"
                )
            kind = response.headers.get("content-type", "")
            text = response.text if exchange["response_body"] is not None and kind else None
            then = _values(exchange["response_headers"], exchange["response_body"])
            now = _values([list(h) for h in response.headers.multi_items()], text)
            for where, old in then.items():
                new = now.get(where)
                if new is not None and new != old and _identifier(where, old):
                    (numbers if old.isdigit() else anywhere).mapping[old] = new
    elapsed = time.perf_counter() - started
    routes = sorted(by_route.items(), key=lambda item: sum(item[1]), reverse=True)
    slowest = [{"route": r, "requests": len(t), "total_s": round(sum(t), 3)} for r, t in routes]
    print(json.dumps({"requests": len(exchanges), "status_mismatches": mismatches,
                      "sending_s": round(elapsed, 4), "slowest_routes": slowest[:8]}))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
