"""Browser discovery: an explicit path wins, a bad one is one clear error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.checks import browser
from postdeploy.errors import BrowserUnavailable


def test_explicit_browser_path_must_be_an_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(browser.BROWSER_ENV, str(tmp_path / "nope"))
    with pytest.raises(BrowserUnavailable, match=r"POSTDEPLOY_BROWSER_PATH=.*not an executable"):
        browser.browser_executable()


def test_explicit_browser_path_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(browser.BROWSER_ENV, "/bin/true")
    assert browser.browser_executable() == Path("/bin/true")


def test_a_browser_that_cannot_start_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("playwright.sync_api", reason="the [ui] extra")
    monkeypatch.setenv(browser.BROWSER_ENV, "/bin/false")
    with pytest.raises(BrowserUnavailable) as caught, browser.launch_chromium():
        pass
    message = str(caught.value)
    assert message.startswith("cannot start /bin/false: ")
    assert "\n" not in message
    assert "apt-get install chromium" in message
