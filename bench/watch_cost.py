"""Benchmark 6: a compressed watch — what it costs, per process, and how fast it alerts.

One real ``postdeploy watch`` against the embedded default (unimedia + a real Prometheus +
node exporter), at the compressed cadence: ``--interval 5s`` (the 24 h default ``1m`` / 12)
and ``--smoke-every 75s`` (``15m`` / 12), so 5 minutes of it do an hour's evaluations and
smoke reruns — a *simulated hour*. A fault (``error_rate:0.2``) starts part-way; the delay
to its alert is from the fault's onset (unimedia's "faults switched on" log line + the
delay) to the alert reaching a local Alertmanager-format webhook. The watch's process tree
is sampled every second from ``/proc``: CPU (utime+stime, and the waited-for children's of
the watch process, which is where its smoke reruns end up) and RSS, per owner —
postdeploy (the watch process and its smoke pytest runs), unimedia, Prometheus, node
exporter. CPU rates are per 15 s window over the clean span (before the fault), shown as
min / median / max across windows; peak RSS is each long-lived process's own high-water
mark (``VmHWM``).

What does not compress: Prometheus scrapes every second and the synthetic probe traffic
runs at its own rate whatever the cadence, so their per-simulated-hour figures are 1/12
of a real hour's; postdeploy's real-time share of a core in this watch is an upper bound
for the 24 h defaults (it evaluates 12 times as often). The process sampling and the
webhook are ``scripts/watch_proofs.py``'s.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.core import Benchmark, Figure, Options, Outcome
from bench.processes import status_kib
from bench.scripts import script

COMPRESSION = 12  # 1m → 5s, 15m → 75s
WINDOW_S = 15.0
OWNERS = ("postdeploy", "unimedia", "prometheus", "node_exporter")


def _owner(pid: int, root: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    program = Path(argv[0].decode(errors="replace")).name
    joined = b" ".join(argv).decode(errors="replace")
    if "node" in program and "exporter" in program:
        return "node_exporter"
    if program.startswith("prometheus"):
        return "prometheus"
    if pid != root and "-m unimedia" in joined:
        return "unimedia"
    return "postdeploy"


def _self_and_waited_cpu_s(pid: int) -> float:
    """utime + stime + cutime + cstime: the process and the children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class _Sampler:
    """Cumulative CPU and current RSS per owner, once a second, from /proc."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.samples: list[tuple[float, dict[str, float], dict[str, float]]] = []
        self.hwm: dict[str, float] = {}
        self.owners: dict[int, str] = {}
        self.cpu_seen: dict[int, float] = {}

    def sample(self) -> None:
        proofs = script("watch_proofs")
        cpu = dict.fromkeys(OWNERS, 0.0)
        rss = dict.fromkeys(OWNERS, 0.0)
        for pid in proofs._tree(self.root):
            owner = self.owners.setdefault(pid, _owner(pid, self.root))
            if owner == "gone":
                continue
            # The watch process's own CPU and its smoke runs', once it has waited for them.
            used = _self_and_waited_cpu_s(pid) if pid == self.root else proofs._cpu_s(pid)
            self.cpu_seen[pid] = max(self.cpu_seen.get(pid, 0.0), used)
            rss[owner] += proofs._rss_kib(pid) / 1024
            if owner != "postdeploy" or pid == self.root:
                key = "postdeploy" if pid == self.root else owner
                self.hwm[key] = max(self.hwm.get(key, 0.0), status_kib(pid, "VmHWM") / 1024)
        live = set(proofs._tree(self.root))
        for pid, used in self.cpu_seen.items():
            owner = self.owners[pid]
            # A finished smoke run is counted in the watch process's cutime from then on.
            if owner == "postdeploy" and pid != self.root and pid not in live:
                continue
            cpu[owner] += used
        self.samples.append((time.time(), cpu, rss))


def _window_rates(samples: list[Any], start: float, end: float, owner: str) -> list[float]:
    """CPU share of one core (%) per ``WINDOW_S`` window between ``start`` and ``end``."""
    rates = []
    points = [(at, cpu[owner]) for at, cpu, _ in samples if start <= at <= end]
    edge = 0
    for index, (at, _) in enumerate(points):
        if at - points[edge][0] >= WINDOW_S:
            rates.append(100 * (points[index][1] - points[edge][1]) / (at - points[edge][0]))
            edge = index
    return rates


def watch_cost(options: Options) -> Outcome:
    proofs = script("watch_proofs")
    duration, onset = (100, 60) if options.quick else (180, 120)
    hook = proofs._hook_server()
    reports = options.work / "reports"
    watch = proofs.Watch(
        "bench", hook, reports, f"error_rate:0.2@{onset}s", "--duration", f"{duration}s",
        "--interval", "5s", "--smoke-every", "75s", "--run-id", "bench-watch",
    )  # fmt: skip
    sampler = _Sampler(watch.process.pid)
    before = os.times()
    while watch.process.poll() is None:
        sampler.sample()
        time.sleep(1.0)  # the sampling period, not a wait for something to happen
    code, out = watch.wait()
    after = os.times()
    tree_cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    fault_at = proofs._fault_clock(reports / "bench-watch" / "unimedia.log", watch) + onset
    fired = proofs._alerts("bench", "PostdeployHighErrorRatio", "firing")
    clean_from = (watch.unimedia_up or watch.started) + 10.0  # Prometheus up, first rules
    outcome = Outcome()
    # Totals at the fault's onset: at the end, the watch reaps unimedia and Prometheus, and
    # their CPU would be counted twice (theirs, and in the watch process's cutime).
    clean = [cpu for at, cpu, _ in sampler.samples if at <= fault_at]
    at_onset = clean[-1] if clean else dict.fromkeys(OWNERS, 0.0)
    for owner in OWNERS:
        rates = _window_rates(sampler.samples, clean_from, fault_at, owner)
        if rates:
            outcome.figures.append(Figure(f"{owner}: % of one core (clean span)", "%",
                                          tuple(rates), over="windows of 15 s"))  # fmt: skip
            per_hour = tuple(r / 100 * 3600 / COMPRESSION for r in rates)
            outcome.figures.append(Figure(f"{owner}: CPU s per simulated hour", "s", per_hour,
                                          over="windows of 15 s"))  # fmt: skip
    for owner, mib in sorted(sampler.hwm.items()):
        label = "the watch process" if owner == "postdeploy" else owner
        outcome.figures.append(Figure(f"peak RSS of {label} (VmHWM)", "MiB", (mib,)))
    if sampler.samples:
        peak = max(rss["postdeploy"] for _, _, rss in sampler.samples)
        outcome.figures.append(Figure("peak RSS of postdeploy incl. smoke runs", "MiB", (peak,)))
    if fired:
        outcome.figures.append(Figure("fault onset → alert at the webhook", "s",
                                      (fired[0] - fault_at,)))  # fmt: skip
    else:
        outcome.notes.append("the error-rate alert did NOT fire within the watch")
    wall = time.time() - watch.started
    outcome.details = {
        "exit_code": code,
        "verdict": proofs._verdict(out),
        "wall_s": round(wall, 1),
        "duration_s": duration,
        "fault": f"error_rate:0.2@{onset}s",
        "tree_cpu_s": round(tree_cpu, 2),
        "cpu_s_by_owner_at_onset": {o: round(at_onset[o], 2) for o in OWNERS},
        "simulated_hours": round(duration / 300, 2),
    }
    outcome.notes.append(
        f"whole tree {tree_cpu:.1f} CPU s over {wall:.0f} s wall "
        f"({100 * tree_cpu / wall:.1f} % of one core, start-up included); "
        f"{proofs._verdict(out)}"
    )
    return outcome


BENCHMARKS = [
    Benchmark("watch_cost", "a compressed watch: CPU and memory per process, fault → alert",
              "postdeploy ≤ 1 % of a core and ≤ 150 MB", watch_cost),
]  # fmt: skip
