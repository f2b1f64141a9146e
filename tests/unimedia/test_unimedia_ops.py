"""Health, readiness and version: no authentication, JSON answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def test_healthz(api: Api) -> None:
    response = api.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz(api: Api) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}
    # The storage probe cleans up after itself.
    assert not list((api.settings.blob_dir / "tmp").iterdir())


def test_readyz_notices_unwritable_storage(make_api: Callable[..., Api]) -> None:
    api = make_api()
    tmp = api.settings.blob_dir / "tmp"
    tmp.rmdir()
    tmp.write_text("a file where the directory should be")
    response = api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error: ")


def test_version(make_api: Callable[..., Api]) -> None:
    api = make_api(commit="abc1234", build_time="2024-05-01T12:00:00Z")
    assert api.client.get("/version").json() == {
        "service": "unimedia",
        "version": "2.0.0",
        "commit": "abc1234",
        "build_time": "2024-05-01T12:00:00Z",
    }


def test_unknown_route_is_a_404_problem(api: Api) -> None:
    response = api.client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_wrong_method_is_a_405_problem(api: Api) -> None:
    response = api.client.put("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
