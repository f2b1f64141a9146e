"""Finding and starting Chromium for Playwright: one place for every browser-using part.

Why not just ``playwright.chromium.launch()``: Playwright downloads its own browser builds,
which needs network access to its CDN. On machines without it (this project's CI among
them) a system Chromium is the browser to use. The order:

1. ``POSTDEPLOY_BROWSER_PATH`` — an explicit executable, used as is; else the ``[browser]
   path`` of the config file, which the caller passes as ``configured``;
2. Debian's Chromium (``/usr/lib/chromium/chromium``, the real binary, so no shell-wrapper
   warnings), or another system Chromium on ``PATH``;
3. Playwright's own browser (``playwright install chromium``), as everywhere else.

A browser that cannot start is one :class:`~postdeploy.errors.BrowserUnavailable` with a
line that says how to get one — never a Playwright traceback. Playwright is imported lazily:
it is the ``[ui]`` extra, and nothing else in postdeploy needs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from postdeploy.checks.browser_trust import trusting_home
from postdeploy.config import BROWSER_ENV, process_environment
from postdeploy.errors import BrowserUnavailable

if TYPE_CHECKING:  # pragma: no cover - typing only; playwright is optional
    from playwright.sync_api import Browser

__all__ = ["BROWSER_ENV", "LAUNCH_ARGS", "browser_executable", "launch_chromium"]

DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")
# No sandbox: CI containers run as root, where Chromium's sandbox refuses to start. The rest
# keep a headless run quiet and offline (no update checks, no background traffic).
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
)
HOW_TO_GET = (
    "install Chromium (Debian: apt-get install chromium), set POSTDEPLOY_BROWSER_PATH, "
    "or run: playwright install chromium"
)


def browser_executable(configured: Path | None = None, *, origin: str = "") -> Path | None:
    """The Chromium to launch, or ``None`` for Playwright's own download.

    ``configured``: ``Config.browser_path`` (``POSTDEPLOY_BROWSER_PATH`` or ``[browser]
    path``), named by ``origin`` (``Config.browser_origin``) in the error when it is not a
    browser; otherwise Debian's Chromium, then the first Chromium on PATH."""
    if configured is not None:
        if not (configured.is_file() and os.access(configured, os.X_OK)):
            where = origin or f"browser path {configured}"
            raise BrowserUnavailable(f"{where} is not an executable file")
        return configured
    if DEBIAN_CHROMIUM.is_file():
        return DEBIAN_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@contextmanager
def launch_chromium(
    *,
    headless: bool = True,
    configured: Path | None = None,
    origin: str = "",
    ca_file: Path | None = None,
    environment: Mapping[str, str] | None = None,
) -> Iterator[Browser]:
    """A started headless Chromium, closed on exit; :class:`BrowserUnavailable` if none.

    ``ca_file``: a CA the browser trusts besides its own store, for this launch only (the
    target's: see :mod:`postdeploy.checks.browser_trust`). ``environment``: what the browser
    starts with (a run's ``Config.environment``; None: this process's)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(
            "Playwright is not installed: pip install 'postdeploy[ui]'"
        ) from exc
    executable = browser_executable(configured, origin=origin)
    with ExitStack() as stack:
        env = dict(environment) if environment is not None else process_environment()
        if ca_file is not None:
            env["HOME"] = str(stack.enter_context(trusting_home(ca_file)))
        playwright = stack.enter_context(sync_playwright())
        try:
            browser = playwright.chromium.launch(
                headless=headless,
                executable_path=str(executable) if executable else None,
                args=list(LAUNCH_ARGS),
                env=env,
            )
        except PlaywrightError as exc:
            where = str(executable) if executable else "Playwright's Chromium"
            first = (str(exc).strip().splitlines() or ["no message"])[0]
            raise BrowserUnavailable(f"cannot start {where}: {first}; {HOW_TO_GET}") from exc
        try:
            yield browser
        finally:
            browser.close()
