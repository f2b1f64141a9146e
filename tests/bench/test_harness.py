"""The benchmark harness still runs and writes what the README's table is made from.

Not a benchmark: no figure is compared with anything. One cheap benchmark in the quickest
mode, so that ``make bench`` cannot rot unnoticed, and the recorded replay of benchmark 1
on a sequence that only replays right if the server's fresh values are substituted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.recording_proxy import RecordingProxy

REPO = Path(__file__).resolve().parents[2]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _bench(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=REPO, capture_output=True,
                          text=True, env=env, timeout=300, check=False)  # fmt: skip


def test_a_quick_run_writes_every_figure_with_its_spread_and_the_load(
    tmp_path: Path, base_env: Callable[..., dict[str, str]]
) -> None:
    out = tmp_path / "results.json"
    done = _bench(base_env(), "--quick", "snapshot_growth", "--out", str(out))
    assert done.returncode == 0, done.stderr
    run = json.loads(out.read_text())
    assert run["schema"] == "postdeploy-bench/1"
    assert run["quick"] is True
    assert set(run["benchmarks"]) == {"snapshot_growth"}
    entry = run["benchmarks"]["snapshot_growth"]
    assert entry["status"] == "measured", entry
    for moment in ("before", "after"):
        assert len(entry["load_average"][moment]) == 3
    names = [figure["name"] for figure in entry["figures"]]
    assert "snapshot 10 000 records, peak RSS" in names
    for figure in entry["figures"]:
        assert figure["runs"] == len(figure["samples"]) >= 1
        assert figure["min"] <= figure["median"] <= figure["max"]
        assert figure["min"] > 0, figure
    assert "snapshot_growth" in done.stdout
    assert "snapshot 10 000 records, wall" in done.stdout


def test_an_unknown_benchmark_is_a_one_line_error(
    tmp_path: Path, base_env: Callable[..., dict[str, str]]
) -> None:
    done = _bench(base_env(), "no_such_bench", "--out", str(tmp_path / "r.json"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: no benchmark named no_such_bench (--list shows them)"
    ]
    assert not (tmp_path / "r.json").exists()


def test_the_replay_repeats_a_recording_that_depends_on_fresh_ids(
    start_unimedia: Callable[..., Any], base_env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    """Upload, read, delete, read again: the recorded media id is gone when the replay runs,
    so only a replay that substitutes the id its own upload got answers as recorded."""
    server = start_unimedia()
    with RecordingProxy(server.url) as proxy, httpx.Client(base_url=proxy.url) as client:
        alice = {"username": "alice", "password": server.passwords["alice"]}
        login = client.post("/api/v2/auth/login", json=alice)
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        created = client.post("/api/v2/media", files={"file": ("dot.png", PNG, "image/png")})
        assert created.status_code == 201, created.text
        media = f"/api/v2/media/{created.json()['id']}"
        assert client.get(media).status_code == 200
        assert client.delete(media).status_code == 204
        assert client.get(media).status_code == 404
    recording = tmp_path / "recording.json"
    recording.write_text(json.dumps({"exchanges": proxy.exchanges}))
    assert [e["status"] for e in proxy.exchanges] == [200, 201, 200, 204, 404]
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "replay_requests.py"), str(recording), server.url],
        capture_output=True, text=True, env=base_env(), timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["requests"] == 5
    assert answer["status_mismatches"] == []
