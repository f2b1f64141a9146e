"""The target's OpenAPI document, cut to what the scan may send: reads, off the login.

Wapiti seeds its crawl from an OpenAPI document (``--swagger``) and then sends every
operation in it, DELETE included, with placeholder values (``1`` for an id — a real legacy
number). Its ``-x`` exclusions match URLs, not methods, so they cannot keep a DELETE out
while letting the GET of the same URL in. So the scan gets its own copy of the document:
GET operations only, minus the excluded paths. Writes are the ``security/`` checks' job,
with tagged probe media they delete afterwards.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ReadOnlyApi", "fetch_read_only_api"]

SAFE_METHODS = ("get",)
_OPERATIONS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@dataclass(frozen=True, slots=True)
class ReadOnlyApi:
    """The cut document (written to ``path``) and what was cut, for the scan's notes."""

    path: Path | None
    kept: int
    dropped: int
    note: str


def read_only(document: dict[str, Any], excluded_paths: tuple[str, ...]) -> tuple[dict, int, int]:
    """``document`` with only its GET operations on paths no pattern excludes."""
    paths: dict[str, Any] = {}
    kept = dropped = 0
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        excluded = any(fnmatch.fnmatchcase(path, pattern) for pattern in excluded_paths)
        shared = {key: value for key, value in item.items() if key not in _OPERATIONS}
        operations = {}
        for method, operation in item.items():
            if method not in _OPERATIONS:
                continue
            if method in SAFE_METHODS and not excluded:
                operations[method] = operation
                kept += 1
            else:
                dropped += 1
        if operations:
            paths[path] = {**shared, **operations}
    return {**document, "paths": paths}, kept, dropped


def fetch_read_only_api(
    client: httpx.Client, openapi_path: str, excluded_paths: tuple[str, ...], out: Path
) -> ReadOnlyApi:
    """Fetch the document, cut it, write it to ``out``. No document is a note, not an
    error: the crawl then starts from the target's pages alone."""
    try:
        response = client.get(openapi_path)
        document = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        return ReadOnlyApi(None, 0, 0, f"no OpenAPI document at {openapi_path}: crawl only")
    cut, kept, dropped = read_only(document, excluded_paths)
    out.write_text(json.dumps(cut, indent=1) + "\n", encoding="utf-8")
    note = (
        f"OpenAPI {openapi_path}: {kept} read operation(s) scanned, {dropped} write, delete "
        f"or login operation(s) left out"
    )
    return ReadOnlyApi(out, kept, dropped, note)
