"""The embedded unimedia over HTTPS: the run's own CA is trusted where told, and nowhere else.

"Trusted for the run only" is checked from both sides: postdeploy's client verifies the
certificate against the run's CA and gets through; the same client without it (the system
trust store) is refused — so nothing switched verification off or changed the machine's
trust store. The CA's key is gone from disk once the server has started.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import httpx
import pytest

from postdeploy.errors import TargetUnreachable
from postdeploy.target.access import preflight
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.prometheus import EmbeddedPrometheus, find_prometheus


def test_the_run_ca_is_trusted_by_the_runs_client_and_only_there(tmp_path: Path) -> None:
    with EmbeddedUnimedia(log_path=tmp_path / "unimedia.log", faults="") as target:
        assert (target.url or "").startswith("https://127.0.0.1:")
        assert target.ca_file is not None
        assert target.ca_file.is_file()
        assert not list(target.ca_file.parent.glob("*key*")), "the CA's key stayed on disk"
        preflight(target)  # the run's client: /healthz, /version, every account's login
        untrusted = dataclasses.replace(target, ca_file=None)
        with pytest.raises(TargetUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            preflight(untrusted)


@pytest.mark.skipif(find_prometheus() is None, reason="prometheus not installed")
def test_prometheus_scrapes_the_https_target_verifying_the_run_ca(tmp_path: Path) -> None:
    with EmbeddedUnimedia(log_path=tmp_path / "unimedia.log", faults="") as target:
        assert target.url is not None
        address = target.url.removeprefix("https://")
        with EmbeddedPrometheus(
            unimedia=address, scrape_interval_s=0.5, node_exporter=False, ca_file=target.ca_file
        ) as prometheus:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                answer = httpx.get(
                    f"{prometheus.url}/api/v1/query", params={"query": 'up{job="unimedia"} == 1'}
                ).json()
                if answer["data"]["result"]:
                    return  # a successful scrape: over HTTPS, the chain verified
                time.sleep(0.2)
            pytest.fail("Prometheus never scraped the HTTPS target successfully")
