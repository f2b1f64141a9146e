"""Measure the load judge on this machine: false alarms on clean runs, detection of faults.

    # the sequential judge, paired (what `make verify` does), one core held by a CPU hog
    .venv/bin/python scripts/load_proof.py --paired --hog 1 --clean-runs 10 --fault-runs 3 \\
        --fault slow_list:0.004 --fault slow_list:0.002 --fault error_rate:0.02

    # the same side by side with the fixed design
    .venv/bin/python scripts/load_proof.py --paired --hog 1 --mode fixed ...

    # the recorded-baseline path (a real target's): record once, then fresh servers
    .venv/bin/python scripts/load_proof.py --profile quick --clean-runs 6 --fault-runs 2 ...

    # the noise proof: the whole full profile (or --stages smoke,load) under the hog
    .venv/bin/python scripts/load_proof.py --paired --hog 1 --stages full --clean-runs 10

Each run is a fresh ``postdeploy verify`` in its own report directory; every NO_GO of a
clean run is a false alarm, every NO_GO naming performance_degradation of a faulty one a
detection. ``--hog N`` starts Debian's ``stress-ng --cpu N`` for the run and stops it after
(bounded by ``--timeout`` too). Prints one line per run and a table; ``--json FILE`` appends
one JSON object per run (decision, the load stage's seconds, the machine's load average).
Not a test: its figures go in docs/load.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from postdeploy.config import TargetSettings, password_env_name
from postdeploy.target.embedded import EmbeddedUnimedia


def load_average() -> float:
    return os.getloadavg()[0]


@contextmanager
def cpu_hog(workers: int, seconds: int):
    """``stress-ng --cpu N`` for at most ``seconds``; stopped (by its pid) on exit."""
    if workers <= 0:
        yield
        return
    binary = shutil.which("stress-ng")
    if binary is None:
        sys.exit("error: --hog needs stress-ng (apt-get install stress-ng)")
    hog = subprocess.Popen(
        [binary, "--cpu", str(workers), "--timeout", f"{seconds}s", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        hog.terminate()
        try:
            hog.wait(timeout=10)
        except subprocess.TimeoutExpired:
            hog.kill()
            hog.wait()


def verify(
    env: dict[str, str], reports: Path, stages: str, settings: TargetSettings | None
) -> dict:
    """``postdeploy verify`` (against ``settings`` when given: the recorded path)."""
    child = dict(env)
    if settings is not None:
        child["POSTDEPLOY_TARGET"] = settings.url or ""
        for account in settings.accounts:
            if account.password:
                child[password_env_name(account.username)] = account.password.reveal()
        if settings.ca_file is not None:  # the embedded target's run CA (it serves HTTPS)
            child["POSTDEPLOY_CA_FILE"] = str(settings.ca_file)
    command = [sys.executable, "-m", "postdeploy", "verify", "--report-dir", str(reports)]
    command += ["--profile", "full"] if stages == "full" else ["--stages", stages]
    if child.get("PROOF_CONFIG"):
        command += ["--config", child["PROOF_CONFIG"]]
    subprocess.run(command, env=child, capture_output=True, check=False, timeout=1800)
    return json.loads((reports / "latest" / "verdict.json").read_text())


def record_baseline(env: dict[str, str]) -> None:
    """``postdeploy baseline record --stage load`` from a clean unimedia."""
    with EmbeddedUnimedia(faults="") as good:
        child = dict(env, POSTDEPLOY_TARGET=good.url or "")
        for account in good.accounts:
            if account.password:
                child[password_env_name(account.username)] = account.password.reveal()
        if good.ca_file is not None:
            child["POSTDEPLOY_CA_FILE"] = str(good.ca_file)
        command = [sys.executable, "-m", "postdeploy", "baseline", "record", "--stage", "load"]
        if child.get("PROOF_CONFIG"):
            command += ["--config", child["PROOF_CONFIG"]]
        subprocess.run(command, env=child, check=True, capture_output=True, timeout=900)


def load_stage(verdict: dict) -> dict:
    return next((s for s in verdict["stages"] if s["name"] == "load"), {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--clean-runs", type=int, default=10)
    parser.add_argument("--fault-runs", type=int, default=3)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--paired", action="store_true", help="no baseline file (make verify)")
    parser.add_argument("--mode", choices=["sequential", "fixed"], default="sequential")
    parser.add_argument("--arrival-rate", type=float, help="open loop: requests/s per side")
    parser.add_argument("--hog", type=int, default=0, help="stress-ng CPU workers per run")
    parser.add_argument("--stages", default="load", help="'full' for --profile full")
    parser.add_argument("--json", type=Path, help="append one JSON line per run here")
    parser.add_argument("--timeout", type=int, default=900, help="the hog's bound per run (s)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="load-proof-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env.update(
        POSTDEPLOY_BASELINE_DIR=str(work / "baselines"), POSTDEPLOY_LOAD_PROFILE=args.profile
    )
    config = [f'[load]\nmode = "{args.mode}"\n']
    if args.arrival_rate:
        config.append(f"arrival_rate = {args.arrival_rate}\n")
    (work / "postdeploy.toml").write_text("".join(config))
    env["PROOF_CONFIG"] = str(work / "postdeploy.toml")
    if not args.paired:
        record_baseline(env)
    rows = []
    cases = [("clean", "", args.clean_runs)] + [(f, f, args.fault_runs) for f in args.fault]
    for label, faults, runs in cases:
        decisions, seconds, loads = [], [], []
        for index in range(runs):
            reports = work / f"reports-{label}-{index}"
            loads.append(load_average())
            started = time.monotonic()
            with cpu_hog(args.hog, args.timeout):
                if args.paired:
                    child = dict(env, UNIMEDIA_FAULTS=faults)
                    verdict = verify(child, reports, args.stages, None)
                else:
                    with EmbeddedUnimedia(faults=faults) as settings:
                        verdict = verify(env, reports, args.stages, settings)
            wall = time.monotonic() - started
            stage = load_stage(verdict)
            load_s = stage.get("metrics", {}).get("load_seconds", stage.get("duration_s"))
            decisions.append(verdict["decision"])
            if load_s is not None:
                seconds.append(float(load_s))
            titles = "; ".join(r["title"] for r in verdict["reasons"][:2])
            if not titles and verdict["decision"] != "GO":
                titles = "; ".join(n["why"][:120] for n in verdict["not_checked"][:2])
            print(
                f"{label:22} run {index + 1:2}: {verdict['decision']:12} load {load_s or 0:5.0f} s"
                f" (wall {wall:4.0f} s, load avg {loads[-1]:4.1f}) {titles}",
                flush=True,
            )
            if args.json:
                with args.json.open("a") as out:
                    out.write(json.dumps({
                        "case": label, "run": index + 1, "mode": args.mode,
                        "paired": args.paired, "hog": args.hog, "stages": args.stages,
                        "profile": args.profile, "arrival_rate": args.arrival_rate,
                        "decision": verdict["decision"], "triggers": verdict["triggers_fired"],
                        "load_seconds": load_s, "wall_s": round(wall, 1),
                        "load_average": round(loads[-1], 2), "why": titles,
                    }) + "\n")  # fmt: skip
        rows.append((label, runs, decisions, seconds, loads))
    how = "paired with a clean reference" if args.paired else "baseline recorded once"
    print(f"\nprofile {args.profile}, {args.mode} judge, {how}, hog {args.hog}")
    print(f"stages {args.stages}")
    print(
        f"{'case':22} {'runs':>4} {'GO':>3} {'NO_GO':>5} {'INCON':>5} "
        f"{'load s (median, max)':>21} {'load avg':>9}"
    )
    for label, runs, decisions, seconds, loads in rows:
        med = statistics.median(seconds) if seconds else 0.0
        top = max(seconds) if seconds else 0.0
        print(
            f"{label:22} {runs:4} {decisions.count('GO'):3} {decisions.count('NO_GO'):5} "
            f"{decisions.count('INCONCLUSIVE'):5} {med:12.0f} {top:7.0f}"
            f" {min(loads or [0]):4.1f}-{max(loads or [0]):4.1f}"
        )


if __name__ == "__main__":
    main()
