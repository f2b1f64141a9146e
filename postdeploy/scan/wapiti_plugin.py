"""Runs inside Wapiti (``wapiti --form-script``), not in postdeploy: hands it the session.

Wapiti loads this file with its own interpreter (its own virtual environment) and calls
``run``; it must import nothing of postdeploy. It reads the session postdeploy made
(:mod:`postdeploy.scan.session`) from the child's environment and puts it where Wapiti's
crawler and attack modules take their requests from: the headers of every request, and a
cookie jar holding the cookies exactly as the target set them (so Wapiti's cookie-flag
module judges the target's flags, not ours).
"""

from __future__ import annotations

import json
import os
from http.cookiejar import Cookie, CookieJar
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

SESSION_ENV = "POSTDEPLOY_WAPITI_SESSION"  # the same name as in postdeploy.scan.session


def cookies_of(set_cookies: list[str], host: str) -> list[Cookie]:
    """``Set-Cookie`` header values → cookie objects with the flags they were set with."""
    found = []
    for header in set_cookies:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            if morsel["max-age"] in ("0", 0):
                continue  # a deletion, not a cookie
            rest: dict[str, Any] = {}
            if morsel["httponly"]:
                rest["HttpOnly"] = None
            if morsel["samesite"]:
                rest["SameSite"] = morsel["samesite"]
            found.append(
                Cookie(
                    version=0,
                    name=name,
                    value=morsel.value,
                    port=None,
                    port_specified=False,
                    domain=host,
                    domain_specified=False,
                    domain_initial_dot=False,
                    path=morsel["path"] or "/",
                    path_specified=bool(morsel["path"]),
                    secure=bool(morsel["secure"]),
                    expires=None,
                    discard=True,
                    comment=None,
                    comment_url=None,
                    rest=rest,
                )
            )
    return found


async def run(
    crawler_configuration: Any, form_credential: Any = None, headless: str = "no"
) -> None:
    """Wapiti's hook: called once, before the crawl."""
    session = json.loads(os.environ.get(SESSION_ENV) or "{}")
    headers = dict(crawler_configuration.headers or {})
    headers.update(session.get("headers") or {})
    crawler_configuration.headers = headers
    host = urlsplit(crawler_configuration.base_request.url).hostname or ""
    jar = (
        crawler_configuration.cookies if crawler_configuration.cookies is not None else CookieJar()
    )
    for cookie in cookies_of(session.get("set_cookies") or [], host):
        jar.set_cookie(cookie)
    crawler_configuration.cookies = jar
