"""Evidence for findings: the HTTP exchanges a check made, short and without secrets.

Every client the pytest plugin hands out records its responses here, so a failed check
can show the request and the response excerpt that made it fail — the first thing a
reviewer asks for.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

import httpx

__all__ = ["Exchange", "ExchangeLog", "redact"]

BODY_EXCERPT = 400
_TOKEN = re.compile(r'("(?:access_token|token|password|secret)"\s*:\s*")[^"]*(")', re.I)


def redact(text: str) -> str:
    """Mask token and password values in a JSON-ish text."""
    return _TOKEN.sub(r"\1***\2", text)


@dataclass(frozen=True, slots=True)
class Exchange:
    method: str
    url: str
    status: int
    content_type: str
    excerpt: str

    def render(self) -> str:
        head = f"{self.method} {self.url} → {self.status} {self.content_type}".rstrip()
        return f"{head}\n    {self.excerpt}" if self.excerpt else head


class ExchangeLog:
    """The last few exchanges of the current check (reset before every check)."""

    def __init__(self, limit: int = 20) -> None:
        self._entries: deque[Exchange] = deque(maxlen=limit)

    def reset(self) -> None:
        self._entries.clear()

    def on_response(self, response: httpx.Response) -> None:
        """httpx response hook: remember a short, redacted excerpt."""
        response.read()
        content_type = response.headers.get("content-type", "").split(";")[0]
        if content_type.startswith(("text/", "application/json")) or content_type.endswith("+json"):
            body = response.text.replace("\n", " ")
            excerpt = redact(body[:BODY_EXCERPT] + ("…" if len(body) > BODY_EXCERPT else ""))
        else:
            excerpt = f"<{len(response.content)} bytes {content_type or 'untyped'}>"
        request = response.request
        self._entries.append(
            Exchange(
                method=request.method,
                url=str(request.url.copy_with(query=None))
                + (f"?{request.url.query.decode()}" if request.url.query else ""),
                status=response.status_code,
                content_type=content_type,
                excerpt=excerpt,
            )
        )

    def render(self, last: int = 5) -> str:
        entries = list(self._entries)[-last:]
        return "\n".join(entry.render() for entry in entries)
