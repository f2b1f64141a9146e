"""The secrets sweep and traffic record over every stage of the full profile (issue 16).

    .venv/bin/python scripts/secrets_sweep.py            # plain
    .venv/bin/python scripts/secrets_sweep.py --netns    # inside a network namespace with
                                                         # only loopback (root; unshare + ip)

Starts a unimedia (the "deployment") and the ZAP stand-in, records a quick load baseline
and a data snapshot of it, then runs ``postdeploy verify --stages <all>`` and a 5-second
``watch`` with known secrets everywhere a user can put them (see
``tests/guarantees/sweep_harness.py``), and prints: files and bytes searched, occurrences
found (must be 0), and every destination any Python process connected to (must be the
target, the ZAP stand-in and the dead Prometheus/database/webhook port). With ``--netns``
the whole run has no network but loopback, so a non-Python part (Chromium, Prometheus)
that tried to reach anything else would fail its stage instead of passing silently.
``tests/guarantees/test_guarantee_sweep.py`` runs the same sweep on a narrow stage set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "guarantees"))

from sweep_harness import DEAD_PORT, sweep  # noqa: E402

from postdeploy.stages.registry import PROFILES  # noqa: E402
from postdeploy.target.embedded import EmbeddedUnimedia  # noqa: E402
from postdeploy.testing.zap_standin import StandinBehaviour, ZapStandin  # noqa: E402

ZAP_KEY = "zap-api-key-full-4242"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netns", action="store_true", help="run inside an empty netns")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.netns and os.environ.get("POSTDEPLOY_SWEEP_IN_NETNS") != "1":
        command = (
            "ip link set lo up && POSTDEPLOY_SWEEP_IN_NETNS=1 "
            f"{sys.executable} {Path(__file__).resolve()}" + (" --keep" if args.keep else "")
        )
        return subprocess.call(["unshare", "--net", "sh", "-c", command])  # noqa: S607
    home = Path(tempfile.mkdtemp(prefix="secrets-sweep-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    started = time.monotonic()
    server = EmbeddedUnimedia(log_path=home / "target-unimedia.log", faults="")
    settings = server.start()
    if settings.ca_file is not None:  # it serves HTTPS: every command of the sweep trusts its CA
        env["POSTDEPLOY_CA_FILE"] = str(settings.ca_file)
    passwords = {a.username: a.password.reveal() for a in settings.accounts if a.password}
    baselines = home / "baselines"
    baselines.mkdir()
    shutil.copy(REPO / "baselines" / "contract.json", baselines / "contract.json")
    try:
        with ZapStandin(StandinBehaviour(api_key=ZAP_KEY)) as zap:
            result = sweep(
                home,
                target=settings.url or "",
                passwords=passwords,
                zap_url=zap.url,
                zap_key=ZAP_KEY,
                stages=",".join(PROFILES["full"]),
                base_env=env,
                timeout_s=1800,
                prepare=(
                    ("baseline", "record", "--stage", "load"),
                    ("snapshot", str(home / "data-snapshot.jsonl"), "--target", settings.url or ""),
                ),
                extra_env={"POSTDEPLOY_LOAD_PROFILE": "quick"},
            )
            zap_port = urlsplit(zap.url).port
    finally:
        server.stop()
    took = time.monotonic() - started
    target_port = urlsplit(settings.url or "").port
    allowed = {("127.0.0.1", target_port), ("127.0.0.1", zap_port), ("127.0.0.1", DEAD_PORT)}
    print(f"work directory: {home}")
    print(f"exit codes (prepare…, verify, watch): {result.exit_codes}")
    for name, text in result.outputs.items():
        last = [line for line in text.splitlines() if line.strip()][-3:]
        print(f"  {name}: {' | '.join(last)[:300]}")
    print(
        f"searched: stdout/stderr of {len(result.outputs)} streams, {result.files_searched} files, "
        f"{result.bytes_searched / 1e6:.1f} MB"
    )
    print(f"secret occurrences: {len(result.leaks)}")
    for leak in result.leaks:
        print(f"  LEAK {leak}")
    destinations = sorted(result.destinations())
    print(f"connections recorded: {len(result.connections)} to {len(destinations)} destinations")
    for host, port in destinations:
        roles = {target_port: "target", zap_port: "ZAP", DEAD_PORT: "dead Prometheus/db/hooks"}
        role = roles.get(port, "UNEXPECTED") if host == "127.0.0.1" else "UNEXPECTED"
        print(f"  {host}:{port} {role}")
    unexpected = set(destinations) - allowed
    print(
        f"unexpected destinations: {len(unexpected)}; wall time {took:.0f} s; "
        f"netns: {'yes' if os.environ.get('POSTDEPLOY_SWEEP_IN_NETNS') else 'no'}"
    )
    if not args.keep:
        shutil.rmtree(home, ignore_errors=True)
    return 1 if result.leaks or unexpected else 0


if __name__ == "__main__":
    raise SystemExit(main())
