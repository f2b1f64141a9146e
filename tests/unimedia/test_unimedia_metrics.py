"""``/metrics``: Prometheus text from a registry of the app's own."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client.parser import text_string_to_metric_families

from unimedia import samples

if TYPE_CHECKING:
    from conftest import Api


def _samples(api: Api) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_latency_bytes_and_media_counts(api: Api) -> None:
    content = samples.png(10, 10, salt="metrics")
    media = api.upload("alice", content, filename="m.png", content_type="image/png")
    api.get("alice", f"/api/v2/media/{media['id']}")
    api.get("alice", "/api/v2/media/no-such-id")
    api.get("alice", f"/api/v2/media/{media['id']}/content")
    api.client.get("/no/such/route")
    found = _samples(api)
    route = "/api/v2/media/{media_id}"
    assert _value(found, "http_requests_total", route=route, method="GET", status="200") == 1
    assert _value(found, "http_requests_total", route=route, method="GET", status="404") == 1
    assert _value(found, "http_requests_total", route="<unmatched>", method="GET", status="404")
    assert _value(found, "http_request_duration_seconds_count", route=route, method="GET") == 2
    assert _value(found, "unimedia_upload_bytes_total") > len(content)  # plus multipart framing
    assert _value(found, "unimedia_download_bytes_total") == len(content)
    assert _value(found, "unimedia_media_items", kind="image") == 1
    assert _value(found, "unimedia_media_items", kind="video") == 0
    assert _value(found, "unimedia_db_query_duration_seconds_count") > 0
    assert _value(found, "unimedia_db_connections_open") >= 1
    assert _value(found, "unimedia_db_connections_in_use") >= 0
    assert _value(found, "process_resident_memory_bytes") > 0
    assert _value(found, "process_cpu_seconds_total") > 0
    assert _value(found, "unimedia_build_info", version="2.0.0", commit="unknown") == 1


def test_two_apps_in_one_process_count_separately(
    make_api: Callable[..., Api], tmp_path: object
) -> None:
    first = make_api()
    second = make_api(data_dir=first.settings.data_dir.parent / "other")
    first.client.get("/healthz")
    first.client.get("/healthz")
    second.client.get("/healthz")
    key = {"route": "/healthz", "method": "GET", "status": "200"}
    assert _value(_samples(first), "http_requests_total", **key) == 2
    assert _value(_samples(second), "http_requests_total", **key) == 1
