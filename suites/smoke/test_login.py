"""Can every test account log in, and does its token open the API?"""

from __future__ import annotations

import httpx
import pytest

from postdeploy.config import TargetSettings
from postdeploy.target.client import LOGIN_PATH

pytestmark = pytest.mark.smoke


@pytest.mark.gate(trigger="critical_error", severity="critical")
def test_every_account_can_log_in(
    postdeploy_anonymous: httpx.Client, postdeploy_target: TargetSettings
) -> None:
    """Every account can log in and use its token"""
    problems = []
    for account in postdeploy_target.accounts:
        password = account.password.reveal() if account.password else ""
        response = postdeploy_anonymous.post(
            LOGIN_PATH, json={"username": account.username, "password": password}
        )
        if response.status_code != 200:
            problems.append(f"{account.username}: login answered HTTP {response.status_code}")
            continue
        token = response.json().get("access_token")
        if not token:
            problems.append(f"{account.username}: login answered without an access_token")
            continue
        listing = postdeploy_anonymous.get(
            "/api/v2/media", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"}
        )
        if listing.status_code != 200:
            problems.append(
                f"{account.username}: token refused by /api/v2/media (HTTP {listing.status_code})"
            )
    assert not problems, "; ".join(problems)
