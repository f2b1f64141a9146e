"""Benchmarks 1 and 2: the smoke suite against a running target, and ``verify --profile smoke``.

1. ``pytest suites -m smoke`` against a running unimedia, and a plain httpx script making the
   same requests in the same order (recorded through :mod:`bench.recording_proxy`, replayed by
   ``bench/replay_requests.py``). The two run alternately against the same server, so the
   ratio of their medians is measured within one run.
2. ``postdeploy verify --profile smoke``, starting and stopping the embedded unimedia.

These were ``scripts/benchmark_smoke.sh``; that script now runs them through here.
"""

from __future__ import annotations

import json
import sys

import httpx

from bench.core import REPO, Benchmark, Figure, Options, Outcome, ratio_of
from bench.processes import clean_environment, run_timed
from bench.recording_proxy import RecordingProxy
from bench.scripts import script

PYTEST_SMOKE = [sys.executable, "-m", "pytest", "suites", "-m", "smoke", "-q",
                "-p", "no:cacheprovider"]  # fmt: skip


def _served(url: str) -> int:
    """How many requests the target has answered so far (its own counter, /metrics excluded)."""
    lines = httpx.get(f"{url}/metrics", timeout=30).text.splitlines()
    return round(sum(float(line.rsplit(" ", 1)[1]) for line in lines
                     if line.startswith("http_requests_total{")
                     and 'route="/metrics"' not in line))  # fmt: skip


def smoke_vs_httpx(options: Options) -> Outcome:
    from postdeploy.target.embedded import EmbeddedUnimedia

    runs = options.count(full=5, quick=2)
    outcome = Outcome()
    # plain HTTP: the recording proxy speaks it, and the figure is the client's overhead,
    # the same transport on both sides (verify_smoke measures the HTTPS embedded target)
    with EmbeddedUnimedia(faults="", https=False) as server:
        assert server.url is not None
        env = script("bench_load_rps")._env(server, clean_environment())
        env["POSTDEPLOY_EXPECTED_VERSION"] = server.expected_version or ""
        recording = options.work / "smoke-recording.json"
        with RecordingProxy(server.url) as proxy:
            recorded = run_timed(PYTEST_SMOKE, env=env | {"POSTDEPLOY_TARGET": proxy.url})
        recording.write_text(json.dumps({"exchanges": proxy.exchanges}))
        if recorded.returncode != 0:
            last = (recorded.stdout.strip().splitlines() or ["no output"])[-1]
            outcome.notes.append(
                f"the recording pass of the smoke suite exited {recorded.returncode}: {last}"
            )
        replay = [sys.executable, str(REPO / "bench" / "replay_requests.py"), str(recording),
                  server.url]  # fmt: skip
        pytest_s, pytest_requests, replay_s, sending_s, exits, mismatches = [], [], [], [], [], []
        pytest_cpu, replay_cpu = [], []
        for index in range(runs):
            for side in ("pytest", "replay") if index % 2 == 0 else ("replay", "pytest"):
                before = _served(server.url)
                if side == "pytest":
                    done = run_timed(PYTEST_SMOKE, env=env)
                    pytest_s.append(done.wall_s)
                    pytest_cpu.append(done.cpu_s)
                    exits.append(done.returncode)
                    pytest_requests.append(_served(server.url) - before)
                else:
                    done = run_timed(replay, env=clean_environment())
                    if done.returncode != 0:
                        raise RuntimeError(f"the replay failed: {done.stderr.strip()[-300:]}")
                    answer = json.loads(done.stdout)
                    replay_s.append(done.wall_s)
                    replay_cpu.append(done.cpu_s)
                    sending_s.append(answer["sending_s"])
                    mismatches.append(len(answer["status_mismatches"]))
                    outcome.details["replay_status_mismatches"] = answer["status_mismatches"][:10]
                    outcome.details["replay_slowest_routes"] = answer["slowest_routes"]
    pytest_fig = Figure("pytest suites -m smoke, wall", "s", tuple(pytest_s))
    replay_fig = Figure("httpx replay script, wall", "s", tuple(replay_s))
    # CPU time of the client process alone: what the machine's load changes least.
    pytest_cpu_fig = Figure("pytest suites -m smoke, CPU", "s", tuple(pytest_cpu))
    replay_cpu_fig = Figure("httpx replay script, CPU", "s", tuple(replay_cpu))
    outcome.figures += [
        pytest_fig, replay_fig, pytest_cpu_fig, replay_cpu_fig,
        Figure("httpx replay, sending only (no start-up)", "s", tuple(sending_s)),
        Figure("requests per pytest run (target's counter)", "requests",
               tuple(float(n) for n in pytest_requests)),
        Figure("requests replayed", "requests", (float(len(proxy.exchanges)),)),
        Figure("replayed responses with another status", "responses",
               tuple(float(n) for n in mismatches)),
    ]  # fmt: skip
    outcome.ratios.append(ratio_of("pytest / plain httpx (wall)", pytest_fig, replay_fig))
    outcome.ratios.append(ratio_of("pytest / plain httpx (client CPU)", pytest_cpu_fig,
                                   replay_cpu_fig))  # fmt: skip
    outcome.details["pytest_exit_codes"] = exits
    if any(exits):
        outcome.notes.append(f"pytest exit codes {exits}: a failing smoke run was timed too")
    return outcome


def verify_smoke(options: Options) -> Outcome:
    runs = options.count(full=5, quick=2)
    walls, cpus, verdict_s, stage_s, exits = [], [], [], [], []
    for index in range(runs):
        reports = options.work / f"verify-smoke-{index}"
        done = run_timed(
            [sys.executable, "-m", "postdeploy", "verify", "--profile", "smoke",
             "--report-dir", str(reports)],
            env=clean_environment(), timeout_s=300,
        )  # fmt: skip
        walls.append(done.wall_s)
        cpus.append(done.cpu_s)
        exits.append(done.returncode)
        verdict = json.loads((reports / "latest" / "verdict.json").read_text())
        verdict_s.append(verdict["duration_s"])
        stage_s.append(sum(stage["duration_s"] for stage in verdict["stages"]))
    outcome = Outcome(figures=[
        Figure("postdeploy verify --profile smoke, wall", "s", tuple(walls)),
        Figure("its CPU (with unimedia and the pytest child)", "s", tuple(cpus)),
        Figure("of which the run (verdict.json duration)", "s", tuple(verdict_s)),
        Figure("of which the smoke stage", "s", tuple(stage_s)),
    ])  # fmt: skip
    outcome.details["exit_codes"] = exits
    if any(exits):
        outcome.notes.append(f"exit codes {exits}: not every run was GO")
    return outcome


BENCHMARKS = [
    Benchmark("smoke_vs_httpx", "pytest suites -m smoke vs a plain httpx replay of its requests",
              "≤ 2x the plain script", smoke_vs_httpx),
    Benchmark("verify_smoke", "postdeploy verify --profile smoke, embedded target started and "
              "stopped", "≤ 2 s median", verify_smoke),
]  # fmt: skip
