"""Fixtures for the browser workflows: one Chromium per worker, a fresh context per check.

Own fixtures rather than pytest-playwright's: the browser comes from
:func:`postdeploy.checks.browser.launch_chromium` (Debian's Chromium here, the flags this machine
needs, one-line errors), and the evidence of a failing check — screenshot, trace, console —
must be saved *while the check's report is built* so it lands in the finding; pytest-playwright
saves its artifacts at teardown, after that. See docs/e2e.md.

A busy machine is not a broken release (issue 23): each worker's browser first makes one
calibration navigation and scales every wait's bound to it, and a check that fails only by
a timeout is retried once — a pass then is ``flaky``, shown as such in every report, never
a finding (see ``postdeploy/checks/browser_retry.py`` and docs/e2e.md).

Every write a check makes carries the run's e2e tag (``postdeploy-run=<run id>/e2e``), its
worker's and its own; the admin deletes the check's through the API after each check, pass
or fail, and each worker's at the end of its session.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest

from postdeploy.checks import fails_as
from postdeploy.checks.artifacts import CheckArtifacts
from postdeploy.checks.browser import launch_chromium
from postdeploy.checks.browser_evidence import BrowserWatch, save_failure_evidence
from postdeploy.checks.browser_retry import mark_timeout_only, retry_wanted, timeout_scale
from postdeploy.checks.media_api import Uploaded, delete_tagged_quietly, upload_media
from postdeploy.config import Account, Config, TargetSettings
from postdeploy.errors import PostdeployError
from postdeploy.pytest.results import METRIC_PROPERTY
from postdeploy.runid import run_tag

from .pages import log_in, open_library

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Cookie, Page

log = logging.getLogger(__name__)

VIEWPORT = {"width": 1280, "height": 800}
RETRIES = 1  # a timeout-only failure is retried once; a second failure is a finding


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser check may be retried once — if, and only if, its failure was a timeout
    with nothing else wrong (the condition sees the exception ``pytest_runtest_makereport``
    below has marked)."""
    # conftest.py at the root loads it by module name; pytest's autoloading (other projects'
    # configurations) by its entry point's name
    names = ("pytest_rerunfailures", "rerunfailures")
    if not any(config.pluginmanager.hasplugin(name) for name in names):
        log.warning("pytest-rerunfailures is not installed: e2e timeouts are not retried")
        return
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.flaky(reruns=RETRIES, condition=retry_wanted))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    if call.when == "call" and call.excinfo is not None:
        watch = getattr(item, "funcargs", {}).get("browser_watch")
        mark_timeout_only(call.excinfo.value, watch)
    return (yield)


@dataclass(frozen=True, slots=True)
class Timing:
    """This worker's bound on one wait, scaled to the calibration navigation."""

    calibration_ms: float
    scale: float
    timeout_ms: float


@pytest.fixture(scope="session")
def e2e_timing(
    browser: Browser, postdeploy_target: TargetSettings, postdeploy_config: Config
) -> Timing:
    """One calibration navigation (the login page in a fresh context, until "load"), and
    the bound every wait of this worker gets from it."""
    context = browser.new_context(base_url=postdeploy_target.url, viewport=VIEWPORT)
    base_ms = 1000.0 * postdeploy_config.suites.e2e_timeout_s
    context.set_default_timeout(base_ms * 4)
    try:
        started = time.monotonic()
        context.new_page().goto("/", wait_until="load")
        measured = 1000.0 * (time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - calibration is best effort: unscaled bounds then
        log.warning("e2e: calibration navigation failed (%s); timeouts not scaled", exc)
        measured = 0.0
    finally:
        context.close()
    scale = timeout_scale(measured)
    timing = Timing(measured, scale, base_ms * scale)
    from playwright.sync_api import expect

    expect.set_options(timeout=timing.timeout_ms)
    log.info("e2e: calibration %.0f ms → waits up to %.0f ms", measured, timing.timeout_ms)
    return timing


@pytest.fixture(scope="session")
def browser(postdeploy_config: Config, postdeploy_target: TargetSettings) -> Iterator[Browser]:
    """This worker's Chromium. One that cannot start fails every check's *setup*: the stage
    is an error (INCONCLUSIVE), never a pass and never a finding about the release. It
    trusts the target's own CA, when it has one (the embedded target's run CA)."""
    stack = ExitStack()
    problem = None
    try:
        started = stack.enter_context(
            launch_chromium(
                configured=postdeploy_config.browser_path,
                origin=postdeploy_config.browser_origin,
                ca_file=postdeploy_target.ca_file,
                environment=postdeploy_config.environment,
            )
        )
    except PostdeployError as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(f"postdeploy: {problem}", pytrace=False)
    with stack:
        yield started


@pytest.fixture
def browser_watch() -> BrowserWatch:
    """Console errors, uncaught exceptions and failed requests of this check's browser."""
    return BrowserWatch()


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    e2e_timing: Timing,
    postdeploy_target: TargetSettings,
    postdeploy_artifacts: CheckArtifacts,
    browser_watch: BrowserWatch,
) -> Iterator[Page]:
    """A page in a fresh context (no cookies), traced; evidence saved if the check fails."""
    # The stage's result shows the slowest worker's calibration and the bound it gave.
    for name, value in (
        ("e2e_calibration_ms", round(e2e_timing.calibration_ms, 1)),
        ("e2e_timeout_ms", round(e2e_timing.timeout_ms)),
    ):
        request.node.user_properties.append((METRIC_PROPERTY, json.dumps([name, value])))
    context = browser.new_context(
        base_url=postdeploy_target.url, accept_downloads=True, viewport=VIEWPORT
    )
    context.set_default_timeout(e2e_timing.timeout_ms)
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
