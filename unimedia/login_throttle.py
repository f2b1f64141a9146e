"""Failed-login throttling: slow password guessing down without a database.

After :data:`MAX_FAILURES` failed logins for one username within :data:`WINDOW_S` seconds,
further attempts for that username — right password or not, or the throttle would tell a
guesser when it is right — are answered 429 with ``Retry-After`` until the oldest failure
leaves the window. Keyed by the *name tried*, so unknown names are throttled exactly like
real ones (no account enumeration), and not by client address: behind a proxy every
client has the proxy's. A successful login clears the name's failures. Memory is bounded:
the least recently failed names are forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["MAX_FAILURES", "WINDOW_S", "LoginThrottle"]

MAX_FAILURES = 8
WINDOW_S = 60.0
MAX_TRACKED_NAMES = 10_000


class LoginThrottle:
    """Per-username sliding window of failed logins; safe to share between threads."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, username: str) -> int | None:
        """Seconds until ``username`` may try again, or ``None`` when it may now."""
        with self._lock:
            recent = self._recent(username)
            if recent is None or len(recent) < self._max:
                return None
            return max(1, math.ceil(recent[0] + self._window - self._clock()))

    def failed(self, username: str) -> None:
        with self._lock:
            recent = self._recent(username) or deque(maxlen=self._max)
            recent.append(self._clock())
            self._failures[username] = recent
            self._failures.move_to_end(username)
            while len(self._failures) > MAX_TRACKED_NAMES:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)

    def _recent(self, username: str) -> deque[float] | None:
        recent = self._failures.get(username)
        if recent is None:
            return None
        horizon = self._clock() - self._window
        while recent and recent[0] <= horizon:
            recent.popleft()
        if not recent:
            del self._failures[username]
            return None
        return recent
