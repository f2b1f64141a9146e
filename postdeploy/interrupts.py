"""SIGINT and SIGTERM end a run the same way: cleanly, with a verdict that says so.

Python turns Ctrl-C into ``KeyboardInterrupt`` but lets SIGTERM — what CI runners and
Kubernetes send — kill the process at once: no children stopped, no ``verdict.json``, no
summary (issue 16). :func:`install` makes both raise ``KeyboardInterrupt`` in the main
thread, once: a second signal while the run is already stopping is noted and ignored, so
it cannot break the clean-up half way. :func:`deferred` holds signals back while a run
writes its reports, so ``reports/latest`` never points at half a run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["deferred", "install", "received"]

_state = {"deferring": 0, "received": 0}
_lock = threading.Lock()


def _handler(signum: int, frame: FrameType | None) -> None:
    with _lock:
        _state["received"] += 1
        first = _state["received"] == 1
        deferring = _state["deferring"] > 0
    if first and not deferring:
        raise KeyboardInterrupt(signal.Signals(signum).name)


def install() -> None:
    """Route SIGINT and SIGTERM through the handler (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state["received"] = 0
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def received() -> int:
    """How many SIGINT/SIGTERM arrived since :func:`install`."""
    return _state["received"]


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Signals arriving inside are counted, not raised: the block always runs to its end."""
    with _lock:
        _state["deferring"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["deferring"] -= 1
