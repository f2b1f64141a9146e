"""docs/guarantees.md X01, X04 and O13: one verification with known secrets in every place a
user can put them — no occurrence in stdout, stderr or any file the run wrote (reports,
logs, Allure results, the temporary directories) — and no connection of any Python
process but to the configured target, Prometheus, ZAP and webhooks, all on loopback.

The narrow stage set that touches every kind of secret: smoke (passwords, logins), security
(the ZAP scan with its API key and a URL with userinfo), data (the database URL), monitoring
(the Prometheus URL), and a 5-second watch (the webhooks). ``scripts/secrets_sweep.py``
runs the same sweep over every stage of the full profile.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from guarantee_support import covers
from sweep_harness import DEAD_PORT, sweep

from postdeploy.testing.zap_standin import StandinBehaviour, ZapStandin

ZAP_KEY = "zap-api-key-3360"


@covers("X01", "X04", "O13")
def test_secrets_sweep_and_traffic(tmp_path: Path, base_env, shared_target) -> None:
    with ZapStandin(StandinBehaviour(api_key=ZAP_KEY)) as zap:
        result = sweep(
            tmp_path,
            target=shared_target.url,
            passwords=shared_target.passwords,
            zap_url=zap.url,
            zap_key=ZAP_KEY,
            stages="smoke,security,data,monitoring",
            base_env=base_env(),
        )
        zap_port = urlsplit(zap.url).port
    shown = "\n".join(f"--- {k}\n{v[-3000:]}" for k, v in result.outputs.items())
    assert all(code in (1, 2) for code in result.exit_codes), shown
    assert "Traceback" not in shown
    # X01: zero occurrences of any secret, in any form
    assert result.leaks == [], result.leaks
    assert result.files_searched > 20, "the run wrote its reports, logs and results"
    # O13: the dead webhooks were tried, recorded, redacted
    timeline = "".join(p.read_text() for p in (tmp_path / "reports").rglob("timeline.jsonl"))
    assert "notification_failed" in timeline
    assert "slack http://***@127.0.0.1:9/" in timeline
    # X04: the configured target, Prometheus, ZAP and webhooks, nothing else, loopback only
    target_port = urlsplit(shared_target.url).port
    allowed = {("127.0.0.1", target_port), ("127.0.0.1", zap_port), ("127.0.0.1", DEAD_PORT)}
    assert result.connections, "the recorder saw the run's connections"
    unexpected = sorted(result.destinations() - allowed)
    assert unexpected == [], [c for c in result.connections if (c[2], c[3]) in unexpected][:5]
    assert ("127.0.0.1", target_port) in result.destinations()
    assert ("127.0.0.1", zap_port) in result.destinations()
    assert ("127.0.0.1", DEAD_PORT) in result.destinations()
