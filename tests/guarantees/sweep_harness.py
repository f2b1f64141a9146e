"""One verification (and one short watch) with known secrets everywhere a user can put
them, every outgoing connection of every Python process recorded; shared by
``test_guarantee_sweep.py`` (a narrow stage set) and ``scripts/secrets_sweep.py`` (every
stage of the full profile).

Where the secrets go: the accounts' passwords (environment), the ZAP API key, a database
URL with a password, and credentials inside the URLs of Prometheus (userinfo and
``?token=``), ZAP (userinfo) and both webhooks (userinfo, a Slack-style secret path,
``?token=``). Prometheus, the database and the webhooks are dead addresses, so their URLs
end up in error messages — the place a secret leaks first.

The recorder is a ``sitecustomize`` module on ``PYTHONPATH``: every Python process of the
run (postdeploy, the pytest stages and their workers, Locust) imports it at start and logs
each ``connect`` of an IPv4/IPv6 socket. Chromium and Prometheus are not Python: the
recorder does not see them (the full-profile script runs in a network namespace with only
loopback for that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from postdeploy.config import password_env_name
from postdeploy.stages.secret_scan import find_leaks

__all__ = ["SweepResult", "sweep"]

DEAD_PORT = 9  # "discard": nothing listens on it here

RECORDER = """
import json, os, socket, sys
_log = os.environ.get("POSTDEPLOY_TRAFFIC_LOG")
if _log:
    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex

    def _record(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            line = [os.getpid(), sys.argv[:3], str(address[0]), int(address[1])]
            with open(_log, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\\n")

    def connect(self, address):
        _record(self, address)
        return _connect(self, address)

    def connect_ex(self, address):
        _record(self, address)
        return _connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
"""


def secrets(zap_key: str) -> dict[str, str]:
    """label → a value that must never appear in any output (besides the passwords)."""
    return {
        "ZAP API key": zap_key,
        "ZAP URL password": "zap-url-pass-4471",
        "Prometheus URL password": "prom-url-pass-5582",
        "Prometheus URL token": "prom-url-token-6693",
        "database URL password": "db-url-pass-7704",
        "webhook password": "hook-url-pass-8815",
        "webhook secret path": "HOOKSECRET9926",
        "webhook token": "am-url-token-1037",
    }


@dataclass(frozen=True)
class SweepResult:
    exit_codes: tuple[int, ...]
    outputs: dict[str, str]  # name → stdout/stderr text
    leaks: list[str]  # "label in where", empty when nothing leaked
    connections: list[tuple[int, list[str], str, int]]
    files_searched: int
    bytes_searched: int

    def destinations(self) -> set[tuple[str, int]]:
        return {(host, port) for _, _, host, port in self.connections}


def sweep(
    home: Path,
    *,
    target: str,
    passwords: dict[str, str],
    zap_url: str,
    zap_key: str,
    stages: str,
    watch: bool = True,
    base_env: dict[str, str],
    timeout_s: float = 900,
    prepare: tuple[tuple[str, ...], ...] = (),
    extra_env: dict[str, str] | None = None,
) -> SweepResult:
    """Run ``verify --stages STAGES`` (and a 5-second watch) against ``target``; search."""
    known = secrets(zap_key)
    recorder = home / "recorder"
    recorder.mkdir(parents=True, exist_ok=True)
    (recorder / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    reports = home / "reports"
    traffic = home / "traffic.jsonl"
    zap_with_userinfo = zap_url.replace("http://", f"http://zapuser:{known['ZAP URL password']}@")
    env = dict(base_env)
    env.update({password_env_name(name): pw for name, pw in passwords.items()})
    env.update(
        {
            "POSTDEPLOY_TARGET": target,
            "POSTDEPLOY_EXPECTED_VERSION": "2.0.0",
            "POSTDEPLOY_ZAP_URL": zap_with_userinfo,
            "POSTDEPLOY_ZAP_API_KEY": zap_key,
            "POSTDEPLOY_ZAP_TIMEOUT": "60",
            "POSTDEPLOY_PROMETHEUS_URL": (
                f"http://metrics:{known['Prometheus URL password']}@127.0.0.1:{DEAD_PORT}"
                f"/?token={known['Prometheus URL token']}"
            ),
            "POSTDEPLOY_DATABASE_URL": (
                f"postgresql://media:{known['database URL password']}@127.0.0.1:{DEAD_PORT}/media"
            ),
            "POSTDEPLOY_SNAPSHOT": str(home / "data-snapshot.jsonl"),
            "POSTDEPLOY_BASELINE_DIR": str(home / "baselines"),
            "PYTHONPATH": os.pathsep.join(
                [str(recorder), *filter(None, [base_env.get("PYTHONPATH")])]
            ),
            "POSTDEPLOY_TRAFFIC_LOG": str(traffic),
            "TMPDIR": str(tmp),
        }
    )
    hooks = [
        "--slack-url",
        f"http://hook:{known['webhook password']}@127.0.0.1:{DEAD_PORT}/services/T0/B0/"
        f"{known['webhook secret path']}",
        "--alertmanager-url",
        f"http://127.0.0.1:{DEAD_PORT}/api/v2/alerts?token={known['webhook token']}",
    ]
    env.update(extra_env or {})
    commands = {f"prepare {i + 1}": list(args) for i, args in enumerate(prepare)}
    commands["verify"] = ["verify", "--stages", stages, "--report-dir", str(reports), "-v"]
    if watch:
        commands["watch"] = [
            "watch", "--duration", "5s", "--interval", "1s", "--report-dir", str(reports),
            "-v", *hooks,
        ]  # fmt: skip
    codes, outputs = [], {}
    for name, args in commands.items():
        done = subprocess.run(
            [sys.executable, "-m", "postdeploy", *args],
            capture_output=True, text=True, env=env, cwd=home, timeout=timeout_s, check=False,
        )  # fmt: skip
        codes.append(done.returncode)
        outputs[f"{name} stdout"] = done.stdout
        outputs[f"{name} stderr"] = done.stderr
    all_secrets = {f"password of {name}": pw for name, pw in passwords.items()} | known
    leaks = [
        f"{label} in {where}"
        for where, text in outputs.items()
        for label, value in all_secrets.items()
        if any(form in text for form in (value, quote(value, safe=""), json.dumps(value)[1:-1]))
    ]
    files = bytes_ = 0
    for root in (reports, tmp):
        for leak in find_leaks(root, all_secrets):
            leaks.append(f"{leak.label} in {root.name}/{leak.path}")
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                files += 1
                bytes_ += path.stat().st_size
    connections = []
    if traffic.exists():
        for line in traffic.read_text(encoding="utf-8").splitlines():
            pid, argv, host, port = json.loads(line)
            connections.append((pid, argv, host, port))
    return SweepResult(tuple(codes), outputs, leaks, connections, files, bytes_)
