"""Measure the load judge on this machine: false alarms on clean runs, detection of faults.

    .venv/bin/python scripts/load_proof.py --profile quick --clean-runs 10 --fault-runs 3 \
        --fault slow_tail --fault slow_list --fault slow_download --fault error_rate:0.02

Records one baseline from a clean unimedia, then runs `postdeploy verify --stages load`
against fresh clean servers (every NO_GO is a false alarm) and against faulty ones (every
NO_GO naming performance_degradation is a detection). Prints a table; not a test.

With ``--paired`` no baseline file is recorded: each run is what `make verify` does, the
embedded release (with ``UNIMEDIA_FAULTS``) loaded together with a clean reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from postdeploy.config import TargetSettings, password_env_name
from postdeploy.target.embedded import EmbeddedUnimedia


def verify_paired(faults: str, env: dict[str, str], reports: Path) -> dict:
    child = dict(env, UNIMEDIA_FAULTS=faults)
    command = [sys.executable, "-m", "postdeploy", "verify", "--stages", "load"]
    command += ["--report-dir", str(reports)]
    subprocess.run(command, env=child, capture_output=True, check=False, timeout=900)
    return json.loads((reports / "latest" / "verdict.json").read_text())


def verify(settings: TargetSettings, env: dict[str, str], reports: Path) -> dict:
    """``postdeploy verify --stages load`` against a running server (the recorded baseline)."""
    assert settings.url is not None
    child = dict(env, POSTDEPLOY_TARGET=settings.url)
    for account in settings.accounts:
        if account.password:
            child[password_env_name(account.username)] = account.password.reveal()
    command = [
        sys.executable,
        "-m",
        "postdeploy",
        "verify",
        "--stages",
        "load",
        "--report-dir",
        str(reports),
    ]
    subprocess.run(command, env=child, capture_output=True, check=False, timeout=900)
    return json.loads((reports / "latest" / "verdict.json").read_text())


def record_baseline(env: dict[str, str]) -> None:
    """``postdeploy baseline record --stage load`` from a clean unimedia."""
    with EmbeddedUnimedia(faults="") as good:
        child = dict(env, POSTDEPLOY_TARGET=good.url or "")
        for account in good.accounts:
            if account.password:
                child[password_env_name(account.username)] = account.password.reveal()
        subprocess.run(
            [sys.executable, "-m", "postdeploy", "baseline", "record", "--stage", "load"],
            env=child,
            check=True,
            capture_output=True,
            timeout=900,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--clean-runs", type=int, default=10)
    parser.add_argument("--fault-runs", type=int, default=3)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--paired", action="store_true", help="no baseline file (make verify)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="load-proof-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env.update(
        POSTDEPLOY_BASELINE_DIR=str(work / "baselines"), POSTDEPLOY_LOAD_PROFILE=args.profile
    )
    if not args.paired:
        record_baseline(env)
    rows = []
    for label, faults, runs in [("clean", "", args.clean_runs)] + [
        (fault, fault, args.fault_runs) for fault in args.fault
    ]:
        decisions = []
        started = time.monotonic()
        for index in range(runs):
            reports = work / f"reports-{label}-{index}"
            if args.paired:
                verdict = verify_paired(faults, env, reports)
            else:
                with EmbeddedUnimedia(faults=faults) as settings:
                    verdict = verify(settings, env, reports)
            fired = verdict["triggers_fired"]
            decisions.append(verdict["decision"])
            titles = "; ".join(r["title"] for r in verdict["reasons"][:3])
            print(
                f"{label:24} run {index + 1}: {verdict['decision']:12} {fired} {titles}", flush=True
            )
        rows.append(
            (
                label,
                runs,
                decisions.count("NO_GO"),
                decisions.count("INCONCLUSIVE"),
                time.monotonic() - started,
            )
        )
    how = "paired with a clean reference" if args.paired else "baseline recorded once"
    print(f"\nprofile {args.profile}; {how}")
    print(f"{'case':24} {'runs':>4} {'NO_GO':>6} {'INCONCL.':>8} {'time':>7}")
    for label, runs, nogo, inconclusive, seconds in rows:
        print(f"{label:24} {runs:4} {nogo:6} {inconclusive:8} {seconds:6.0f}s")


if __name__ == "__main__":
    main()
