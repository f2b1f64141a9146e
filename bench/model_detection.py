"""Detection rates of the model-based run: false alarms on the clean service, detections
per fault, over several seeds, at a given budget. A benchmark, not CI.

    .venv/bin/python bench/model_detection.py --seeds 1,2,3 --budget 8x25:6291456

Each (fault, seed) starts its own embedded unimedia with that fault (none for ``clean``),
runs :func:`postdeploy.checks.model_run.run_model` as the integration check does, and
records whether it found a violation and which promise (hence trigger) it named. The table
is printed and written to ``bench/results/model-detection-<label>.json``/``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from postdeploy.checks.model_promises import TRIGGERS
from postdeploy.checks.model_run import run_model
from postdeploy.checks.model_strategies import Budget
from postdeploy.checks.model_target import Actor, ModelTarget
from postdeploy.runid import new_run_id, run_tag
from postdeploy.target.client import login, new_client
from postdeploy.target.embedded import EmbeddedUnimedia

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
FAULTS = (
    # the faults that came with the model (issue 22)
    "range_off_by_one", "etag_unstable", "download_cache_public", "shared_blob_deleted",
    "expired_token_error",
    # the catalogue's functional faults: the model knows none of them
    "corrupt_upload", "truncated_download", "metadata_wrong", "delete_ignored",
    "legacy_id_reuse", "listing_drops_records", "missing_authz", "legacy_field_renamed",
    "legacy_type_changed", "v2_field_removed",
)  # fmt: skip


def _run(fault: str, seed: int, budget: Budget, shrink_s: float) -> dict:
    server = EmbeddedUnimedia(faults="" if fault == "clean" else fault)
    target = server.start()
    try:
        by_role = {"user": target.accounts[0], "other": target.accounts[1],
                   "admin": target.accounts[2]}  # fmt: skip
        actors = {}
        for role, account in by_role.items():
            api = new_client(target)
            api.headers["Authorization"] = f"Bearer {login(api, account, attempts=3)}"
            ui = new_client(target)
            ui.headers["Accept"] = "text/html"
            actors[role] = Actor(role, account, api, ui)
        run_id = new_run_id()
        model = ModelTarget(actors=actors, anonymous=new_client(target),
                            run_tag=run_tag(run_id) + "/bench/main", run_id=run_id)  # fmt: skip
        report = run_model(model, budget, seed, shrink_seconds=shrink_s)
    finally:
        server.stop()
    found = report.violation
    return {
        "fault": fault, "seed": seed, "detected": found is not None,
        "promise": found.promise.value if found else None,
        "trigger": TRIGGERS[found.promise][0].value if found else None,
        "message": str(found)[:300] if found else None,
        "steps": report.counters.steps, "examples": report.counters.examples,
        "seconds": round(report.counters.elapsed_s, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--budget", default="8x25:6291456")
    parser.add_argument("--faults", default=",".join(("clean", *FAULTS)))
    parser.add_argument("--shrink-seconds", type=float, default=5.0)
    parser.add_argument("--label", default="run")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    budget = Budget.parse(args.budget)
    started = time.monotonic()
    rows = []
    for fault in args.faults.split(","):
        for seed in seeds:
            row = _run(fault, seed, budget, args.shrink_seconds)
            rows.append(row)
            outcome = f"DETECTED {row['promise']}" if row["detected"] else "nothing"
            print(f"{fault:24} seed {seed}: {outcome} ({row['steps']} steps, {row['seconds']} s)",
                  flush=True)  # fmt: skip
    lines = ["| fault | detected | promise → trigger |", "|---|---|---|"]
    for fault in args.faults.split(","):
        mine = [r for r in rows if r["fault"] == fault]
        hits = [r for r in mine if r["detected"]]
        named = sorted({f"{r['promise']} → {r['trigger']}" for r in hits})
        label = "false alarms" if fault == "clean" else "detected"
        lines.append(f"| `{fault}` | {len(hits)}/{len(mine)} {label} | {', '.join(named)} |")
    table = "\n".join(lines)
    elapsed = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {"budget": args.budget, "seeds": seeds, "elapsed_s": round(elapsed),
            "load_average": os.getloadavg()}  # fmt: skip
    (RESULTS / f"model-detection-{args.label}.json").write_text(
        json.dumps({**meta, "rows": rows}, indent=2) + "\n"
    )
    (RESULTS / f"model-detection-{args.label}.md").write_text(
        f"# Model detection ({args.label})\n\nbudget {args.budget}, seeds {args.seeds}, "
        f"{elapsed / 60:.0f} min, load average {os.getloadavg()[0]:.1f}\n\n{table}\n"
    )
    print(table)


if __name__ == "__main__":
    main()
