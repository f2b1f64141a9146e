"""Is the release up, ready, and the one we meant to deploy?"""

from __future__ import annotations

import httpx
import pytest

from postdeploy.config import TargetSettings

pytestmark = pytest.mark.smoke


@pytest.mark.gate(trigger="critical_error", severity="critical")
def test_health_endpoint_reports_ok(postdeploy_anonymous: httpx.Client) -> None:
    """The service reports itself healthy"""
    response = postdeploy_anonymous.get("/healthz")
    assert response.status_code == 200, f"/healthz answered HTTP {response.status_code}"
    assert response.json().get("status") == "ok"


@pytest.mark.gate(trigger="critical_error", severity="critical")
def test_service_is_ready(postdeploy_anonymous: httpx.Client) -> None:
    """The service is ready: its database and storage work"""
    response = postdeploy_anonymous.get("/readyz")
    body = response.json()
    failing = {name: state for name, state in body.get("checks", {}).items() if state != "ok"}
    assert response.status_code == 200, f"/readyz answered HTTP {response.status_code}: {failing}"
    assert body.get("status") == "ready"
    assert not failing, f"dependencies not ready: {failing}"


@pytest.mark.gate(trigger="critical_error", severity="critical")
def test_live_version_is_the_expected_release(
    postdeploy_anonymous: httpx.Client, postdeploy_target: TargetSettings
) -> None:
    """The live release is the one that was deployed"""
    if not postdeploy_target.expected_version:
        pytest.skip("no expected version configured (POSTDEPLOY_EXPECTED_VERSION)")
    response = postdeploy_anonymous.get("/version")
    assert response.status_code == 200, f"/version answered HTTP {response.status_code}"
    live = response.json().get("version")
    assert live == postdeploy_target.expected_version, (
        f"live release is {live!r}, expected {postdeploy_target.expected_version!r}"
    )
