"""HTML and static responses of the UI, with the headers every UI response carries.

The templates are autoescaped: media names, usernames and tags come from users, and a file
named ``<script>…</script>.png`` must come out as text. The CSP forbids inline script and
style, so all behaviour lives in ``/static/app.js`` and nothing a name injects could run
even if escaping were ever missed.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import jinja2
from fastapi import Response
from fastapi.responses import HTMLResponse

from unimedia.faults import FaultSet

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

#: Static files the UI serves: name → content type. An explicit list, not a directory
#: mount, so the fault snippets next to them are never served on their own.
STATIC_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}

#: UI faults → the snippet appended to app.js while the fault is active.
_JS_FAULTS = {
    "broken_ui_upload": "fault-broken-ui-upload.js",
    "ui_console_error": "fault-ui-console-error.js",
}


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("unimedia", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails a test, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; ``Cache-Control: no-store`` as pages show private data."""
    html = _environment().get_template(template).render(**context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    secure(response)
    return response


@functools.cache
def _read_static(name: str) -> str:
    return resources.files("unimedia").joinpath("static", name).read_text(encoding="utf-8")


def static_text(name: str, faults: FaultSet) -> str:
    """The file's text; for app.js with the snippets of active UI faults appended, which is
    where such a bug would live: in the script the browser runs."""
    text = _read_static(name)
    if name == "app.js":
        for fault, snippet in _JS_FAULTS.items():
            if faults.active(fault):
                text += "\n" + _read_static(snippet)
    return text
