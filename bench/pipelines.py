"""Benchmarks 3, 4 and 7: the full verification, the load stage against plain Locust, and
``make test``.

3. ``postdeploy verify --profile full``: wall time per stage and overall, and which stages
   ran side by side (from the stages' start times and durations in ``verdict.json``).
4. The load stage vs plain ``locust`` on the same locustfile, users and duration:
   requests per second, the rounds of ``scripts/bench_load_rps.py`` (run through here).
7. ``make test``: wall time and its ten slowest tests (from its JUnit XML).
"""

from __future__ import annotations

import json
import statistics
import sys
import xml.etree.ElementTree as ET
from typing import Any

from bench.core import Benchmark, Figure, Options, Outcome, Ratio
from bench.processes import clean_environment, run_timed
from bench.scripts import script


def verify_full(options: Options) -> Outcome:
    reports = options.work / "reports"
    done = run_timed(
        [sys.executable, "-m", "postdeploy", "verify", "--profile", "full",
         "--report-dir", str(reports)],
        env=clean_environment(), timeout_s=1800,
    )  # fmt: skip
    verdict = json.loads((reports / "latest" / "verdict.json").read_text())
    outcome = Outcome(figures=[
        Figure("postdeploy verify --profile full, wall", "s", (done.wall_s,)),
        Figure("of which the run (verdict.json duration)", "s", (verdict["duration_s"],)),
    ])  # fmt: skip
    stages = verdict["stages"]
    for stage in stages:
        outcome.figures.append(Figure(f"stage {stage['name']}", "s", (stage["duration_s"],)))
    outcome.details["stages"] = timeline(stages, verdict_start=_first_start(stages))
    outcome.details["decision"] = verdict["decision"]
    outcome.details["exit_code"] = done.returncode
    outcome.details["stage_seconds_total"] = round(sum(s["duration_s"] for s in stages), 1)
    spans = "; ".join(f"{s['name']} {s['from_s']:.0f}-{s['to_s']:.0f} s"
                      for s in outcome.details["stages"])  # fmt: skip
    summed = outcome.details["stage_seconds_total"]
    outcome.notes.append(f"{verdict['decision']}; stages {summed} s summed; {spans}")
    return outcome


def _first_start(stages: list[dict[str, Any]]) -> float:
    starts = [s["started_at"] for s in stages if s.get("started_at") is not None]
    return min(starts) if starts else 0.0


def timeline(stages: list[dict[str, Any]], verdict_start: float) -> list[dict[str, Any]]:
    """Each stage's span from the first stage's start, and the stages it overlapped."""
    spans = []
    for stage in stages:
        if stage.get("started_at") is None:
            continue
        start = stage["started_at"] - verdict_start
        end = start + stage["duration_s"]
        spans.append({"name": stage["name"], "status": stage["status"],
                      "from_s": round(start, 1), "to_s": round(end, 1)})  # fmt: skip
    for span in spans:
        span["side_by_side_with"] = [
            other["name"]
            for other in spans
            if other is not span
            and other["from_s"] < span["to_s"]
            and span["from_s"] < other["to_s"]
        ]
    return spans


def load_vs_locust(options: Options) -> Outcome:
    rps = script("bench_load_rps")
    profile = "10u15s" if options.quick else "20u30s"
    rounds = options.count(full=3, quick=1)
    base = clean_environment()
    base["POSTDEPLOY_BASELINE_DIR"] = str(options.work / "baselines")
    rps.record_baseline(profile, base)
    plain: list[float] = []
    ours: list[float] = []
    for index in range(rounds):
        order = ("plain", "postdeploy") if index % 2 == 0 else ("postdeploy", "plain")
        for side in order:
            if side == "plain":
                plain.append(rps.plain_locust(profile, base))
            else:
                ours.append(rps.postdeploy_load(profile, base, options.work / f"round-{index}"))
    plain_fig = Figure("plain locust, requests/s", "rps", tuple(plain))
    ours_fig = Figure("postdeploy load, requests/s", "rps", tuple(ours))
    ratio = statistics.median(ours) / statistics.median(plain)
    # Each round's own ratio too: the two sides of a round ran minutes apart at most, so a
    # machine that got busier between rounds moves both (the ratio of medians mixes rounds).
    paired = Figure("postdeploy / plain locust, per round", "ratio",
                    tuple(o / p for o, p in zip(ours, plain, strict=True)))  # fmt: skip
    return Outcome(
        figures=[plain_fig, ours_fig, paired],
        ratios=[Ratio("postdeploy / plain locust", ours_fig.name, plain_fig.name, ratio)],
        details={"profile": profile, "rounds": rounds},
        notes=[f"profile {profile}, {rounds} round(s), sides alternating, a fresh unimedia each"],
    )


def make_test(options: Options, pytest_args: str = "") -> Outcome:
    junit = options.work / "junit.xml"
    args = f"{pytest_args} --junitxml={junit}".strip()
    done = run_timed(["make", "test", f"ARGS={args}"], env=clean_environment(), timeout_s=3600)
    slowest = slowest_tests(junit, 10) if junit.exists() else []
    outcome = Outcome(
        figures=[Figure("make test, wall", "s", (done.wall_s,))],
        details={"exit_code": done.returncode, "slowest": slowest, "pytest_args": pytest_args},
    )
    outcome.figures += [Figure(f"slow #{i + 1}: {t['test']}", "s", (t["seconds"],))
                        for i, t in enumerate(slowest)]  # fmt: skip
    summary = [line for line in done.stdout.splitlines() if " passed" in line or " failed" in line]
    outcome.notes.append(f"exit {done.returncode}; {summary[-1].strip('= ') if summary else ''}")
    return outcome


def slowest_tests(junit: Any, count: int) -> list[dict[str, Any]]:
    """The ``count`` longest test cases of a JUnit XML file (setup + call + teardown)."""
    cases = ET.parse(junit).getroot().iter("testcase")  # noqa: S314 - written by our pytest
    timed = sorted(
        ({"test": f"{c.get('classname', '')}::{c.get('name', '')}",
          "seconds": float(c.get("time") or 0)} for c in cases),
        key=lambda t: t["seconds"], reverse=True,
    )  # fmt: skip
    return timed[:count]


BENCHMARKS = [
    Benchmark("verify_full", "postdeploy verify --profile full: per stage and overall",
              "≤ 2 minutes, no check weakened", verify_full, slow=True),
    Benchmark("load_vs_locust", "the load stage vs plain locust, same locustfile/users/duration",
              "≥ 95 % of plain locust's requests/s", load_vs_locust),
]  # fmt: skip
MAKE_TEST = Benchmark("make_test", "make test: wall time and its ten slowest tests",
                      "well under 20 minutes on CI", make_test, slow=True)  # fmt: skip
