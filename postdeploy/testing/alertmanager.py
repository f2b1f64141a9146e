"""A real Alertmanager on a loopback port, for tests and proofs of ``watch --alertmanager``.

Not a double: Debian's ``prometheus-alertmanager`` binary with a generated config, a
temporary data directory, clustering switched off (no gossip port on every interface) and
the web API on ``127.0.0.1:<free port>``. Its one route sends every group, firing and
resolved, to an optional webhook (``webhook_url``), so a test can see what Alertmanager
itself notifies — and ``alerts()`` reads back what it holds through its v2 API.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from postdeploy.errors import MonitoringError
from postdeploy.target.processes import spawn_service, stop_process, wait_ready
from postdeploy.target.prometheus import free_port

__all__ = ["ALERTMANAGER_INSTALL_HINT", "EmbeddedAlertmanager", "find_alertmanager"]

ALERTMANAGER_INSTALL_HINT = "apt-get install prometheus-alertmanager"


def find_alertmanager() -> str | None:
    """Debian names the binary ``prometheus-alertmanager``; upstream ``alertmanager``."""
    return shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


class EmbeddedAlertmanager:
    """Start/stop an Alertmanager; ``url`` is its base (give it to ``--alertmanager``)."""

    def __init__(self, *, webhook_url: str | None = None, group_wait_s: float = 0.5) -> None:
        self._webhook_url = webhook_url
        self._group_wait_s = group_wait_s
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("Alertmanager has not been started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        binary = find_alertmanager()
        if binary is None:
            raise MonitoringError(f"Alertmanager is not installed ({ALERTMANAGER_INSTALL_HINT})")
        self._workdir = Path(tempfile.mkdtemp(prefix="postdeploy-alertmanager-"))
        config = self._workdir / "alertmanager.yml"
        config.write_text(json.dumps(self._config(), indent=2) + "\n", encoding="utf-8")
        self.port = free_port()
        self._process = spawn_service(
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={self._workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",  # no HA gossip (it would bind 0.0.0.0:9094)
                "--log.level=warn",
            ],
            self._workdir / "alertmanager.log",
        )
        if wait_ready(f"{self.url}/-/ready", self._process, 30.0):
            return self.url
        self.stop()
        raise MonitoringError("Alertmanager did not start (see its log)")

    def alerts(self, **filters: str) -> list[dict[str, Any]]:
        """``GET /api/v2/alerts`` (what it holds now: active, silenced, inhibited)."""
        response = httpx.get(f"{self.url}/api/v2/alerts", params=filters, timeout=5.0)
        response.raise_for_status()
        return list(response.json())

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)
            self._process = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _config(self) -> dict[str, Any]:
        wait = f"{max(1, round(self._group_wait_s * 1000))}ms"
        receiver: dict[str, Any] = {"name": "test"}
        if self._webhook_url:
            receiver["webhook_configs"] = [{"url": self._webhook_url, "send_resolved": True}]
        return {
            "route": {
                "receiver": "test",
                "group_by": ["alertname", "postdeploy_run"],
                "group_wait": wait,
                "group_interval": wait,
                "repeat_interval": "1h",
            },
            "receivers": [receiver],
        }

    def __enter__(self) -> EmbeddedAlertmanager:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
