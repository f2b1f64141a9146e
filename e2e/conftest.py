"""Fixtures for the browser workflows: one Chromium per worker, a fresh context per check.

Own fixtures rather than pytest-playwright's: the browser comes from
:func:`postdeploy.checks.browser.launch_chromium` (Debian's Chromium here, the flags this machine
needs, one-line errors), and the evidence of a failing check — screenshot, trace, console —
must be saved *while the check's report is built* so it lands in the finding; pytest-playwright
saves its artifacts at teardown, after that. See docs/e2e.md.

Every write a check makes carries the run's e2e tag (``postdeploy-run=<run id>/e2e``), its
worker's and its own; the admin deletes the check's through the API after each check, pass
or fail, and each worker's at the end of its session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import httpx
import pytest

from postdeploy.checks import fails_as
from postdeploy.checks.artifacts import CheckArtifacts
from postdeploy.checks.browser import launch_chromium
from postdeploy.checks.browser_evidence import BrowserWatch, save_failure_evidence
from postdeploy.checks.media_api import Uploaded, delete_tagged_quietly, upload_media
from postdeploy.config import Account, Config, TargetSettings
from postdeploy.errors import PostdeployError
from postdeploy.runid import run_tag

from .pages import log_in, open_library

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Cookie, Page

log = logging.getLogger(__name__)

# Every wait is on a condition; this bounds it. Generous: CI machines are shared and slow,
# and a passing check never waits this long.
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser(postdeploy_config: Config) -> Iterator[Browser]:
    """This worker's Chromium. One that cannot start fails every check's *setup*: the stage
    is an error (INCONCLUSIVE), never a pass and never a finding about the release."""
    stack = ExitStack()
    problem = None
    try:
        started = stack.enter_context(
            launch_chromium(
                configured=postdeploy_config.browser_path,
                origin=postdeploy_config.browser_origin,
            )
        )
    except PostdeployError as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(f"postdeploy: {problem}", pytrace=False)
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    with stack:
        yield started


@pytest.fixture
def browser_watch() -> BrowserWatch:
    """Console errors, uncaught exceptions and failed requests of this check's browser."""
    return BrowserWatch()


@pytest.fixture
def page(
    browser: Browser,
    postdeploy_target: TargetSettings,
    postdeploy_artifacts: CheckArtifacts,
    browser_watch: BrowserWatch,
) -> Iterator[Page]:
    """A page in a fresh context (no cookies), traced; evidence saved if the check fails."""
    context = browser.new_context(
        base_url=postdeploy_target.url, accept_downloads=True, viewport=VIEWPORT
    )
    context.set_default_timeout(TIMEOUT_MS)
    # DOM snapshots make the trace explorable; its screencast would cost a JPEG per frame on
    # two busy cores, and the failure's full-page screenshot is taken separately.
    context.tracing.start(snapshots=True, title=postdeploy_artifacts.directory.name)
    browser_watch.watch(context)
    secrets = [a.password.reveal() for a in postdeploy_target.accounts if a.password]
    postdeploy_artifacts.on_failure(
        "browser evidence",
        lambda artifacts: save_failure_evidence(artifacts, context, browser_watch, secrets),
    )
    try:
        yield context.new_page()
    finally:
        if not postdeploy_artifacts.collected:
            context.tracing.stop()  # passed: nothing to keep
        context.close()


@pytest.fixture(scope="session")
def _session_cookies() -> dict[str, list[Cookie]]:
    """Per worker: the cookies of each account's first login through the form."""
    return {}


@pytest.fixture
def signed_in(page: Page, _session_cookies: dict[str, list[Cookie]]) -> Callable[[Account], None]:
    """``signed_in(account)``: the media library as ``account``.

    The first time per worker through the login form, as a person does; after that with the
    session cookie that login set, as a returning person's browser does. The login checks
    always use the form; the others are about what comes after it, and a UI login per
    check would cost a third of the stage's time.
    """

    def sign_in(account: Account) -> None:
        cookies = _session_cookies.get(account.username)
        if cookies is None:
            log_in(page, account)
            _session_cookies[account.username] = page.context.cookies()
        else:
            page.context.add_cookies(cookies)  # type: ignore[arg-type]  # same shape
            open_library(page, account)

    return sign_in


# --- accounts and data ---------------------------------------------------------------------


def _account(target: TargetSettings, role: str, index: int = 0) -> Account:
    matching = [account for account in target.accounts if account.role == role]
    if len(matching) <= index:
        pytest.skip(f"needs {index + 1} {role} account(s); the target config has {len(matching)}")
    account = matching[index]
    if account.password is None:
        # setup, not the check: a missing password means "could not check", not a finding
        pytest.fail(f"postdeploy: no password for account {account.username!r}", pytrace=False)
    return account


@pytest.fixture(scope="session")
def user_account(postdeploy_target: TargetSettings) -> Account:
    """The first ordinary user."""
    return _account(postdeploy_target, "user")


@pytest.fixture(scope="session")
def other_user_account(postdeploy_target: TargetSettings) -> Account:
    """A second ordinary user (isolation, paging)."""
    return _account(postdeploy_target, "user", 1)


@pytest.fixture(scope="session")
def admin_account(postdeploy_target: TargetSettings) -> Account:
    """The admin."""
    return _account(postdeploy_target, "admin")


@pytest.fixture(scope="session")
def e2e_tag(postdeploy_run_id: str) -> str:
    """The tag every e2e write of this run carries, whichever worker made it."""
    return f"{run_tag(postdeploy_run_id)}/e2e"


@pytest.fixture
def check_tag(
    e2e_tag: str,
    postdeploy_run_tag: str,
    postdeploy_admin: httpx.Client,
    postdeploy_run_sweep: None,
) -> Iterator[str]:
    """Tags for this check's writes (the run's e2e tag, the worker's session tag, the
    check's own); the admin removes the check's through the API afterwards, also when it
    failed half-way. What escapes that, the worker's session sweep removes."""
    own = f"postdeploy-check={uuid.uuid4().hex[:12]}"
    yield f"{e2e_tag},{postdeploy_run_tag},{own}"
    delete_tagged_quietly(postdeploy_admin, own)


@pytest.fixture(scope="session")
def api_client(
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
) -> Callable[[Account], httpx.Client]:
    """``api_client(account)``: one logged-in API client per account and worker (a login
    per seeded file would cost more than the checks)."""
    clients: dict[str, httpx.Client] = {}

    def get(account: Account) -> httpx.Client:
        if account.username not in clients:
            clients[account.username] = postdeploy_client_factory(account)
        return clients[account.username]

    return get


@pytest.fixture
def seed(check_tag: str, api_client: Callable[[Account], httpx.Client]) -> Callable[..., Uploaded]:
    """``seed(account, content, filename=…, content_type=…)``: put media in place through the
    API (tagged), for checks about listing rather than uploading."""

    def _seed(account: Account, content: bytes, *, filename: str, content_type: str) -> Uploaded:
        client = api_client(account)
        # Not the UI's fault if this fails, but the release is broken all the same.
        with fails_as("critical_error", "high", "Media can be put in place through the API"):
            uploaded = upload_media(
                client, check_tag, content, filename=filename, content_type=content_type
            )
            status = uploaded.response.status_code
            assert status == 201, f"seeding {filename} through the API answered HTTP {status}"
        return uploaded

    return _seed
