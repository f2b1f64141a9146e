"""One bounded Wapiti run: start it, wait with a deadline, keep its report and log, scrubbed.

Wapiti writes its report when it ends; a Wapiti still running at the deadline is stopped
and the scan is an error (:class:`ScannerError`), never a partial pass. A crawl or a module
Wapiti cut at its own bound is kept, and named in ``incomplete``: the stage reports what was
found and says the scan did not finish. Everything kept under the run folder — the JSON
report, the log — has the session's token and cookies replaced by ``********`` first.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from postdeploy.errors import ScannerError
from postdeploy.scan.command import wapiti_argv
from postdeploy.scan.policy import ScanPlan
from postdeploy.scan.report import WapitiReport, parse_report
from postdeploy.scan.session import SESSION_ENV, ScanSession
from postdeploy.target.processes import stop_process

__all__ = ["GRACE_S", "MASK", "WapitiRun", "run_wapiti", "scrub"]

GRACE_S = 30.0  # past the budget: Wapiti writing its report after its last module
MASK = "********"
_CUT_CRAWL = re.compile(r"Max scan time was reached")
_CUT_MODULE = re.compile(r"Max attack time was reached for module (\w+)")
_MODULE_START = re.compile(r"Launching module (\w+)")


@dataclass(frozen=True, slots=True)
class WapitiRun:
    """A finished Wapiti run: its findings, where its files were kept, what was cut."""

    report: WapitiReport
    report_file: Path
    log_file: Path
    seconds: float
    modules_run: tuple[str, ...]
    incomplete: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)  # phase → seconds


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def run_wapiti(
    executable: Path,
    plan: ScanPlan,
    session: ScanSession,
    *,
    openapi: Path | None,
    out_dir: Path,
    ca_file: Path | None = None,
) -> WapitiRun:
    """Run Wapiti once; its scrubbed report and log go to ``out_dir``. ``ca_file``: the
    target's own CA (the embedded target's run CA), which Wapiti verifies the target with."""
    report_file = out_dir / "wapiti-report.json"
    log_file = out_dir / "wapiti.log"
    with tempfile.TemporaryDirectory(prefix="postdeploy-wapiti-") as scratch:
        store = Path(scratch)
        raw_report = store / "report.json"
        raw_log = store / "wapiti.log"
        argv = wapiti_argv(executable, plan, report=raw_report, store=store, openapi=openapi)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(store),  # anything Wapiti keeps for itself stays in the scratch dir
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            SESSION_ENV: session.to_env(),
        }
        if ca_file is not None:
            env["SSL_CERT_FILE"] = str(ca_file)  # read by Wapiti's httpx (trust_env)
        started = time.monotonic()
        try:
            process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            raise ScannerError(f"cannot start Wapiti ({executable}): {exc.strerror}") from None
        assert process.stdout is not None  # noqa: S101 - Popen(stdout=PIPE) always has it
        copier = threading.Thread(
            target=_copy_with_times, args=(process.stdout, raw_log, started), daemon=True
        )
        copier.start()
        try:
            process.wait(timeout=plan.deadline_s + GRACE_S)
        except subprocess.TimeoutExpired:
            stop_process(process)
            copier.join(timeout=5)
            process.stdout.close()
            _keep_log(raw_log, log_file, session)
            raise ScannerError(
                f"Wapiti did not finish within {plan.deadline_s:g} s "
                f"(scan.max_scan_time_s); stopped it"
            ) from None
        copier.join(timeout=5)
        process.stdout.close()
        seconds = time.monotonic() - started
        log_text = _keep_log(raw_log, log_file, session)
        if not raw_report.is_file():
            tail = " | ".join(line for line in log_text.splitlines()[-3:] if line.strip())
            raise ScannerError(
                f"Wapiti ended (exit {process.returncode}) without a report: {tail[:300]}"
            )
        text = scrub(raw_report.read_text(encoding="utf-8", errors="replace"), session.secrets)
    report = parse_report(text)
    report_file.write_text(text, encoding="utf-8")
    incomplete = []
    if _CUT_CRAWL.search(log_text):
        incomplete.append(f"the crawl stopped at its bound ({plan.crawl_time_s:g} s)")
    incomplete.extend(
        f"module {name} stopped at its bound ({plan.module_time_s:g} s)"
        for name in _CUT_MODULE.findall(log_text)
    )
    return WapitiRun(
        report=report,
        report_file=report_file,
        log_file=log_file,
        seconds=seconds,
        modules_run=tuple(dict.fromkeys(_MODULE_START.findall(log_text))),
        incomplete=tuple(incomplete),
        timings=phase_times(log_text, seconds),
    )


def _copy_with_times(stream: IO[bytes], path: Path, started: float) -> None:
    """Wapiti's output, each line stamped with the seconds since the start: where the
    scan's time went (the crawl, each module) is read back from it."""
    with path.open("w", encoding="utf-8") as log:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            log.write(f"[{time.monotonic() - started:7.1f}s] {line}\n")


_STAMP = re.compile(r"^\[\s*(\d+(?:\.\d+)?)s\] ")


def phase_times(log_text: str, total: float) -> dict[str, float]:
    """Seconds per phase: ``crawl`` (start to the first module), then each module."""
    marks: list[tuple[str, float]] = [("crawl", 0.0)]
    for line in log_text.splitlines():
        stamp = _STAMP.match(line)
        module = _MODULE_START.search(line)
        if stamp and module:
            marks.append((module[1], float(stamp[1])))
        elif stamp and "Generating report" in line:
            marks.append(("report", float(stamp[1])))
    ends = [at for _name, at in marks[1:]] + [total]
    return {name: round(end - at, 1) for (name, at), end in zip(marks, ends, strict=True)}


def _keep_log(raw: Path, kept: Path, session: ScanSession) -> str:
    text = scrub(raw.read_text(encoding="utf-8", errors="replace"), session.secrets)
    kept.write_text(text, encoding="utf-8")
    return text
