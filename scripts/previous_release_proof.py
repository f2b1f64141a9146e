"""Prove that the embedded load stage compares with the previous release, not with itself.

    # 3 clean and 3 planted runs of the quick profile (what make verify loads)
    .venv/bin/python scripts/previous_release_proof.py --clean-runs 3 --planted-runs 3

    # a subtler slowdown (the issue's case was p50 9.5 → 12.3 ms)
    .venv/bin/python scripts/previous_release_proof.py --clean-runs 0 --planted-runs 3 \\
        --sleep-ms 3

    # the same plant with the reference from the working tree, as before issue 22 §2:
    # the scratch copy's load stage is told to use a release cut from the copy itself
    .venv/bin/python scripts/previous_release_proof.py --clean-runs 0 --planted-runs 3 \\
        --same-tree

Each run copies this checkout (postdeploy/, unimedia/, load/, releases/, pyproject.toml)
into a scratch directory; a planted run adds a ``time.sleep`` to the v2 listing handler of
the copy's unimedia — a code-level regression, not a catalogue fault — and runs
``postdeploy verify --stages load`` from the copy. A clean run must be GO, a planted run
NO_GO with performance_degradation. ``--same-tree`` also replaces the copy's
``releases/`` with a release cut from the copy's own (planted) unimedia: the reference
then has the regression too, which is what the stage compared with before. Prints one
line per run and a table; ``--json FILE`` appends one JSON object per run. Not a test:
its figures go in docs/embedded-target.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ("postdeploy", "unimedia", "load", "releases", "pyproject.toml")
LISTING = "    page = service.list(viewer=user, kind=kind, tag=tag, owner=owner, limit=limit"


def scratch_copy(work: Path, sleep_ms: float | None, same_tree: bool) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=work))
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, scratch / name)
    if sleep_ms is not None:
        handler = scratch / "unimedia" / "api" / "v2.py"
        text = handler.read_text()
        if text.count(LISTING) != 1:
            sys.exit("error: the v2 listing handler moved; update LISTING in this script")
        plant = f"    __import__('time').sleep({sleep_ms / 1000!r})  # planted\n"
        handler.write_text(text.replace(LISTING, plant + LISTING))
    if same_tree:
        cut_from_tree(scratch)
    return scratch


def cut_from_tree(scratch: Path) -> None:
    """Replace the copy's previous release with its own unimedia: the old comparison."""
    releases = scratch / "releases"
    manifest = json.loads((releases / "previous.json").read_text())
    archive = releases / manifest["archive"]
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(
            scratch / "unimedia",
            arcname="unimedia-release/unimedia",
            filter=lambda info: None if "__pycache__" in info.name else info,
        )
    manifest["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    manifest["commit"] = "0" * 40  # the working tree, not a commit
    (releases / "previous.json").write_text(json.dumps(manifest))


def run(scratch: Path, profile: str) -> dict:
    reports = scratch / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env["POSTDEPLOY_LOAD_PROFILE"] = profile
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "postdeploy", "verify", "--stages", "load",
         "--report-dir", str(reports)],
        cwd=scratch, env=env, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    wall = time.monotonic() - started
    verdict = json.loads((reports / "latest" / "verdict.json").read_text())
    stage = next((s for s in verdict["stages"] if s["name"] == "load"), {})
    return {
        "exit": completed.returncode,
        "decision": verdict["decision"],
        "triggers": verdict.get("triggers_fired", []),
        "stage_s": stage.get("duration_s"),
        "load_s": stage.get("metrics", {}).get("load_seconds"),
        "wall_s": round(wall, 1),
        "load_average": os.getloadavg()[0],
        "reasons": [r["title"] for r in verdict.get("reasons", [])][:3],
        "not_checked": [item["why"] for item in verdict.get("not_checked", [])][:2],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean-runs", type=int, default=3)
    parser.add_argument("--planted-runs", type=int, default=3)
    parser.add_argument("--sleep-ms", type=float, default=30.0, help="the planted slowdown")
    parser.add_argument("--profile", default="quick", help="the load profile (make verify's)")
    parser.add_argument("--same-tree", action="store_true", help="the reference as before")
    parser.add_argument("--json", type=Path, help="append one JSON line per run here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="previous-release-proof-"))
    rows = []
    try:
        plan = [("clean", None)] * args.clean_runs + [("planted", args.sleep_ms)] * (
            args.planted_runs
        )
        for index, (kind, sleep_ms) in enumerate(plan, 1):
            scratch = scratch_copy(work, sleep_ms, args.same_tree)
            row = {"run": index, "kind": kind, "sleep_ms": sleep_ms, "same_tree": args.same_tree}
            row |= {"profile": args.profile} | run(scratch, args.profile)
            rows.append(row)
            why = "; ".join(row["reasons"] + row["not_checked"])
            print(
                f"{index:2} {kind:8} {row['decision']:13} exit {row['exit']} "
                f"stage {row['stage_s']} s, load {row['load_s']} s, wall {row['wall_s']} s, "
                f"load avg {row['load_average']:.1f}  {why}",
                flush=True,
            )
            if args.json:
                with args.json.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(row) + "\n")
            if not args.keep:
                shutil.rmtree(scratch, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for kind, expected in (("clean", "GO"), ("planted", "NO_GO")):
        mine = [row for row in rows if row["kind"] == kind]
        if mine:
            right = sum(
                row["decision"] == expected
                and (expected == "GO" or "performance_degradation" in row["triggers"])
                for row in mine
            )
            print(f"{kind}: {right}/{len(mine)} {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
