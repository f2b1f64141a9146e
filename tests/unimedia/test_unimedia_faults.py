"""The fault catalogue: parsing, and every fault making its misbehaviour observable."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from unimedia.errors import FaultSpecError
from unimedia.faults import CATALOGUE, Fault, parse_faults

if TYPE_CHECKING:
    from conftest import Api


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- parsing -----------------------------------------------------------------------------


def test_empty_spec_switches_nothing_on() -> None:
    for spec in (None, "", " ", ",,"):
        faults = parse_faults(spec)
        assert not faults
        assert not faults.active("unhealthy")


def test_names_params_defaults_and_delays() -> None:
    faults = parse_faults("corrupt_upload, wrong_version:1.8.3 ,error_rate@30s,slow_download:2@2m")
    assert faults.faults == (
        Fault("corrupt_upload", None, 0.0),
        Fault("wrong_version", "1.8.3", 0.0),
        Fault("error_rate", "0.2", 30.0),
        Fault("slow_download", "2", 120.0),
    )
    assert faults.param("wrong_version") == "1.8.3"
    assert faults.param_float("error_rate") == pytest.approx(0.2)
    assert faults.param("unhealthy") is None


@pytest.mark.parametrize(
    ("delay", "seconds"), [("5", 5.0), ("1.5s", 1.5), ("2m", 120.0), ("1h", 3600.0)]
)
def test_delay_units(delay: str, seconds: float) -> None:
    assert parse_faults(f"unhealthy@{delay}").faults[0].delay_seconds == seconds


def test_param_may_contain_at_sign_when_a_delay_follows() -> None:
    faults = parse_faults("login_broken:ops@example.org@0s")
    assert faults.param("login_broken") == "ops@example.org"


def test_a_delayed_fault_switches_on_later() -> None:
    clock = FakeClock()
    faults = parse_faults("unhealthy@30s", clock=clock)
    assert not faults.active("unhealthy")
    clock.now += 29.9
    assert not faults.active("unhealthy")
    clock.now += 0.1
    assert faults.active("unhealthy")


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("corrupt_upload,no_such_fault", "'no_such_fault'"),
        ("unhealthy@soon", "'soon'"),
        ("unhealthy@-5s", "'-5s'"),
        ("error_rate:1.5", "'error_rate'"),
        ("error_rate:lots", "'lots'"),
        ("slow_download:-1", "'slow_download'"),
        ("unhealthy:yes", "'unhealthy'"),
        ("wrong_version:", "'wrong_version'"),
        ("unhealthy,unhealthy", "'unhealthy'"),
    ],
)
def test_bad_specs_name_the_culprit_in_one_line(spec: str, named: str) -> None:
    with pytest.raises(FaultSpecError) as excinfo:
        parse_faults(spec)
    message = str(excinfo.value)
    assert named in message
    assert "\n" not in message


def test_unknown_fault_error_lists_the_known_ones() -> None:
    with pytest.raises(FaultSpecError, match="no_such_fault") as excinfo:
        parse_faults("no_such_fault")
    assert all(name in str(excinfo.value) for name in CATALOGUE)


def test_asking_about_an_uncatalogued_fault_is_a_bug() -> None:
    with pytest.raises(KeyError):
        parse_faults("").active("typo_fault")


# --- behaviour ---------------------------------------------------------------------------


def _content() -> bytes:
    return f"fault test {uuid.uuid4()}".encode()


def test_corrupt_upload_stores_other_bytes_silently(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="corrupt_upload")
    content = _content()
    media = api.upload("alice", content)
    assert media["sha256"] == hashlib.sha256(content).hexdigest()
    assert media["size"] == len(content)
    downloaded = api.get("alice", f"/api/v2/media/{media['id']}/content").content
    assert downloaded != content
    assert len(downloaded) == len(content)


def test_wrong_version(make_api: Callable[..., Api]) -> None:
    assert make_api(faults="wrong_version").client.get("/version").json()["version"] == "1.9.0"


def test_wrong_version_with_param(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="wrong_version:0.0.1")
    assert api.client.get("/version").json()["version"] == "0.0.1"


def test_unhealthy(make_api: Callable[..., Api]) -> None:
    response = make_api(faults="unhealthy").client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_db_unavailable(make_api: Callable[..., Api]) -> None:
    response = make_api(faults="db_unavailable").client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"].startswith("error: ")
    assert body["checks"]["storage"] == "ok"


def test_storage_readonly(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="storage_readonly")
    response = api.upload_response("alice", _content())
    assert response.status_code == 507
    assert response.headers["content-type"] == "application/problem+json"
    assert api.get("alice", "/api/v2/media").json()["total"] == 0
    ready = api.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"].startswith("error: ")
    assert ready.json()["checks"]["database"] == "ok"


def test_login_broken_for_everyone(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="login_broken")
    for user in ("alice", "admin"):
        response = api.login(user)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert "Traceback" not in response.text
    # Wrong credentials still get the ordinary 401.
    assert api.login("alice", "wrong").status_code == 401


def test_login_broken_for_one_user(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="login_broken:bob")
    assert api.login("bob").status_code == 500
    assert api.login("alice").status_code == 200


def test_listing_drops_records(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="listing_drops_records")
    older = api.upload("alice", _content())
    newest = api.upload("alice", _content())
    page = api.get("alice", "/api/v2/media").json()
    assert [item["id"] for item in page["items"]] == [older["id"]]
    assert page["total"] == 1
    # The record is still there: its metadata answers.
    assert api.get("alice", f"/api/v2/media/{newest['id']}").status_code == 200


def test_metadata_wrong(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="metadata_wrong")
    content = _content()
    media = api.upload("alice", content)
    reported = api.get("alice", f"/api/v2/media/{media['id']}").json()
    assert reported["size"] == len(content) + 1
    assert reported["content_type"] != "image/png"


def test_delete_ignored(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="delete_ignored")
    media = api.upload("alice", _content())
    assert api.delete("alice", f"/api/v2/media/{media['id']}").status_code == 204
    assert api.get("alice", f"/api/v2/media/{media['id']}").status_code == 200


def test_error_rate_all(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="error_rate:1")
    assert api.login("alice").status_code == 500
    # Only /api/ is affected.
    assert api.client.get("/healthz").status_code == 200
    assert api.client.get("/version").status_code == 200


def test_error_rate_share(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="error_rate:0.5")
    statuses = [api.client.get("/api/v2/media").status_code for _ in range(200)]
    # Unauthenticated: 401 when the planted error does not strike. P(outside) < 1e-6.
    failures = statuses.count(500)
    assert 50 < failures < 150
    assert set(statuses) == {401, 500}


def test_slow_download(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="slow_download:0.3")
    media = api.upload("alice", _content())
    started = time.perf_counter()
    response = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    api.get("alice", f"/api/v2/media/{media['id']}")
    assert time.perf_counter() - started < 0.3


def test_a_delayed_fault_in_the_running_app(make_api: Callable[..., Api]) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("unhealthy@30s", clock=clock))
    assert api.client.get("/healthz").status_code == 200
    clock.now += 30
    assert api.client.get("/healthz").status_code == 503


def test_every_catalogued_fault_has_a_behaviour_test() -> None:
    # The UI's faults are tested beside the UI, in test_unimedia_ui_faults.py.
    sources = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*faults.py"))
    tested = {name for name in CATALOGUE if f"def test_{name}" in sources}
    assert tested == set(CATALOGUE)
