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


def redact_url(url: str, *, keep_path: bool = True) -> str:
    """``url`` with its userinfo and secret-looking query values masked.

    ``keep_path=False`` also drops path, query and fragment (``…`` instead): for webhooks,
    whose secret *is* the path (Slack's ``/services/T…/B…/…``).
    Never raises: a string that is no URL at all comes back with anything that looks like
    userinfo masked, so an error message about a malformed URL is still safe to print.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rpartition("@")[2]
        if not keep_path:
            return f"{parts.scheme}://{netloc}/…"
        query = _redacted_query(parts.query)
        fragment = _redacted_query(parts.fragment) if "=" in parts.fragment else parts.fragment
        return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
    except ValueError:
        masked = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", url)
        return masked if keep_path else masked.split("/", 3)[0] + "//…"


# ?name=value / &name=value outside a whole URL: libraries quote the path and query of a
# request alone ("Max retries exceeded with url: /api?token=…").
_QUERY_IN_TEXT = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&\s?#'\"<>]+)=(?P<value>[^&\s#'\"<>]*)")


def redact_text(text: str) -> str:
    """Every URL inside ``text`` (an error message, a log line, evidence) redacted, and any
    ``?name=value`` pair whose name looks like a credential."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
    if "=" in text:
        text = _QUERY_IN_TEXT.sub(_masked_pair, text)
    return text


def _masked_pair(match: re.Match[str]) -> str:
    if not SECRET_PARAMETER.search(match.group("name")) or match.group("value") == MASK:
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={MASK}"


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
