"""The embedded unimedia over HTTPS: the run's own CA is trusted where told, and nowhere else.

"Trusted for the run only" is checked from both sides: postdeploy's client verifies the
certificate against the run's CA and gets through; the same client without it (the system
trust store) is refused — so nothing switched verification off or changed the machine's
trust store. The CA's key is gone from disk once the server has started.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import httpx
import pytest

from postdeploy.errors import TargetUnreachable
from postdeploy.target.access import preflight
from postdeploy.target.child_env import node_extra_ca_certs, target_environment
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


PLAYWRIGHT_GET = """
import sys
from playwright.sync_api import Error, sync_playwright

with sync_playwright() as playwright:
    request = playwright.request.new_context()
    try:
        print("STATUS", request.get(sys.argv[1] + "/healthz").status)
    except Error as exc:
        print("REFUSED", str(exc).splitlines()[0])
"""


@pytest.mark.skipif(find_spec("playwright") is None, reason="the ui extra is not installed")
def test_playwrights_node_driver_trusts_the_run_ca_through_the_childs_environment(
    tmp_path: Path,
) -> None:
    """``page.request`` (the e2e isolation checks) runs in Playwright's Node driver, which
    the browser's NSS database does not reach: the child's environment tells it."""
    with EmbeddedUnimedia(log_path=tmp_path / "unimedia.log", faults="") as target:
        assert target.url is not None
        assert target.ca_file is not None
        trusted = target_environment(target, "run-id")
        untrusted = {k: v for k, v in trusted.items() if k != "NODE_EXTRA_CA_CERTS"}
        outputs = [
            subprocess.run(
                [sys.executable, "-c", PLAYWRIGHT_GET, target.url],
                env=env, capture_output=True, text=True, timeout=120, check=True,
            ).stdout
            for env in (trusted, untrusted)
        ]  # fmt: skip
    assert "STATUS 200" in outputs[0], outputs[0]
    assert "REFUSED" in outputs[1], outputs[1]


def test_a_users_own_node_extra_ca_is_kept_beside_the_run_ca(tmp_path: Path) -> None:
    run_ca = tmp_path / "run-ca.pem"
    run_ca.write_bytes(b"-----BEGIN CERTIFICATE-----\nrun\n-----END CERTIFICATE-----\n")
    theirs = tmp_path / "corporate.pem"
    theirs.write_bytes(b"-----BEGIN CERTIFICATE-----\ncorp\n-----END CERTIFICATE-----\n")

    assert node_extra_ca_certs(run_ca, {}) == run_ca
    bundle = node_extra_ca_certs(run_ca, {"NODE_EXTRA_CA_CERTS": str(theirs)})
    assert bundle != run_ca
    text = bundle.read_bytes()
    assert b"corp" in text
    assert b"run" in text
    unreadable = node_extra_ca_certs(run_ca, {"NODE_EXTRA_CA_CERTS": str(tmp_path / "gone")})
    assert unreadable == run_ca
