"""Where snapshot records come from.

* :func:`database_records`: straight from unimedia's database (give a read-only URL), in
  either schema — the legacy per-kind tables before the unification, the unified ``media``
  table after it — streamed in batches. Keys are ``<kind>:<legacy number>``, which the
  migration keeps in both directions, so "before" and "after" join on them.
* :func:`api_records`: through the legacy APIs as the admin (they show the same numbers),
  for a deployment whose database postdeploy may not read.

Content checksums: from the blob store on disk (:func:`blob_digest`) or by downloading
(:func:`api_digest`), streamed in chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from postdeploy.checks.legacy_api import LEGACY
from postdeploy.errors import ConfigError, TargetError
from postdeploy.snapshot.model import Record, normalise_time

__all__ = ["api_digest", "api_records", "blob_digest", "database_records"]

_LEGACY_TABLES = {"image": "images", "video": "videos", "document": "documents"}
_COLUMNS = "owner, filename, content_type, size, sha256, created_at"
_CHUNK = 1 << 16


def database_records(url: str) -> Iterator[Record]:
    """Every media record in the database at ``url`` (legacy or unified schema)."""
    try:
        from sqlalchemy import create_engine, inspect, text
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:
        raise ConfigError(
            "reading a database needs SQLAlchemy: pip install 'postdeploy[data]'"
        ) from None
    try:
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the database: {str(exc).splitlines()[0]}") from None
    except ImportError as exc:  # the URL's dialect needs a driver that is not installed
        raise ConfigError(
            f"cannot read the database: its driver is not installed ({exc.name or exc}): "
            f"pip install {exc.name or 'the driver'}"
        ) from None
    if "media" in tables:
        queries = [("", f"SELECT kind, legacy_id, {_COLUMNS} FROM media")]  # noqa: S608 - constants
    else:
        queries = [(kind, f"SELECT '{kind}', id, {_COLUMNS} FROM {table}")  # noqa: S608 - constants
                   for kind, table in _LEGACY_TABLES.items() if table in tables]  # fmt: skip
        if not queries:
            raise ConfigError(
                "the database holds neither unimedia's media table nor the legacy ones"
            )
    try:
        with engine.connect() as connection:
            for _kind, query in queries:
                rows = connection.execution_options(stream_results=True, yield_per=5000).execute(
                    text(query)
                )
                for kind, number, owner, filename, ctype, size, sha, created in rows:
                    yield Record(f"{kind}:{number}", kind, owner, filename, ctype, int(size),
                                 sha, normalise_time(created))  # fmt: skip
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the database: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


def blob_digest(blob_dir: Path) -> Callable[[Record], str | None]:
    """SHA-256 of the record's bytes in a content-addressed store (``ab/cdef…``)."""

    def digest(record: Record) -> str | None:
        path = blob_dir / record.sha256[:2] / record.sha256[2:]
        try:
            return _hash_stream(path.open("rb"))
        except OSError:
            return "missing"

    return digest


def _hash_stream(handle: Any) -> str:
    sha = hashlib.sha256()
    with handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


_FIELDS = {  # kind → (name, content type, size, created) fields of its legacy API
    "image": ("file_name", "mime_type", "size_bytes", "uploaded_at"),
    "video": ("fileName", "contentType", "sizeBytes", "createdAt"),
    "document": ("title", "content_type", "bytes", "created"),
}


def _number(kind: str, legacy_id: Any) -> str:
    text = str(legacy_id)
    return text.split("_", 1)[1] if kind == "image" else text.removeprefix("doc-")


def api_records(admin: httpx.Client, page_size: int = 100) -> Iterator[Record]:
    """Every image, video and document the admin sees through the legacy APIs."""
    for kind, legacy in LEGACY.items():
        name, ctype, size, created = _FIELDS[kind]
        for item in _pages(admin, kind, legacy.base, page_size):
            yield Record(
                f"{kind}:{_number(kind, item[legacy.id_field])}", kind, item["owner"],
                item[name], item[ctype], int(item[size]), item[legacy.sha_field],
                normalise_time(item[created]),
            )  # fmt: skip


def _pages(client: httpx.Client, kind: str, base: str, size: int) -> Iterator[dict[str, Any]]:
    page, offset, cursor = 1, 0, None
    key = {"image": "images", "video": "videos", "document": "results"}[kind]
    while True:
        params: dict[str, Any]
        if kind == "image":
            params = {"page": page, "per_page": size}
        elif kind == "document":
            params = {"offset": offset, "limit": size}
        else:
            params = {"limit": size, **({"cursor": cursor} if cursor else {})}
        response = client.get(base, params=params)
        if response.status_code != 200:
            raise TargetError(f"GET {base} answered HTTP {response.status_code} while listing")
        body = response.json()
        items = body.get(key, [])
        yield from items
        if kind == "video":
            cursor = body.get("nextCursor")
            if not cursor:
                return
        elif len(items) < size:
            return
        page, offset = page + 1, offset + size


def api_digest(admin: httpx.Client) -> Callable[[Record], str | None]:
    """SHA-256 of the record's bytes as its legacy API downloads them (streamed)."""

    def digest(record: Record) -> str | None:
        kind, number = record.key.split(":", 1)
        legacy = LEGACY[kind]
        legacy_id = {"image": f"img_{number}", "video": number, "document": f"doc-{number}"}[kind]
        url = f"{legacy.item_path(legacy_id)}/{legacy.content_suffix}"
        with admin.stream("GET", url) as response:
            if response.status_code != 200:
                return f"HTTP {response.status_code}"
            sha = hashlib.sha256()
            for chunk in response.iter_bytes(_CHUNK):
                sha.update(chunk)
            return sha.hexdigest()

    return digest
