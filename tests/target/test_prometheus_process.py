"""The embedded Prometheus: a real process on a free port that scrapes, restarts and stops.

Needs Debian's ``prometheus`` package (``make test`` installs it when missing).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from postdeploy.errors import MonitoringError
from postdeploy.target.prometheus import EmbeddedPrometheus, find_prometheus, prometheus_config

needs_prometheus = pytest.mark.skipif(
    find_prometheus() is None, reason="prometheus not installed (apt-get install prometheus)"
)


def _query(url: str, expr: str) -> list[dict[str, object]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=5.0)
    response.raise_for_status()
    return response.json()["data"]["result"]


def _poll_query(url: str, expr: str, deadline_s: float = 20.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        result = _query(url, expr)
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"{expr} returned nothing within {deadline_s} s")


def test_generated_config_scrapes_unimedia_and_keeps_timeout_within_interval() -> None:
    text = prometheus_config(unimedia="127.0.0.1:8000", node_exporter=None, scrape_interval_s=1.5)
    assert '"127.0.0.1:8000"' in text
    assert '"scrape_interval": "1500ms"' in text
    assert '"scrape_timeout": "1500ms"' in text
    assert '"job_name": "node"' not in text


def test_missing_binary_is_one_clear_error(tmp_path: Path) -> None:
    prometheus = EmbeddedPrometheus(unimedia="127.0.0.1:1", binary=str(tmp_path / "prometheus"))
    with pytest.raises(MonitoringError, match="apt-get install prometheus"):
        prometheus.start()


@needs_prometheus
def test_scrapes_a_real_target_survives_a_kill_and_stops_clean(start_unimedia) -> None:
    server = start_unimedia("")
    address = server.url.removeprefix("http://")
    prometheus = EmbeddedPrometheus(unimedia=address, scrape_interval_s=0.5)
    with prometheus:
        url = prometheus.url
        assert httpx.get(f"{url}/-/ready", timeout=5.0).status_code == 200
        _poll_query(url, 'up{job="unimedia"}')
        port = prometheus.port
        prometheus.kill()
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/-/ready", timeout=2.0)
        prometheus.restart()
        assert prometheus.port == port
        _poll_query(url, 'up{job="unimedia"}')
        workdir = prometheus._workdir
    assert workdir is not None
    assert not workdir.exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/-/ready", timeout=2.0)
