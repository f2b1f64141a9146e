"""The fault catalogue: parsing, and every fault making its misbehaviour observable."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from unimedia import samples
from unimedia.api import deps
from unimedia.db import make_engine
from unimedia.errors import FaultSpecError
from unimedia.faults import CATALOGUE, Fault, parse_faults
from unimedia.legacy_seed import seed_legacy
from unimedia.login_throttle import MAX_FAILURES
from unimedia.revisions import upgrade

if TYPE_CHECKING:
    from conftest import Api
    from unimedia.settings import Settings


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


def test_a_fault_with_a_duration_switches_off_again() -> None:
    clock = FakeClock()
    faults = parse_faults("error_every:10@30s+20s", clock=clock)
    assert faults.faults[0].duration_seconds == 20.0
    clock.now += 29.9
    assert not faults.active("error_every")
    clock.now += 0.1
    assert faults.active("error_every")
    clock.now += 19.9
    assert faults.active("error_every")
    clock.now += 0.1
    assert not faults.active("error_every"), "the blip is over"


def test_a_fault_without_a_duration_stays_on() -> None:
    clock = FakeClock()
    faults = parse_faults("unhealthy@1s", clock=clock)
    assert faults.faults[0].duration_seconds is None
    clock.now += 86400
    assert faults.active("unhealthy")


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
        ("unhealthy@5s+soon", "'soon'"),
        ("unhealthy@5s+0s", "'unhealthy@5s+0s'"),
        ("error_every:0", "'error_every'"),
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


def test_legacy_id_reuse(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="legacy_id_reuse")
    first = api.upload("alice", samples.png(8, 8, salt="first"))
    assert api.delete("alice", f"/api/v2/media/{first['id']}").status_code == 204
    second = api.upload("bob", samples.png(8, 8, salt="second"))
    # bob's new image answers to the number alice's deleted one had
    assert api.get("bob", "/api/v1/images/img_1").json()["checksum_sha256"] == second["sha256"]


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


def test_error_every(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="error_every:4")
    statuses = [api.client.get("/api/v2/media").status_code for _ in range(40)]
    # Exactly every 4th /api/ request, deterministically: a steady leak, no lucky clusters.
    assert [i for i, status in enumerate(statuses, 1) if status == 500] == list(range(4, 41, 4))
    assert set(statuses) == {401, 500}
    assert api.client.get("/healthz").status_code == 200


def test_error_every_blip_ends(make_api: Callable[..., Api]) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("error_every:1@10s+5s", clock=clock))
    assert api.client.get("/api/v2/media").status_code == 401
    clock.now += 10
    assert api.client.get("/api/v2/media").status_code == 500
    clock.now += 5
    assert api.client.get("/api/v2/media").status_code == 401


@pytest.fixture
def stalls(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The stalls planted faults ask for, in order — recorded instead of waited out, so
    the tests assert which requests are slowed and by how much, not a wall clock."""
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(deps, "stall", record)
    return asked


def test_slow_download(make_api: Callable[..., Api], stalls: list[float]) -> None:
    api = make_api(faults="slow_download:0.3")
    media = api.upload("alice", _content())
    response = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert response.status_code == 200
    assert stalls == [0.3]
    assert api.get("alice", f"/api/v2/media/{media['id']}").status_code == 200
    assert stalls == [0.3]  # metadata is not a download: no stall


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


def test_slow_list(make_api: Callable[..., Api], stalls: list[float]) -> None:
    api = make_api(faults="slow_list:0.3")
    api.upload("alice", _content())
    assert stalls == []  # an upload is not a listing
    for path in ("/api/v2/media", "/api/v1/images", "/api/v1/videos", "/api/v1/documents"):
        before = len(stalls)
        assert api.get("alice", path).status_code == 200
        assert stalls[before:] == [0.3], path


def test_slow_tail_slows_a_share_and_leaves_the_median(
    make_api: Callable[..., Api], stalls: list[float]
) -> None:
    api = make_api(faults="slow_tail:0.1")
    api.auth("alice")
    # Seeded so that the test is deterministic: with this seed 2 of the 20 draws fall
    # under 0.1 (unseeded, a run of 20 without one is 12% likely).
    random.seed(2)
    for _ in range(20):
        assert api.get("alice", "/api/v2/media").status_code == 200
    assert stalls == [deps.SLOW_TAIL_SECONDS] * len(stalls)
    assert 1 <= len(stalls) <= 4  # a share: most requests, the median, are not slowed


def test_legacy_field_renamed(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="legacy_field_renamed")
    files = {"image": ("a.png", samples.png(2, 2), "image/png")}
    created = api.client.post("/api/v1/images", headers=api.auth("alice"), files=files).json()
    assert "file_name" not in created
    assert created["filename"] == "a.png"
    listed = api.get("alice", "/api/v1/images").json()["images"][0]
    assert "file_name" not in listed
    # The declared contract did not change: that is what makes it a contract break.
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["ImageOut"]
    assert "file_name" in schema["required"]


def test_legacy_type_changed(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="legacy_type_changed")
    files = {"video": ("a.mp4", samples.mp4(3), "video/mp4")}
    created = api.client.post("/api/v1/videos", headers=api.auth("alice"), files=files).json()
    assert created["videoId"] == "1"
    assert api.get("alice", "/api/v1/videos").json()["videos"][0]["videoId"] == "1"
    assert api.get("alice", "/api/v1/videos/1").json()["videoId"] == "1"


def test_v2_field_removed(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="v2_field_removed")
    media = api.upload("alice", _content())
    assert "kind" not in media
    assert "kind" not in api.get("alice", f"/api/v2/media/{media['id']}").json()
    page = api.get("alice", "/api/v2/media").json()
    assert page["total"] == 1
    assert "kind" not in page["items"][0]


def test_truncated_download(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="truncated_download")
    content = _content() * 10
    media = api.upload("alice", content)
    response = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert response.status_code == 200
    assert content.startswith(response.content)
    assert 0 < len(response.content) < len(content)
    assert int(response.headers["content-length"]) == len(response.content)


def test_missing_authz(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="missing_authz")
    content = _content()
    media = api.upload("alice", content)
    assert api.get("bob", f"/api/v2/media/{media['id']}").status_code == 200
    assert api.get("bob", f"/api/v2/media/{media['id']}/content").content == content
    assert api.get("bob", "/api/v1/documents/doc-1").status_code == 404  # not a document
    # Listings still filter by owner: the bug hides from a casual look.
    assert api.get("bob", "/api/v2/media").json()["total"] == 0


def test_missing_security_headers(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="missing_security_headers")
    for path in ("/healthz", "/api/v2/media", "/openapi.json"):
        headers = api.client.get(path).headers
        for name in ("content-security-policy", "x-frame-options", "referrer-policy"):
            assert name not in headers, (path, name)
        assert "x-content-type-options" not in headers


def _resident_bytes(api: Api) -> float:
    text = api.client.get("/metrics").text
    line = next(x for x in text.splitlines() if x.startswith("process_resident_memory_bytes "))
    return float(line.split()[1])


def test_memory_leak(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="memory_leak:1024")
    before = _resident_bytes(api)
    for _ in range(60):
        api.client.get("/healthz")
    # 60 requests keep 60 MiB; allow for what the allocator or the test itself frees.
    assert _resident_bytes(api) - before > 40 * 1024 * 1024


def test_readiness_lies(make_api: Callable[..., Api]) -> None:
    api = make_api(faults="readiness_lies")
    assert api.upload_response("alice", _content()).status_code == 507
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}


def test_migration_drops_records(tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    engine = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    seed_legacy(engine, tmp_path / "blobs", settings.accounts, count=120)
    counted = (
        "SELECT (SELECT count(*) FROM images) + (SELECT count(*) FROM videos) + "
        "(SELECT count(*) FROM documents)"
    )
    with engine.connect() as connection:
        before = connection.execute(text(counted)).scalar_one()
    upgrade(engine, faults=parse_faults("migration_drops_records:10"))
    with engine.connect() as connection:
        after = connection.execute(text("SELECT count(*) FROM media")).scalar_one()
        ids = connection.execute(text("SELECT legacy_id FROM media")).scalars().all()
    assert before == 120
    assert 0 < after < before
    assert all(legacy_id % 10 for legacy_id in ids)
    # The clean migration keeps everything (the control for the check above).
    clean = make_engine(f"sqlite:///{tmp_path / 'clean.db'}")
    seed_legacy(clean, tmp_path / "blobs", settings.accounts, count=120)
    upgrade(clean)
    with clean.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM media")).scalar_one() == 120


def test_login_unthrottled(make_api: Callable[..., Api]) -> None:
    clean, faulty = make_api(), make_api(faults="login_unthrottled")
    for _ in range(MAX_FAILURES):
        assert clean.login("mallory", "guess").status_code == 401
        assert faulty.login("mallory", "guess").status_code == 401
    refused = clean.login("mallory", "guess")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert faulty.login("mallory", "guess").status_code == 401
