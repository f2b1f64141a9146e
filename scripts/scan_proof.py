"""The issue-20 proof, measured: `postdeploy verify --stages security` on the embedded
target — clean, and with each fault only a scanner finds — with the full Wapiti scan.

    .venv/bin/python scripts/scan_proof.py [--runs N] [--fault NAME …] [--clean-only]
        [--profile-full] [--compare-without-scan]

Each run is what `make verify` does for the security stage: the embedded unimedia (with
``UNIMEDIA_FAULTS``), no ZAP, Wapiti from tools/wapiti/. Prints, per run: exit code,
decision, the triggers that fired, the Wapiti findings that block, the scan's wall time
(Wapiti alone, from the stage's metrics), the stage's and the whole command's, and the
machine's load average. ``--profile-full`` runs `verify --profile full` (every stage)
instead, for the time a scan adds to a whole `make verify`. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAULTS = ("ui_filter_xss", "legacy_sort_injection", "login_open_redirect")


def run(fault: str, reports: Path, *, full: bool, wapiti: bool = True) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    if not wapiti:
        env["POSTDEPLOY_WAPITI"] = "false"
    if fault:
        env["UNIMEDIA_FAULTS"] = fault
    command = [sys.executable, "-m", "postdeploy", "verify", "--report-dir", str(reports)]
    command += ["--profile", "full"] if full else ["--stages", "security"]
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=1800
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the command and every process it waited for (unimedia, pytest, Wapiti): what
    # the run costs the machine, whatever else runs on it
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    verdict = json.loads((reports / "latest" / "verdict.json").read_text())
    stages = {stage["name"]: stage for stage in verdict["stages"]}
    security = stages["security"]
    blocking = sorted(
        reason["origin"]
        for reason in verdict["reasons"]
        if reason["origin"].startswith("wapiti:") and reason["severity"] in ("high", "critical")
    )
    return {
        "fault": (fault or "(clean)") + ("" if wapiti else " [no scan]"),
        "exit": completed.returncode,
        "decision": verdict["decision"],
        "triggers": ",".join(verdict["triggers_fired"]) or "-",
        "wapiti_blocking": ", ".join(blocking) or "-",
        "scan_s": security["metrics"].get("wapiti_scan_s"),
        "security_stage_s": round(security["duration_s"], 1),
        "command_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load": os.getloadavg()[0],
        "stages": {name: round(stage["duration_s"], 1) for name, stage in stages.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each case")
    parser.add_argument("--fault", action="append", help="only these faults (default: all 3)")
    parser.add_argument("--no-clean", action="store_true", help="skip the clean runs")
    parser.add_argument("--profile-full", action="store_true", help="verify --profile full")
    parser.add_argument("--clean-only", action="store_true", help="no fault runs")
    parser.add_argument(
        "--compare-without-scan",
        action="store_true",
        help="each case also with POSTDEPLOY_WAPITI=false: what the scan adds",
    )
    args = parser.parse_args()
    faults = [] if args.clean_only else list(args.fault or FAULTS)
    cases = ([] if args.no_clean else [""]) + faults
    rows = []
    with tempfile.TemporaryDirectory(prefix="scan-proof-") as scratch:
        number = 0
        for fault in cases * args.runs:
            for wapiti in (True, False) if args.compare_without_scan else (True,):
                number += 1
                row = run(fault, Path(scratch) / str(number), full=args.profile_full, wapiti=wapiti)
                rows.append(row)
                print(json.dumps(row), flush=True)
    print()
    print(
        "| fault | exit | decision | triggers | Wapiti findings that block | scan s | "
        "security stage s | command s | CPU s | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['fault']} | {row['exit']} | {row['decision']} | {row['triggers']} | "
            f"{row['wapiti_blocking']} | {row['scan_s']} | {row['security_stage_s']} | "
            f"{row['command_s']} | {row['cpu_s']} | {row['load']:.1f} |"
        )


if __name__ == "__main__":
    main()
