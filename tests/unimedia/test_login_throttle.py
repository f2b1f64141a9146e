"""The failed-login throttle: a guesser is slowed down, a real user is not locked out for
longer than the window, and a correct password does not slip through while throttled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unimedia.login_throttle import MAX_FAILURES, LoginThrottle

if TYPE_CHECKING:
    from conftest import Api


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttles_after_the_failures_and_releases_after_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(max_failures=3, window_s=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("mallory") is None
        throttle.failed("mallory")
        clock.now += 1
    assert throttle.retry_after("mallory") == 57  # when the first failure leaves the window
    assert throttle.retry_after("alice") is None  # per name
    clock.now += 57
    assert throttle.retry_after("mallory") is None


def test_success_clears_the_failures() -> None:
    throttle = LoginThrottle(max_failures=2, window_s=60, clock=Clock())
    throttle.failed("alice")
    throttle.succeeded("alice")
    throttle.failed("alice")
    assert throttle.retry_after("alice") is None


def test_the_right_password_is_refused_while_throttled(make_api: Callable[..., Api]) -> None:
    api = make_api()
    for _ in range(MAX_FAILURES):
        assert api.login("alice", "wrong").status_code == 401
    throttled = api.login("alice")  # right password: answering 200 would confirm a guess
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert "retry-after" in throttled.headers
    assert api.login("bob").status_code == 200  # other accounts are unaffected
