"""Light synthetic traffic, so that the embedded target has metrics worth judging.

A production service has users; the embedded unimedia has none, and rules over request
rates say "nodata" without requests. The probe is production-safe by construction (reads
and logins only, a fixed small rate) but is only switched on by default for the embedded
target: on production the users' own traffic is what the rules should see.

One cycle: list media and read ``/healthz`` as the first user; every tenth cycle also log in
again (the "user activity" rule counts successful logins).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import httpx

from postdeploy.config import TargetSettings
from postdeploy.target.client import LOGIN_PATH, new_client

__all__ = ["SyntheticTraffic"]

log = logging.getLogger(__name__)


class SyntheticTraffic:
    """``rate_per_s`` cycles a second against ``target``, in a daemon thread or inline."""

    def __init__(self, target: TargetSettings, *, rate_per_s: float = 5.0) -> None:
        self._target = target
        self._period = 1.0 / max(rate_per_s, 0.01)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._token: str | None = None
        self.requests = 0
        self.failures = 0

    def run_for(self, seconds: float) -> None:
        """Send traffic for ``seconds`` in this thread."""
        deadline = time.monotonic() + seconds
        with new_client(self._target) as client:
            cycle = 0
            while time.monotonic() < deadline and not self._stop.is_set():
                started = time.monotonic()
                self._cycle(client, cycle)
                cycle += 1
                self._stop.wait(max(0.0, self._period - (time.monotonic() - started)))

    def start(self) -> None:
        """Send traffic in the background until :meth:`stop`."""
        self._thread = threading.Thread(
            target=self.run_for, args=(float("inf"),), name="postdeploy-probe", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
            self._thread = None

    def _cycle(self, client: httpx.Client, cycle: int) -> None:
        account = next((a for a in self._target.accounts if a.password is not None), None)
        try:
            if account is not None and (self._token is None or cycle % 10 == 0):
                response = self._send(
                    client,
                    "POST",
                    LOGIN_PATH,
                    json={"username": account.username, "password": account.password.reveal()}
                    if account.password
                    else None,
                )
                if response.status_code == 200:
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        self._token = str(response.json()["access_token"])
            headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
            self._send(client, "GET", "/api/v2/media", params={"limit": 5}, headers=headers)
            self._send(client, "GET", "/healthz")
        except httpx.HTTPError as exc:
            # The probe only feeds the metrics; the rules judge, so a refused request is data.
            self.failures += 1
            log.debug("probe request failed: %s", exc)

    def _send(
        self, client: httpx.Client, method: str, path: str, **kwargs: object
    ) -> httpx.Response:
        self.requests += 1
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        if response.status_code >= 500:
            self.failures += 1
        return response
