"""Browser evidence: secrets never reach a saved trace; the console watch knows what it allows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from needs import require_tool

from postdeploy.checks.browser import browser_executable, launch_chromium
from postdeploy.checks.browser_evidence import REDACTED, BrowserWatch, scrub_zip
from postdeploy.errors import BrowserUnavailable

SECRET = "s3cret pass/word+1"  # spaces and URL specials: the encoded forms differ


def test_scrub_zip_removes_every_form_of_a_secret_but_leaves_images(tmp_path: Path) -> None:
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr("trace.trace", f'{{"value": "{SECRET}"}}')
        archive.writestr("trace.network", "Cookie: unimedia_session=tok3n-value")
        archive.writestr("resources/body.dat", "password=s3cret+pass%2Fword%2B1&username=bob")
        archive.writestr("resources/page.png", SECRET)
    scrub_zip(trace, [SECRET, "tok3n-value", "ab"])
    with zipfile.ZipFile(trace) as archive:
        text = {name: archive.read(name).decode() for name in archive.namelist()}
    assert text["trace.trace"] == f'{{"value": "{REDACTED}"}}'
    assert text["trace.network"] == f"Cookie: unimedia_session={REDACTED}"
    assert text["resources/body.dat"] == f"password={REDACTED}&username=bob"
    assert text["resources/page.png"] == SECRET  # image bytes are not text


def test_console_watch_counts_errors_and_exceptions_but_not_allowed_ones() -> None:
    pytest.importorskip("playwright.sync_api", reason="the [ui] extra")
    try:
        found = browser_executable() is not None
    except BrowserUnavailable:
        found = False
    require_tool(found, "Chromium")
    watch = BrowserWatch()
    with launch_chromium() as browser:
        context = browser.new_context()
        watch.watch(context)
        page = context.new_page()
        watch.allow(r"expected noise")
        with page.expect_console_message(lambda m: m.text == "real problem"):
            page.evaluate(
                "console.error('expected noise'); console.warn('only a warning');"
                "console.error('real problem')"
            )
        with page.expect_event("pageerror"):
            page.evaluate("setTimeout(() => { throw new TypeError('x is null') })")
        context.close()
    assert watch.console_errors == ["real problem"]
    assert watch.allowed == ["expected noise"]
    assert any("x is null" in error for error in watch.page_errors)
    assert len(watch.problems) == 2
    assert "Browser console errors:\n  real problem" in watch.render()
