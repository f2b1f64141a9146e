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


def test_chromium_trusts_the_targets_ca_for_its_launch_only(tmp_path: Path) -> None:
    # A real HTTPS unimedia with the run's CA: the browser launched with it verifies the
    # chain and loads the page; one launched without it refuses the certificate — so the
    # trust came from this launch's private NSS database, not from switched-off checks.
    pytest.importorskip("playwright.sync_api", reason="the [ui] extra")
    from playwright.sync_api import Error as PlaywrightError

    from postdeploy.target.embedded import EmbeddedUnimedia

    if browser.browser_executable() is None:
        pytest.skip("no Chromium on this machine")
    with EmbeddedUnimedia(log_path=tmp_path / "unimedia.log", faults="") as target:
        assert target.ca_file is not None
        with browser.launch_chromium(ca_file=target.ca_file) as trusting:
            page = trusting.new_page()
            assert page.goto(f"{target.url}/healthz").status == 200
        with browser.launch_chromium() as plain:
            page = plain.new_page()
            with pytest.raises(PlaywrightError, match="ERR_CERT_AUTHORITY_INVALID"):
                page.goto(f"{target.url}/healthz")


def test_without_certutil_the_browser_cannot_trust_a_ca_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postdeploy.checks import browser_trust

    monkeypatch.setattr(browser_trust.shutil, "which", lambda _name: None)
    with (
        pytest.raises(BrowserUnavailable, match="libnss3-tools"),
        browser_trust.trusting_home(tmp_path / "ca.pem"),
    ):
        pass
