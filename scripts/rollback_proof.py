"""The deploy → NO_GO → rollback → verified story against a *real* target with state, as a
release engineer runs it (the README's version uses the embedded target, which starts
fresh per command). Bounded, loopback only. Run:

    .venv/bin/python scripts/rollback_proof.py [--records 200]

1. the previous release (unimedia 2.0.0) on a data folder with migrated legacy records, a
   Prometheus scraping it with the rollback-trigger rules loaded (+ node exporter);
2. a backup of its database with its SHA-256 beside it;
3. ``postdeploy preflight --record --snapshot --backup …`` (read-only database URL) → READY;
4. the faulty release: unimedia announcing 2.1.0 with ``corrupt_upload``;
   ``postdeploy verify --stages smoke --on-no-go rollback-hook`` → NO_GO; the hook rolls
   back as the deployment plan says: stop, restore the database from the verified backup,
   start the previous release on the same port;
5. ``postdeploy verify --rollback-of 2.1.0 --expected-version 2.0.0`` (the rollback
   profile: rollback, smoke, integration, contracts, data against the snapshot) → GO.

Prints each step's exit code and wall time; exits non-zero if the story does not hold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from postdeploy.monitoring.rules import COMPRESSED, render_rules
from postdeploy.target.prometheus import EmbeddedPrometheus

PY = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(label: str, argv: list[str], env: dict[str, str], cwd: Path) -> int:
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.monotonic() - started
    (cwd / f"{label}.log").write_text(done.stdout + done.stderr)
    print(f"{label:28} exit {done.returncode}  {took:6.1f} s")
    for line in done.stdout.splitlines():
        if line.startswith(("PREFLIGHT:", "VERDICT:", "hook ", "  failed", "  error")):
            print(f"    {line}")
    return done.returncode


def wait_healthy(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not become healthy")


HOOK = """\
import os, pathlib, shutil, signal, subprocess, sys, time
work = pathlib.Path(sys.argv[1])
pid = int((work / "server.pid").read_text())
os.kill(pid, signal.SIGTERM)
for _ in range(300):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        break
    time.sleep(0.1)
data = work / "data"
for suffix in ("", "-wal", "-shm"):
    (data / ("unimedia.db" + suffix)).unlink(missing_ok=True)
shutil.copyfile(work / "backup.db", data / "unimedia.db")   # restore the verified backup
env = {k: v for k, v in os.environ.items() if k != "UNIMEDIA_FAULTS"}
log = open(work / "server-previous.log", "ab")
server = subprocess.Popen([sys.executable, "-m", "unimedia", "serve", "--port",
                           os.environ["STORY_PORT"], "--data", str(data), "--accounts",
                           str(work / "accounts.json")], env=env, stdout=log, stderr=log,
                          start_new_session=True)
(work / "server.pid").write_text(str(server.pid))
print(f"rolled back: {os.environ['POSTDEPLOY_DECISION']} ({os.environ['POSTDEPLOY_TRIGGERS']}),"
      f" backup restored, previous release started (pid {server.pid})")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="postdeploy-rollback-proof-"))
    repo = Path(__file__).resolve().parents[1]
    print(f"work folder: {work}; load: {os.getloadavg()[0]:.1f}")
    accounts = [{"username": n, "password": secrets.token_urlsafe(12), "role": r}
                for n, r in (("alice", "user"), ("bob", "user"), ("admin", "admin"))]  # fmt: skip
    (work / "accounts.json").write_text(json.dumps({"accounts": accounts}))
    data = work / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    subprocess.run([PY, "-m", "unimedia", "seed-legacy", "--count", str(args.records), "--data",
                    str(data), "--accounts", str(work / "accounts.json")],
                   env=env, check=True, capture_output=True)  # fmt: skip
    subprocess.run([PY, "-m", "unimedia", "db", "upgrade", "--data", str(data)], env=env,
                   check=True, capture_output=True)  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def start(faults: str, log: str) -> subprocess.Popen[bytes]:
        server_env = env | ({"UNIMEDIA_FAULTS": faults} if faults else {})
        handle = (work / log).open("ab")
        server = subprocess.Popen(
            [PY, "-m", "unimedia", "serve", "--port", str(port), "--data", str(data),
             "--accounts", str(work / "accounts.json")],
            env=server_env, stdout=handle, stderr=handle, start_new_session=True,
        )  # fmt: skip
        (work / "server.pid").write_text(str(server.pid))
        wait_healthy(url)
        return server

    def stop() -> None:
        pid = int((work / "server.pid").read_text())
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    start("", "server-previous.log")
    failures = 0
    prometheus = EmbeddedPrometheus(unimedia=f"127.0.0.1:{port}", rules=render_rules(COMPRESSED),
                                    log_path=work / "prometheus.log")  # fmt: skip
    prometheus.start()
    try:
        import sqlite3

        with (
            sqlite3.connect(data / "unimedia.db") as source,
            sqlite3.connect(work / "backup.db") as target,
        ):
            source.backup(target)  # an online, consistent copy
        digest = hashlib.sha256((work / "backup.db").read_bytes()).hexdigest()
        (work / "backup.db.sha256").write_text(f"{digest}  backup.db\n")  # sha256sum's format
        (work / "postdeploy.toml").write_text(textwrap.dedent("""\
            [preflight]
            min_cpu_idle_ratio = 0.0   # a shared 2-core machine at ~100 % CPU
            """))  # fmt: skip
        (work / "rollback_hook.py").write_text(HOOK)
        read_only = f"sqlite:///file:{data / 'unimedia.db'}?mode=ro&uri=true"
        pd = (
            env
            | {
                "POSTDEPLOY_TARGET": url,
                "POSTDEPLOY_PROMETHEUS_URL": prometheus.url,
                "POSTDEPLOY_DATABASE_URL": read_only,
                "POSTDEPLOY_BLOB_DIR": str(data / "blobs"),
                "POSTDEPLOY_SNAPSHOT": str(work / "before.jsonl"),
                "POSTDEPLOY_BASELINE_DIR": str(work / "baselines"),
                "POSTDEPLOY_LOAD_PROFILE": "quick",
                "POSTDEPLOY_REQUIRE_ZAP_SCAN": "false",
                "STORY_PORT": str(port),
                "PYTHONPATH": str(repo),
            }
            | {f"POSTDEPLOY_PASSWORD_{a['username'].upper()}": a["password"] for a in accounts}
        )
        cli = [PY, "-m", "postdeploy"]
        code = run(
            "1-preflight",
            [
                *cli,
                "preflight",
                "--expected-version",
                "2.0.0",
                "--record",
                "--snapshot",
                "--backup",
                str(work / "backup.db"),
            ],
            pd,
            work,
        )
        failures += code != 0
        stop()
        start("wrong_version:2.1.0,corrupt_upload", "server-faulty.log")
        code = run(
            "2-verify-faulty",
            [
                *cli,
                "verify",
                "--expected-version",
                "2.1.0",
                "--stages",
                "smoke",
                "--on-no-go",
                f"{PY} {work / 'rollback_hook.py'} {work}",
            ],
            pd,
            work,
        )
        failures += code != 1
        wait_healthy(url)
        live = httpx.get(f"{url}/version").json()["version"]
        print(f"{'   after the hook':28} {live} is live")
        code = run(
            "3-verify-rollback",
            [*cli, "verify", "--rollback-of", "2.1.0", "--expected-version", "2.0.0"],
            pd,
            work,
        )
        failures += code != 0
    finally:
        stop()
        prometheus.stop()
    print(f"load at the end: {os.getloadavg()[0]:.1f}; logs and reports in {work}")
    if not failures:
        shutil.rmtree(work / "data", ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
