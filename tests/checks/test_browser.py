"""Browser discovery: an explicit path wins, a bad one is one clear error, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.checks import browser
from postdeploy.config import BROWSER_ENV, load_config
from postdeploy.errors import BrowserUnavailable


def _configured(tmp_path: Path, path: str) -> tuple[Path | None, str]:
    config = load_config(environ={BROWSER_ENV: path}, cwd=tmp_path)
    return config.browser_path, config.browser_origin


def test_explicit_browser_path_must_be_an_executable(tmp_path: Path) -> None:
    configured, origin = _configured(tmp_path, str(tmp_path / "nope"))
    with pytest.raises(BrowserUnavailable, match=r"POSTDEPLOY_BROWSER_PATH=.*not an executable"):
        browser.browser_executable(configured, origin=origin)


def test_explicit_browser_path_wins(tmp_path: Path) -> None:
    configured, origin = _configured(tmp_path, "/bin/true")
    assert browser.browser_executable(configured, origin=origin) == Path("/bin/true")


def test_a_browser_that_cannot_start_is_one_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="the [ui] extra")
    configured, origin = _configured(tmp_path, "/bin/false")
    with (
        pytest.raises(BrowserUnavailable) as caught,
        browser.launch_chromium(configured=configured, origin=origin),
    ):
        pass
    message = str(caught.value)
    assert message.startswith("cannot start /bin/false: ")
    assert "\n" not in message
    assert "apt-get install chromium" in message
