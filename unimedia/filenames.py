"""Filenames from clients are untrusted: clean them for storage and for headers."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_MAX_LENGTH = 255
# Conservative: naive header parsers split on ';' and ',' even inside quotes.
_HEADER_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()\[\]+=@!#$&'-]")


def clean_filename(raw: str | None) -> str:
    """The last path component, without control characters, at most 255 characters.

    Browsers and old clients send ``C:\\Users\\x\\a.png`` or ``../../a.png``; only the
    name is metadata, never a path.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in {"", ".", ".."}:
        return "upload"
    return name[:_MAX_LENGTH]


def content_disposition(filename: str) -> str:
    """``attachment; filename="…"`` with an ASCII fallback, plus RFC 5987 ``filename*`` when
    the real name is not plain ASCII (quotes, backslashes and CR/LF can never get in)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = _HEADER_UNSAFE.sub("_", ascii_name).strip() or "download"
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
