"""What a browser check keeps as evidence: console errors, failed requests, screenshot, trace.

A person testing a page has the developer tools open; :class:`BrowserWatch` is that window.
It listens on a whole browser context (every page and popup in it) and keeps

* console errors and uncaught exceptions — a check of its own fails on them, because a
  broken script often leaves the page looking fine;
* failed requests — network failures and HTTP errors — as evidence for any failure.

:func:`save_failure_evidence` writes what the failing check saw: a full-page screenshot of
every open page, the Playwright trace (``playwright show-trace trace.zip``), and the
watch's log. Traces record typed text and request bodies and headers, so the known secrets
(account passwords, the context's cookie values) are scrubbed from them before they land in
a report directory that CI uploads as an artifact.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from postdeploy.checks.artifacts import CheckArtifacts

if TYPE_CHECKING:  # pragma: no cover - typing only; playwright is the optional [ui] extra
    from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Response

__all__ = ["REDACTED", "BrowserWatch", "save_failure_evidence", "scrub_zip"]

REDACTED = "***"
_LIMIT = 50  # entries kept per list: enough to diagnose, bounded for a noisy page
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
SCREENSHOT_TIMEOUT_MS = 15_000


@dataclass(frozen=True, slots=True)
class Allowance:
    """A console error a check expects (say, Chromium logging the 401 of a wrong password)."""

    text: re.Pattern[str]
    url: re.Pattern[str] | None = None

    def covers(self, text: str, url: str) -> bool:
        return bool(self.text.search(text)) and (self.url is None or bool(self.url.search(url)))


@dataclass
class BrowserWatch:
    """Console errors, page errors and failed requests of one browser context."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    _allowances: list[Allowance] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserWatch:
        """Start listening on ``context`` (all its pages); returns ``self``."""
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self._keep(self.page_errors, str(error.error)))
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        return self

    def allow(self, text: str, url: str | None = None) -> None:
        """Do not count console errors matching ``text`` (regex) from ``url`` (regex) as
        problems from now on; they are still listed as allowed in the evidence."""
        self._allowances.append(Allowance(re.compile(text), re.compile(url) if url else None))

    @property
    def problems(self) -> list[str]:
        """What the console check fails on: console errors and uncaught exceptions."""
        return [*(f"console.error: {e}" for e in self.console_errors), *self.page_errors]

    def render(self) -> str:
        """The evidence text: every list that has entries, under a heading."""
        sections = [
            ("Browser console errors", self.console_errors),
            ("Uncaught exceptions", self.page_errors),
            ("Failed requests", self.failed_requests),
            ("Console errors expected by the check", self.allowed),
        ]
        return "\n\n".join(
            f"{title}:\n" + "\n".join(f"  {entry}" for entry in entries)
            for title, entries in sections
            if entries
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        text = message.text + (f" ({url})" if url else "")
        if any(allowance.covers(message.text, url) for allowance in self._allowances):
            self._keep(self.allowed, text)
        else:
            self._keep(self.console_errors, text)

    def _on_request_failed(self, request: Request) -> None:
        self._keep(
            self.failed_requests, f"{request.method} {request.url}: {request.failure or 'failed'}"
        )

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            request = response.request
            self._keep(
                self.failed_requests, f"{request.method} {response.url} → HTTP {response.status}"
            )

    @staticmethod
    def _keep(entries: list[str], text: str) -> None:
        if len(entries) < _LIMIT:
            entries.append(text[:500])


def save_failure_evidence(
    artifacts: CheckArtifacts,
    context: BrowserContext,
    watch: BrowserWatch,
    secrets: Iterable[str],
) -> None:
    """Add the watch's log as a note, screenshot every open page, save the scrubbed trace.

    Each piece on its own: a screenshot that cannot be taken (a page still waiting for a
    navigation that timed out) must not cost the console log and the trace.
    """
    artifacts.add_note(watch.render())
    pages = [page for page in context.pages if not page.is_closed()]
    for number, page in enumerate(pages, start=1):
        suffix = "" if number == 1 else f"-{number}"
        shot = artifacts.path(f"screenshot{suffix}.png")
        try:
            page.screenshot(path=str(shot), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
        except Exception as exc:  # noqa: BLE001 - see the docstring; the note says what failed
            artifacts.add_note(f"(screenshot of {page.url} could not be taken: {exc})"[:300])
            continue
        artifacts.add_file(f"Screenshot {page.url}", shot, "image/png")
    if pages:
        artifacts.add_note("Page at failure: " + ", ".join(page.url for page in pages))
    known = [*secrets, *(cookie["value"] for cookie in context.cookies() if cookie["value"])]
    trace = artifacts.path("trace.zip")
    context.tracing.stop(path=str(trace))
    scrub_zip(trace, known)
    artifacts.add_file("Trace (playwright show-trace trace.zip)", trace, "application/zip")


def scrub_zip(path: Path, secrets: Iterable[str]) -> None:
    """Replace every secret (plain, URL-encoded and JSON-escaped) in ``path``'s non-image
    entries with :data:`REDACTED`, rewriting the archive in place."""
    needles = _needles(secrets)
    if not needles:
        return
    scrubbed = path.with_suffix(".scrubbing")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(scrubbed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if not info.filename.lower().endswith(_IMAGE_SUFFIXES):
                for needle in needles:
                    data = data.replace(needle, REDACTED.encode())
            target.writestr(info, data)
    scrubbed.replace(path)


def _needles(secrets: Iterable[str]) -> list[bytes]:
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) < 4:  # too short to be a real secret; replacing it would shred the file
            continue
        forms.update({secret, quote(secret, safe=""), quote_plus(secret), _json_escaped(secret)})
    # Longest first, so a secret that contains another is replaced whole.
    return sorted((form.encode() for form in forms), key=len, reverse=True)


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]
