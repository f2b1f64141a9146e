#!/usr/bin/env python3

"""Compressed watches against the embedded default with a real Prometheus: the proofs.

Runs ``postdeploy watch`` (the real CLI, in subprocesses) through the scenarios of issues 9
and 19 and prints what happened, with the detection delays and the cost measured — figures,
not test assertions (timing depends on the machine).

    .venv/bin/python scripts/watch_proofs.py [clean error_rate memory_leak blind restart cost]
    .venv/bin/python scripts/watch_proofs.py slo     # issue 19: leak, blip, nightly (~17 min)

``slo`` runs three watches at once: a steady 2 % leak (``error_every:50@5m``), a 30 s blip
of 10 % errors (``error_every:10@12m+30s``), both pushing to a real Alertmanager (Debian's
``prometheus-alertmanager`` on a loopback port) whose own receiver is a local webhook; and
the nightly script killed with SIGKILL mid-watch and started again.

Alerts are received by a local webhook (Alertmanager format) started here; a delay is the
time from the fault's onset (unimedia's "faults switched on" log line + the ``@delay``) to
the webhook receiving the firing alert.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POSTDEPLOY = [sys.executable, "-m", "postdeploy"]
RECEIVED: dict[str, list[tuple[float, dict]]] = {}
LOCK = threading.Lock()


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with LOCK:
            RECEIVED.setdefault(self.path.strip("/"), []).append((time.time(), json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _hook_server() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


class Watch:
    """One ``postdeploy watch`` subprocess, its stderr read live (for the onset time)."""

    def __init__(self, name: str, hook: str, reports: Path, faults: str, *args: str) -> None:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))
        }
        if faults:
            env["UNIMEDIA_FAULTS"] = faults
        self.name = name
        self.started = time.time()
        self.unimedia_up: float | None = None
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*POSTDEPLOY, "watch", "-v", "--report-dir", str(reports),
             "--alertmanager-url", f"{hook}/{name}", *args],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        if self.process.stderr is None:
            return
        for line in self.process.stderr:
            self.lines.append(line)
            if "embedded unimedia at" in line and self.unimedia_up is None:
                self.unimedia_up = time.time()

    def wait(self, timeout_s: float = 600.0) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=timeout_s)
        return self.process.returncode, out


def _alerts(name: str, alert: str, status: str) -> list[float]:
    with LOCK:
        return [
            at
            for at, body in RECEIVED.get(name, [])
            for item in body["alerts"]
            if item["labels"].get("alertname") == alert and item["status"] == status
        ]


def _verdict(out: str) -> str:
    return next((line for line in out.splitlines() if line.startswith("VERDICT")), out[-200:])


def _fault_scenario(hook: str, reports: Path, name: str, faults: str, delay_s: float,
                    alert: str, duration: str) -> None:  # fmt: skip
    watch = Watch(name, hook, reports, faults, "--duration", duration, "--interval", "5s",
                  "--smoke-every", "30s", "--run-id", f"proof-{name}")  # fmt: skip
    code, out = watch.wait()
    fired = _alerts(name, alert, "firing")
    onset = _fault_clock(reports / f"proof-{name}" / "unimedia.log", watch) + delay_s
    delay = f"{fired[0] - onset:.1f} s after onset" if fired else "NOT FIRED"
    print(f"{name:12} {faults:24} exit {code}  {alert}: {delay}  {_verdict(out)}")


def _fault_clock(log: Path, watch: Watch) -> float:
    """When unimedia parsed UNIMEDIA_FAULTS (its delays count from there), from its log."""
    for line in log.read_text().splitlines():
        if "faults switched on" in line:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - local
            return stamp.timestamp()
    return watch.unimedia_up or watch.started


def clean(hook: str, reports: Path) -> None:
    watch = Watch("clean", hook, reports, "", "--duration", "90s", "--interval", "5s",
                  "--smoke-every", "30s", "--run-id", "proof-clean")  # fmt: skip
    code, out = watch.wait()
    with LOCK:
        firing = [
            item["labels"]["alertname"]
            for _, body in RECEIVED.get("clean", [])
            for item in body["alerts"]
            if item["status"] == "firing" and item["labels"]["severity"] != "info"
        ]
    print(f"clean        (no fault)               exit {code}  alerts: {firing or 'none'}  "
          f"{_verdict(out)}")  # fmt: skip


def error_rate(hook: str, reports: Path) -> None:
    _fault_scenario(hook, reports, "error_rate", "error_rate:0.2@45s", 45.0,
                    "PostdeployHighErrorRatio", "90s")  # fmt: skip


def memory_leak(hook: str, reports: Path) -> None:
    _fault_scenario(hook, reports, "memory_leak", "memory_leak@45s", 45.0,
                    "PostdeployMemoryLeak", "110s")  # fmt: skip


def blind(hook: str, reports: Path) -> None:
    watch = Watch("blind", hook, reports, "", "--duration", "90s", "--interval", "5s",
                  "--smoke-every", "30s", "--run-id", "proof-blind")  # fmt: skip
    pid_file = reports / "proof-blind" / "watch" / "prometheus.pid"
    deadline = time.time() + 60
    while not pid_file.exists() and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(30)
    pid = int(pid_file.read_text())
    killed = time.time()
    os.kill(pid, signal.SIGKILL)  # the Prometheus this watch started (pid from its own file)
    code, out = watch.wait()
    fired = _alerts("blind", "PostdeployMonitoringBlind", "firing")
    resolved = _alerts("blind", "PostdeployMonitoringBlind", "resolved")
    print(f"blind        Prometheus SIGKILLed     exit {code}  blind alert "
          f"{fired[0] - killed:.1f} s after the kill, resolved {resolved[0] - killed:.1f} s "
          f"after  {_verdict(out)}" if fired and resolved else f"blind: fired={fired} "
          f"resolved={resolved} {_verdict(out)}")  # fmt: skip


def restart(hook: str, reports: Path) -> None:
    first = Watch("restart", hook, reports, "", "--duration", "90s", "--interval", "5s",
                  "--smoke-every", "30s", "--run-id", "proof-restart")  # fmt: skip
    time.sleep(40)
    first.process.send_signal(signal.SIGKILL)  # the watch we started, killed without warning
    first.wait()
    before = _count_events(reports / "proof-restart")
    second = Watch("restart", hook, reports, "", "--duration", "90s", "--interval", "5s",
                   "--smoke-every", "30s", "--run-id", "proof-restart")  # fmt: skip
    code, out = second.wait()
    events = _events(reports / "proof-restart")
    kinds = [e["kind"] for e in events]
    ordered = all(a["at"] <= b["at"] for a, b in itertools.pairwise(events))
    print(f"restart      watch SIGKILLed at 40 s  exit {code}  {before} events before the kill, "
          f"{len(events)} after the restart, one file, in time order: {ordered}; "
          f"started x{kinds.count('started')}, gap x{kinds.count('gap')}, "
          f"resumed x{kinds.count('resumed')}  {_verdict(out)}")  # fmt: skip


def _events(run_dir: Path) -> list[dict]:
    lines = (run_dir / "watch" / "timeline.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _count_events(run_dir: Path) -> int:
    return len(_events(run_dir))


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return pids


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cost(hook: str, reports: Path) -> None:
    """The 24h defaults (1m interval, 15m smoke) over a few minutes → per hour."""
    for label, args in (
        ("24h defaults", ["--interval", "1m", "--smoke-every", "15m", "--duration", "180s"]),
        ("compressed 5s", ["--interval", "5s", "--smoke-every", "30s", "--duration", "90s"]),
    ):
        before = os.times()
        run_id = f"proof-cost-{args[1]}"
        watch = Watch("cost", hook, reports, "", *args, "--run-id", run_id)
        peak, cpu_seen = 0, {}
        while watch.process.poll() is None:
            pids = _tree(watch.process.pid)
            peak = max(peak, sum(_rss_kib(p) for p in pids))
            for p in pids:
                cpu_seen[p] = max(cpu_seen.get(p, 0.0), _cpu_s(p))
            time.sleep(1.0)
        watch.wait()
        after = os.times()
        wall = time.time() - watch.started
        children_cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        print(
            f"cost         {label:14} wall {wall:.0f} s, CPU {children_cpu:.1f} s "
            f"(= {3600 * children_cpu / wall / 60:.1f} CPU-min/h, "
            f"{100 * children_cpu / wall:.1f}% of one core), peak RSS of the process tree "
            f"{peak / 1024:.0f} MiB (watch, unimedia, Prometheus, node exporter, smoke)"
        )


# --- issue 19: SLO burn rates, steady results, a real Alertmanager, the nightly job ---------

SLO_PAGES = ("PostdeploySloApiAvailabilityPageFast", "PostdeploySloApiAvailabilityPageSlow")
THRESHOLD = "PostdeployHighErrorRatio"


class _AlertmanagerLog:
    """What the Alertmanager holds, polled every second: (first seen, last seen) per alert."""

    def __init__(self, am: object) -> None:
        self.am = am
        self.seen: dict[tuple[str, str], list[float]] = {}
        self.stop = threading.Event()
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        while not self.stop.wait(1.0):
            with contextlib.suppress(Exception):
                now = time.time()
                for alert in self.am.alerts():  # type: ignore[attr-defined]
                    key = (alert["labels"].get("postdeploy_run", ""), alert["labels"]["alertname"])
                    span = self.seen.setdefault(key, [now, now])
                    span[1] = now


def _am_notified(run: str, alert: str, status: str) -> list[float]:
    """When Alertmanager's own receiver (our webhook) was told ``status`` for ``alert``."""
    with LOCK:
        return [
            at
            for at, body in RECEIVED.get("am", [])
            for item in body["alerts"]
            if item["labels"].get("alertname") == alert
            and item["labels"].get("postdeploy_run") == run
            and item["status"] == status
        ]


def _timeline_alerts(reports: Path, run: str) -> list[dict]:
    return [e for e in _events(reports / run) if e["kind"] == "alert"]


def _slo_watch(hook: str, reports: Path, am_url: str, name: str, faults: str,
               duration: str, *extra: str) -> Watch:  # fmt: skip
    return Watch(name, hook, reports, faults, "--duration", duration, "--interval", "5s",
                 "--smoke-every", "1h", "--status-every", "2m", "--run-id", f"proof-{name}",
                 "--alertmanager", am_url, *extra)  # fmt: skip


def _report_slo(name: str, watch: Watch, reports: Path, delay_s: float, amlog: _AlertmanagerLog,
                code: int, out: str) -> None:  # fmt: skip
    run = f"proof-{name}"
    onset = _fault_clock(reports / run / "unimedia.log", watch) + delay_s
    alerts = _timeline_alerts(reports, run)
    print(f"{name}: exit {code}  {_verdict(out)}")
    for event in alerts:
        print(f"   {event['status']:8} {event['alert']:40} "
              f"{event['at'] - onset:+7.1f} s after onset  ({event.get('severity')})")  # fmt: skip
    for (owner, alert), (first, last) in sorted(amlog.seen.items()):
        if owner == run:
            print(f"   Alertmanager held {alert:36} from {first - onset:+7.1f} s to "
                  f"{last - onset:+7.1f} s after onset")  # fmt: skip
    for alert in sorted({e["alert"] for e in alerts}):
        told = {s: _am_notified(run, alert, s) for s in ("firing", "resolved")}
        print(f"   Alertmanager's receiver: {alert}: firing "
              f"{[round(t - onset, 1) for t in told['firing']][:3]}, resolved "
              f"{[round(t - onset, 1) for t in told['resolved']][:3]} s after onset")  # fmt: skip
    verdict = json.loads((reports / run / "verdict.json").read_text())
    monitoring = next(st for st in verdict["stages"] if st["name"] == "monitoring")
    print(f"   decision {verdict['decision']}: {monitoring['reason']}")
    budgets = [e["text"] for e in _events(reports / run) if e["kind"] == "status"]
    if budgets:
        print(f"   last status update: {budgets[-1]}")


def slo(hook: str, reports: Path) -> None:
    """The leak is caught by a burn-rate page, the blip is not; Alertmanager; nightly."""
    sys.path.insert(0, str(REPO))
    from postdeploy.testing.alertmanager import EmbeddedAlertmanager

    with EmbeddedAlertmanager(webhook_url=f"{hook}/am") as am:
        amlog = _AlertmanagerLog(am)
        # 2 % errors (20x the 99.9 % budget, under the 5 % threshold rule) after 5 minutes of
        # clean traffic: the compressed hour, so the fast page's window is full of history.
        leak = _slo_watch(hook, reports, am.url, "slo_leak", "error_every:50@5m", "10m")
        # 10 % errors for 30 s after 12 minutes: above the threshold rule, but only 1 % of
        # the fast page's 5-minute window (10x) and 0.4 % of all the history (under 6x).
        blip = _slo_watch(hook, reports, am.url, "slo_blip", "error_every:10@12m+30s", "16m",
                          "--steady-for", "2m")  # fmt: skip
        nightly_result: list[str] = []
        runner = threading.Thread(target=lambda: nightly_result.append(_nightly(reports)))
        runner.start()
        leak_code, leak_out = leak.wait(1800.0)
        blip_code, blip_out = blip.wait(1800.0)
        runner.join()
        time.sleep(3)  # Alertmanager's group interval: the last resolved notifications
        amlog.stop.set()
        _report_slo("slo_leak", leak, reports, 300.0, amlog, leak_code, leak_out)
        _report_slo("slo_blip", blip, reports, 720.0, amlog, blip_code, blip_out)
        print(nightly_result[0] if nightly_result else "nightly: no result")


def _nightly(reports: Path) -> str:
    """deploy/nightly/postdeploy-nightly.sh, SIGKILLed mid-watch, started again: resumed?"""
    nightly_dir = reports / "nightly"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env |= {"POSTDEPLOY_BIN": str(Path(sys.executable).with_name("postdeploy")),
            "REPORT_DIR": str(nightly_dir), "NIGHTLY_DURATION": "90s"}  # fmt: skip
    args = ["sh", str(REPO / "deploy/nightly/postdeploy-nightly.sh"), "--interval", "5s",
            "--smoke-every", "1h", "--steady-for", "20s"]  # fmt: skip
    first = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    # Killed once it has watched for a while: five evaluations on its timeline (start-up of
    # unimedia and Prometheus takes seconds, more on a busy machine).
    deadline = time.time() + 300
    while time.time() < deadline:
        with contextlib.suppress(OSError, ValueError):
            current = (nightly_dir / "nightly-current").read_text().strip()
            if [e["kind"] for e in _events(nightly_dir / current)].count("evaluation") >= 5:
                break
        time.sleep(1.0)
    first.send_signal(signal.SIGKILL)  # the watch itself: the script exec'd it
    first.communicate(timeout=60)
    run_id = (nightly_dir / "nightly-current").read_text().strip()
    before = len(_events(nightly_dir / run_id))
    second = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=600, check=False)  # fmt: skip
    events = _events(nightly_dir / run_id)
    kinds = [e["kind"] for e in events]
    runs = sorted(p.name for p in nightly_dir.iterdir() if p.is_dir())
    return (f"nightly: SIGKILLed after 5 evaluations ({before} events), restarted: "
            f"{second.stderr.strip().splitlines()[0] if second.stderr else ''}; run dirs {runs}; "
            f"started x{kinds.count('started')}, gap x{kinds.count('gap')}, resumed "
            f"x{kinds.count('resumed')}, {len(events)} events; exit {second.returncode} "
            f"{_verdict(second.stdout)}")  # fmt: skip


def nightly(hook: str, reports: Path) -> None:
    print(_nightly(reports))


SCENARIOS = {
    "clean": clean, "error_rate": error_rate, "memory_leak": memory_leak,
    "blind": blind, "restart": restart, "cost": cost, "slo": slo, "nightly": nightly,
}  # fmt: skip


def main() -> None:
    names = sys.argv[1:] or [name for name in SCENARIOS if name != "slo"]
    hook = _hook_server()
    reports = Path(tempfile.mkdtemp(prefix="postdeploy-proofs-"))
    print(f"reports under {reports}")
    for name in names:
        SCENARIOS[name](hook, reports)


if __name__ == "__main__":
    main()
