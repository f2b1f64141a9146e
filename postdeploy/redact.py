"""Secrets out of every URL postdeploy shows: one place, used by every output.

A URL may carry credentials in two places: its userinfo (``https://user:pass@host``) and
its query (``?token=…``, ``?api_key=…``). Pipelines put them there — a Prometheus behind
basic auth, a Slack webhook with its key, a ZAP URL with ``apikey=`` — and a release gate
prints and publishes URLs everywhere: errors, the terminal summary, ``verdict.json``,
``report.html``, ``summary.md``, ``junit.xml``, Allure results, log lines. Every one of
those goes through :func:`redact_url` or :func:`redact_text` (issue 16), for any scheme,
also one postdeploy refuses (``ftp://u:p@…`` in an error message must not echo ``p``).

Redaction keeps what a reader needs to recognise the URL (scheme, host, port, path, the
names of the parameters) and replaces the secret part with :data:`MASK`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = ["MASK", "SECRET_PARAMETER", "redact_text", "redact_url"]

MASK = "***"

#: Query parameter names whose value is a credential (matched anywhere in the name, any case).
SECRET_PARAMETER = re.compile(
    r"token|key|pass|pwd|secret|auth|credential|signature|sig\b|session", re.IGNORECASE
)

# scheme://anything-up-to-whitespace-or-a-quote: a URL embedded in a message or a log line.
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s'\"<>`]+")
# userinfo by hand, for strings urlsplit cannot take apart (a bracketless IPv6, a bad port).
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#]*)@")


def redact_url(url: str) -> str:
    """``url`` with its userinfo and secret-looking query values masked.

    Never raises: a string that is no URL at all comes back with anything that looks like
    userinfo masked, so an error message about a malformed URL is still safe to print.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rpartition("@")[2]
        query = _redacted_query(parts.query)
        fragment = _redacted_query(parts.fragment) if "=" in parts.fragment else parts.fragment
        return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
    except ValueError:
        return _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", url)


def redact_text(text: str) -> str:
    """Every URL inside ``text`` (an error message, a log line, evidence) redacted."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


def _redacted_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs or not any(SECRET_PARAMETER.search(name) for name, _ in pairs):
        return query
    return "&".join(
        f"{quote(name, safe='')}={MASK if SECRET_PARAMETER.search(name) else quote(value, safe='')}"
        for name, value in pairs
    )
