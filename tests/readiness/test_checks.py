"""Each preflight check against the real thing it asks about, failing on a real fault and
passing on the healthy one: backup files, SQLite databases, snapshot files, baseline files,
TLS certificates (openssl), and a real Prometheus with and without the rules loaded."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from needs import require_tool

from postdeploy.contract.baseline import REFERENCE_BASELINE
from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, load_rules, render_rules
from postdeploy.readiness.backup import backup_check
from postdeploy.readiness.baselines import baseline_checks
from postdeploy.readiness.database import database_checks
from postdeploy.readiness.model import CheckState, Readiness, ReadinessCheck, decide
from postdeploy.readiness.prometheus import monitoring_checks
from postdeploy.readiness.snapshot import snapshot_check
from postdeploy.readiness.tls import certificate_check
from postdeploy.target.prometheus import EmbeddedPrometheus, find_prometheus

DAY = 86400.0


def _state(check: ReadinessCheck) -> CheckState:
    return check.state


@pytest.mark.parametrize(
    ("states", "decision"),
    [
        ([CheckState.PASSED, CheckState.SKIPPED], Readiness.READY),
        ([CheckState.PASSED, CheckState.FAILED, CheckState.ERROR], Readiness.NOT_READY),
        ([CheckState.PASSED, CheckState.ERROR], Readiness.INCONCLUSIVE),
        ([CheckState.SKIPPED], Readiness.INCONCLUSIVE),  # nothing checked is not ready
        ([], Readiness.INCONCLUSIVE),
    ],
)
def test_the_decision_fails_closed(states: list[CheckState], decision: Readiness) -> None:
    checks = [ReadinessCheck(f"c:{n}", "t", state) for n, state in enumerate(states)]
    assert decide(checks) is decision


# --- backup ------------------------------------------------------------------------------


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    path = tmp_path / "unimedia-backup.db"
    path.write_bytes(os.urandom(4096))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n")
    return path


def test_a_verified_recent_backup_passes(backup: Path) -> None:
    check = backup_check(str(backup), expected_sha256=None, max_age_s=DAY, timeout_s=5)
    assert check.state is CheckState.PASSED, check.detail
    assert check.figures == {"bytes": 4096.0, "age_s": pytest.approx(0, abs=60)}


def test_a_corrupted_backup_fails(backup: Path) -> None:
    data = bytearray(backup.read_bytes())
    data[100] ^= 0xFF  # one flipped byte
    backup.write_bytes(bytes(data))
    check = backup_check(str(backup), expected_sha256=None, max_age_s=DAY, timeout_s=5)
    assert check.state is CheckState.FAILED
    assert "differs from the recorded" in check.detail


def test_a_stale_or_missing_or_unverifiable_backup_fails(backup: Path, tmp_path: Path) -> None:
    old = time.time() - 3 * DAY
    os.utime(backup, (old, old))
    stale = backup_check(str(backup), expected_sha256=None, max_age_s=DAY, timeout_s=5)
    assert stale.state is CheckState.FAILED
    assert "72.0 h old" in stale.detail
    missing = backup_check(str(tmp_path / "nope.db"), expected_sha256="0" * 64, max_age_s=DAY,
                           timeout_s=5)  # fmt: skip
    assert missing.state is CheckState.FAILED
    Path(f"{backup}.sha256").unlink()
    unverifiable = backup_check(str(backup), expected_sha256=None, max_age_s=DAY, timeout_s=5)
    assert unverifiable.state is CheckState.FAILED
    assert "no checksum" in unverifiable.detail
    assert backup_check(None, expected_sha256=None, max_age_s=DAY, timeout_s=5).state is (
        CheckState.SKIPPED
    )


def test_a_backup_url_is_fetched_and_verified(backup: Path) -> None:
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(backup.parent), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{backup.name}"
        good = backup_check(url, expected_sha256=None, max_age_s=DAY, timeout_s=5)
        assert good.state is CheckState.PASSED, good.detail
        wrong = backup_check(url, expected_sha256="ab" * 32, max_age_s=DAY, timeout_s=5)
        assert wrong.state is CheckState.FAILED
    finally:
        server.shutdown()
        server.server_close()


# --- database ----------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "unimedia.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE media (id TEXT PRIMARY KEY)")
    return path


def test_a_read_only_database_url_passes(database: Path) -> None:
    checks = database_checks(f"sqlite:///file:{database}?mode=ro&uri=true")
    assert [_state(c) for c in checks] == [CheckState.PASSED, CheckState.PASSED], checks
    assert "(media)" in checks[0].detail


def test_a_writable_database_url_fails(database: Path) -> None:
    checks = database_checks(f"sqlite:///{database}")
    assert [_state(c) for c in checks] == [CheckState.PASSED, CheckState.FAILED]
    assert "mode=ro" in checks[1].fix
    with sqlite3.connect(database) as connection:  # and nothing was written
        assert connection.execute("SELECT count(*) FROM media").fetchone() == (0,)


def test_an_unreachable_database_fails(tmp_path: Path) -> None:
    checks = database_checks(f"sqlite:///file:{tmp_path / 'absent.db'}?mode=ro&uri=true")
    assert [_state(c) for c in checks] == [CheckState.FAILED]
    assert database_checks(None)[0].state is CheckState.SKIPPED


# --- snapshot and baselines --------------------------------------------------------------


def test_snapshot_present_fresh_or_not(tmp_path: Path) -> None:
    path = tmp_path / "before.jsonl"
    assert snapshot_check(path, max_age_s=DAY).state is CheckState.FAILED
    path.write_text('{"kind": "postdeploy-data-snapshot", "version": 1, "source": "db", '
                    '"taken_at": "2020-01-01T00:00:00+00:00", "total": 3}\n')  # fmt: skip
    stale = snapshot_check(path, max_age_s=DAY)
    assert stale.state is CheckState.FAILED
    assert "h old" in stale.detail
    fresh = snapshot_check(path, max_age_s=100 * 365 * DAY)
    assert fresh.state is CheckState.PASSED
    assert "3 records from db" in fresh.detail
    path.write_text("not json\n")
    assert snapshot_check(path, max_age_s=DAY).state is CheckState.FAILED


def test_baselines_must_be_the_live_releases(tmp_path: Path) -> None:
    same = baseline_checks(live_version="2.0.0", contract_file=REFERENCE_BASELINE,
                           load_file=None, load_profile="quick")  # fmt: skip
    assert [_state(c) for c in same] == [CheckState.PASSED, CheckState.SKIPPED]
    other = baseline_checks(live_version="2.1.0", contract_file=REFERENCE_BASELINE,
                            load_file=tmp_path / "load-standard.json",
                            load_profile="standard")  # fmt: skip
    assert [_state(c) for c in other] == [CheckState.FAILED, CheckState.FAILED]
    assert "recorded from 2.0.0, 2.1.0 is live" in other[0].detail
    assert "--record" in other[1].fix


# --- TLS ---------------------------------------------------------------------------------


@pytest.fixture
def https_url(tmp_path: Path):
    require_tool(shutil.which("openssl") is not None, "openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "3", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            try:
                context.wrap_socket(connection, server_side=True).close()
            except (ssl.SSLError, OSError):
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", cert
    listener.close()


def test_a_certificate_expiring_within_n_days_fails(https_url) -> None:
    url, cert = https_url
    soon = certificate_check(url, min_days=14, timeout_s=5, ca_file=cert)
    assert soon.state is CheckState.FAILED
    assert "under 14" in soon.detail
    fine = certificate_check(url, min_days=1, timeout_s=5, ca_file=cert)
    assert fine.state is CheckState.PASSED, fine.detail
    untrusted = certificate_check(url, min_days=1, timeout_s=5)
    assert untrusted.state is CheckState.FAILED
    assert certificate_check("http://x", min_days=1, timeout_s=5).state is CheckState.SKIPPED


# --- the watch's Prometheus --------------------------------------------------------------


@pytest.mark.parametrize("rules", [False, True])
def test_prometheus_rules_loaded_or_how_to(start_unimedia, tmp_path: Path, rules: bool) -> None:
    require_tool(find_prometheus() is not None, "prometheus")
    server = start_unimedia("")
    address = server.url.removeprefix("http://")
    expected = [rule.name for rule in load_rules(PRODUCTION)]
    with EmbeddedPrometheus(
        unimedia=address,
        log_path=tmp_path / "prometheus.log",
        node_exporter=False,
        rules=render_rules(COMPRESSED) if rules else None,
    ) as prometheus:
        deadline = time.monotonic() + 30
        while not httpx.get(
            f"{prometheus.url}/api/v1/query", params={"query": 'up{job="unimedia"}'}
        ).json()["data"]["result"]:
            assert time.monotonic() < deadline, "Prometheus never scraped unimedia"
            time.sleep(0.2)
        checks = {
            c.check_id: c
            for c in monitoring_checks(
                prometheus.url, target_selector='job="unimedia"', expected_rules=expected
            )
        }
    assert checks["monitoring:prometheus"].state is CheckState.PASSED
    assert checks["monitoring:scrape"].state is CheckState.PASSED
    if rules:
        assert checks["monitoring:rules"].state is CheckState.PASSED
    else:
        assert checks["monitoring:rules"].state is CheckState.FAILED
        assert "postdeploy rules -o" in checks["monitoring:rules"].fix


def test_no_or_dead_prometheus_is_not_ready() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for url in (None, dead):
        checks = monitoring_checks(url, target_selector='job="x"', expected_rules=["A"])
        assert [_state(c) for c in checks] == [CheckState.FAILED]
