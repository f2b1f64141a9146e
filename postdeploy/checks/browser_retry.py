"""Browser checks that fail only on the release, not on a busy machine (issue 23 §2).

Two measures, both in the e2e suite's fixtures (``e2e/conftest.py``):

* **Timeouts scaled to the machine.** One calibration navigation at the start of each
  worker's browser (the login page, anonymous, writes nothing) measures how slow this
  machine is right now; every wait's bound is the configured one times
  :func:`timeout_scale` of that measurement. A quiet machine keeps the configured bound.
* **One retry for a timeout, and only for a timeout.** A check whose failure is a
  Playwright timeout with nothing else wrong in the browser (no console error, no uncaught
  exception, no HTTP 5xx) is run once more; a pass then is reported as ``flaky``, never as a
  plain pass and never as a finding. Everything that fails deterministically — wrong
  bytes, a missing element (``expect`` assertions), a console error, an HTTP error — is a
  finding on its first failure, as before. A real slowdown of the UI is the load and
  monitoring stages' business.
"""

from __future__ import annotations

from collections.abc import Iterator

from postdeploy.checks.browser_evidence import BrowserWatch

__all__ = [
    "CALIBRATION_REFERENCE_MS",
    "MAX_SCALE",
    "TIMEOUT_ONLY",
    "is_timeout",
    "mark_timeout_only",
    "retry_wanted",
    "timeout_scale",
]

# The calibration navigation (fresh context, login page, until "load") on this project's
# 2-core reference machine when quiet takes well under this; slower means a busy machine.
CALIBRATION_REFERENCE_MS = 500.0
MAX_SCALE = 4.0  # beyond this a machine is too slow to judge a UI on; the bound stops growing
TIMEOUT_ONLY = "__postdeploy_timeout_only__"
RETRY_NOTE = (
    "postdeploy: failed only by a timeout (nothing else wrong in the browser): retried once"
)


def timeout_scale(calibration_ms: float) -> float:
    """How much longer every wait may take on a machine whose calibration navigation took
    ``calibration_ms``: 1 up to the reference, proportional above it, at most ``MAX_SCALE``."""
    return min(MAX_SCALE, max(1.0, calibration_ms / CALIBRATION_REFERENCE_MS))


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def is_timeout(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) is Playwright's TimeoutError — a wait that ran
    out (navigation, click, download), not an assertion about what the page shows."""
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
    except ImportError:  # pragma: no cover - the [ui] extra is missing: no browser checks
        return False
    return any(isinstance(item, PlaywrightTimeout) for item in _chain(exc))


def _server_errors(watch: BrowserWatch) -> list[str]:
    return [entry for entry in watch.failed_requests if "→ HTTP 5" in entry]


def mark_timeout_only(exc: BaseException | None, watch: BrowserWatch | None) -> bool:
    """Mark ``exc`` for a retry when it is a timeout and the browser saw nothing else wrong;
    return whether it was marked. The note says so in the failure's text."""
    if exc is None or watch is None or not is_timeout(exc):
        return False
    if watch.problems or _server_errors(watch):
        return False
    if not getattr(exc, TIMEOUT_ONLY, False):
        setattr(exc, TIMEOUT_ONLY, True)
        exc.add_note(RETRY_NOTE)
    return True


def retry_wanted(error: BaseException | None) -> bool:
    """The retry condition given to pytest-rerunfailures' ``flaky`` marker."""
    return bool(getattr(error, TIMEOUT_ONLY, False))
