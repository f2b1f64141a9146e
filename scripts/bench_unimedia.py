#!/usr/bin/env python3
"""How fast unimedia answers list and metadata requests under concurrent users.

Starts a real ``python -m unimedia serve`` (one process, one uvicorn worker) on a fresh data
directory, uploads some media, then runs N concurrent users (threads, one HTTP client each)
doing v2 list, v2 metadata and v1 images list requests for a fixed time, and prints median /
p95 / p99 latency and throughput per request kind, plus the server's CPU time per request
(the figure that does not depend on what else the machine is doing).

    .venv/bin/python scripts/bench_unimedia.py --users 20 --seconds 15 --think 0.5
    .venv/bin/python scripts/bench_unimedia.py --users 20 --seconds 15   # saturation

With ``--think 0`` every user fires its next request the moment the last one returns: that
measures saturation throughput, and the median is then simply users / throughput.

The target must never be the bottleneck of postdeploy's load tests: the goal is a median
well under 20 ms at 20 users on a 2-core machine (with the load generator on the same
cores, so the figures are pessimistic).
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def _start(data: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIMEDIA_")}
    env["PYTHONPATH"] = str(REPO)
    # Our own interpreter and fixed arguments: nothing untrusted reaches the command line.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "unimedia",
            "serve",
            "--port",
            "0",
            "--data",
            str(data),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    if process.stdout is None:  # pragma: no cover -- stdout=PIPE always gives one
        raise SystemExit("no stdout pipe")
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=60):
            process.kill()
            raise SystemExit("unimedia did not start within 60 s")
    return process, process.stdout.readline().strip()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _token(client: httpx.Client, user: str, password: str) -> str:
    response = client.post("/api/v2/auth/login", json={"username": user, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--media", type=int, default=200, help="uploads per user first")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each user waits between requests (0: closed loop, measures saturation;"
        " Locust users usually wait 0.5-2 s)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-unimedia-") as tmp:
        data = Path(tmp)
        process, url = _start(data)
        try:
            accounts = json.loads((data / "accounts.json").read_text())["accounts"]
            users = [(a["username"], a["password"]) for a in accounts if a["role"] == "user"]
            headers: dict[str, dict[str, str]] = {}
            ids: dict[str, list[str]] = {}
            with httpx.Client(base_url=url, timeout=30) as client:
                for user, password in users:
                    headers[user] = {"Authorization": f"Bearer {_token(client, user, password)}"}
                    ids[user] = []
                    for n in range(args.media):
                        files = {"file": (f"f{n}.txt", f"{user} {n}".encode(), "text/plain")}
                        created = client.post("/api/v2/media", headers=headers[user], files=files)
                        created.raise_for_status()
                        ids[user].append(created.json()["id"])
                    # Legacy images too, so the v1 list has something to page through.
                    for n in range(20):
                        png = b"\x89PNG\r\n\x1a\n" + f"{user}{n}".encode()
                        files = {"image": (f"i{n}.png", png, "image/png")}
                        client.post("/api/v1/images", headers=headers[user], files=files)

            latencies: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            lock = threading.Lock()
            stop = time.perf_counter() + args.seconds

            def user_loop(index: int) -> None:
                user = users[index % len(users)][0]
                mine = ids[user]
                local: dict[str, list[float]] = defaultdict(list)
                local_errors: dict[str, int] = defaultdict(int)
                requests = [
                    ("v2 list", "/api/v2/media?limit=20"),
                    ("v2 metadata", None),
                    ("v1 images list", "/api/v1/images?per_page=20"),
                ]
                with httpx.Client(base_url=url, headers=headers[user], timeout=30) as client:
                    n = index
                    while time.perf_counter() < stop:
                        name, path = requests[n % len(requests)]
                        path = path or f"/api/v2/media/{mine[n % len(mine)]}"
                        started = time.perf_counter()
                        response = client.get(path)
                        local[name].append(time.perf_counter() - started)
                        if response.status_code != 200:
                            local_errors[name] += 1
                        n += 1
                        if args.think:
                            # Spread like Locust's between(think/2, think*1.5).
                            time.sleep(args.think * (0.5 + (n * 7919 % 1000) / 1000))
                with lock:
                    for name, values in local.items():
                        latencies[name].extend(values)
                    for name, count in local_errors.items():
                        errors[name] += count

            threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(args.users)]
            cpu_before = _cpu_seconds(process.pid)
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            server_cpu = _cpu_seconds(process.pid) - cpu_before
        finally:
            process.terminate()
            process.wait(timeout=15)

    print(
        f"unimedia: 1 process, 1 uvicorn worker; {args.users} users, think time "
        f"{args.think} s, {elapsed:.1f} s, "
        f"{os.cpu_count()} CPUs (load generator on the same machine)"
    )
    total = sum(len(values) for values in latencies.values())
    print(
        f"server CPU: {server_cpu:.1f} s for {total} requests = "
        f"{server_cpu / max(total, 1) * 1000:.2f} ms per request; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"{'request':16} {'count':>7} {'req/s':>7} {'median':>8} {'p95':>8} {'p99':>8} errors")
    for name, values in latencies.items():
        cuts = statistics.quantiles(values, n=100)
        print(
            f"{name:16} {len(values):7d} {len(values) / elapsed:7.0f} "
            f"{statistics.median(values) * 1000:6.1f}ms {cuts[94] * 1000:6.1f}ms "
            f"{cuts[98] * 1000:6.1f}ms {errors[name]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
