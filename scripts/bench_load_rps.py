"""Requests per second: postdeploy's load stage against plain Locust, same everything.

    .venv/bin/python scripts/bench_load_rps.py --profile 20u30s --rounds 3

Each round starts a fresh clean unimedia for each side and runs, in alternating order,
``locust -f load/locustfile.py --headless`` (its final ``--json`` statistics) and
``postdeploy load`` against a baseline recorded beforehand (the rps in its verdict): the
same locustfile, users, spawn rate and duration. Prints each round and the ratio of the
medians; the issue asks for at least 90 %. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from postdeploy.config import TargetSettings, password_env_name
from postdeploy.load.profiles import load_profile
from postdeploy.target.embedded import EmbeddedUnimedia

ROOT = Path(__file__).resolve().parent.parent


def _env(settings: TargetSettings, base: dict[str, str]) -> dict[str, str]:
    assert settings.url is not None
    env = dict(base, POSTDEPLOY_TARGET=settings.url)
    env["POSTDEPLOY_ACCOUNTS"] = ",".join(f"{a.username}:{a.role}" for a in settings.accounts)
    for account in settings.accounts:
        if account.password:
            env[password_env_name(account.username)] = account.password.reveal()
    if settings.ca_file is not None:  # the embedded target's run CA (it serves HTTPS)
        env["POSTDEPLOY_CA_FILE"] = str(settings.ca_file)
    return env


def plain_locust(profile_name: str, base: dict[str, str]) -> float:
    profile = load_profile(profile_name)
    with EmbeddedUnimedia(faults="") as server:
        env = _env(server, base)
        command = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "load" / "locustfile.py"),
            "--headless", "--host", env["POSTDEPLOY_TARGET"],
            "--users", str(profile.users), "--spawn-rate", str(profile.spawn_rate),
            "--run-time", f"{profile.duration_s}s", "--stop-timeout", "10",
            "--only-summary", "--skip-log-setup", "--exit-code-on-error", "0", "--json",
        ]  # fmt: skip
        if profile.processes > 1:
            command += ["--processes", str(profile.processes)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    stats = json.loads(done.stdout)
    return sum(entry["num_requests"] for entry in stats) / profile.duration_s


def postdeploy_load(profile_name: str, base: dict[str, str], work: Path) -> float:
    with EmbeddedUnimedia(faults="") as server:
        env = _env(server, base)
        reports = work / "reports"
        subprocess.run(
            [sys.executable, "-m", "postdeploy", "load", "--load-profile", profile_name,
             "--report-dir", str(reports)],
            env=env, capture_output=True, check=False, timeout=900,
        )  # fmt: skip
    verdict = json.loads((reports / "latest" / "verdict.json").read_text())
    return float(verdict["stages"][0]["metrics"]["rps"])


def record_baseline(profile_name: str, base: dict[str, str]) -> None:
    with EmbeddedUnimedia(faults="") as server:
        subprocess.run(
            [sys.executable, "-m", "postdeploy", "baseline", "record", "--stage", "load",
             "--load-profile", profile_name],
            env=_env(server, base), capture_output=True, check=True, timeout=900,
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="20u30s")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-load-rps-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    base["POSTDEPLOY_BASELINE_DIR"] = str(work / "baselines")
    record_baseline(args.profile, base)
    plain, ours = [], []
    for round_ in range(args.rounds):
        order = ("plain", "postdeploy") if round_ % 2 == 0 else ("postdeploy", "plain")
        for side in order:
            if side == "plain":
                plain.append(plain_locust(args.profile, base))
            else:
                ours.append(postdeploy_load(args.profile, base, work / f"round-{round_}"))
        print(f"round {round_ + 1}: plain locust {plain[-1]:.1f} rps, "
              f"postdeploy load {ours[-1]:.1f} rps", flush=True)  # fmt: skip
    ratio = statistics.median(ours) / statistics.median(plain)
    print(f"\nprofile {args.profile}, {args.rounds} rounds: median plain "
          f"{statistics.median(plain):.1f} rps, postdeploy {statistics.median(ours):.1f} rps, "
          f"ratio {ratio:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
