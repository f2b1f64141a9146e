"""docs/guarantees.md, "Signals and crashes" (and C05): Ctrl-C, SIGTERM and kill -9 at
several moments of a real run. Every child ends, ``reports/latest`` always names a complete
run, ``verdict.json`` is never half written, and the next run removes what a killed one
left and says how much.

The runs are real ``postdeploy verify`` processes on the embedded target with the smoke
profile (the cheapest run that has a target, a pytest stage and reports); each gets a
private TMPDIR, which every descendant inherits, so "every child ended" is checked by
looking for any process that still has it in its environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from guarantee_support import covers, row

from postdeploy import interrupts
from postdeploy.reports.wording import EMBEDDED_NOTICE

DEADLINE_S = 120.0


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _with_env(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (our private TMPDIR)."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if needle in environ and state != "Z":
            found.append(int(entry.name))
    return found


class Run:
    """One ``postdeploy verify`` in the background, in ``home``."""

    def __init__(self, home: Path, base_env: dict[str, str], *args: str) -> None:
        self.home = home
        self.tmp = home / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.reports = home / "reports"
        self.marker = f"TMPDIR={self.tmp}"
        env = dict(base_env, TMPDIR=str(self.tmp))
        self.out = (home / "stdout.txt").open("w+")
        self.err = (home / "stderr.txt").open("w+")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "postdeploy",
                "verify",
                "-v",
                "--report-dir",
                str(self.reports),
                *args,
            ],
            stdout=self.out,
            stderr=self.err,
            env=env,
            cwd=home,
        )

    def run_dirs(self) -> list[Path]:
        if not self.reports.exists():
            return []
        return [p for p in self.reports.iterdir() if p.is_dir() and not p.is_symlink()]

    def newest_has(self, relative: str) -> bool:
        return any((run / relative).exists() for run in self.run_dirs())

    def finish(self, timeout_s: float = DEADLINE_S) -> tuple[int, str, str]:
        code = self.process.wait(timeout=timeout_s)
        with self.out, self.err:
            self.out.seek(0)
            self.err.seek(0)
            return code, self.out.read(), self.err.read()

    def children_gone(self) -> bool:
        return not _with_env(self.marker)

    def leftovers(self) -> list[Path]:
        return sorted(self.tmp.glob("postdeploy-*"))


@pytest.mark.parametrize(
    ("sig", "name"),
    [row("S01", signal.SIGTERM, "SIGTERM"), row("S02", signal.SIGINT, "SIGINT")],
)
def test_signal_while_the_stages_run(
    tmp_path: Path, base_env, sig: signal.Signals, name: str
) -> None:
    run = Run(tmp_path, base_env())
    _wait(lambda: run.newest_has("stages/smoke/pytest.log"), "the smoke stage to start")
    _wait(lambda: len(_with_env(run.marker)) >= 3, "unimedia, postdeploy and pytest to run")
    run.process.send_signal(sig)
    code, out, err = run.finish()
    assert code == 2, out + err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: interrupted ({name}) while the stages ran"]
    verdict = json.loads((run.reports / "latest" / "verdict.json").read_text())
    assert verdict["decision"] == "INCONCLUSIVE"
    assert verdict["error"] == f"interrupted ({name}) while the stages ran"
    _wait(run.children_gone, "every child to end", timeout_s=30)
    assert not list(run.tmp.rglob("accounts.json"))
    assert not run.leftovers(), run.leftovers()


@pytest.mark.parametrize("sig", [row("S03", signal.SIGINT)])
def test_signal_while_the_target_starts(tmp_path: Path, base_env, sig: signal.Signals) -> None:
    run = Run(tmp_path, base_env())
    _wait(lambda: run.newest_has("unimedia.log"), "the embedded target to start")
    run.process.send_signal(sig)
    code, out, err = run.finish()
    assert code == 2, out + err
    assert "Traceback" not in err
    assert "I/O operation on closed file" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert errors[0].startswith("error: interrupted (SIGINT)")
    assert json.loads((run.reports / "latest" / "verdict.json").read_text())["decision"] == (
        "INCONCLUSIVE"
    )
    _wait(run.children_gone, "the embedded unimedia to end", timeout_s=30)
    assert not run.leftovers()


@covers("C05", "S06", "S07")
def test_kill_9_then_the_next_run_cleans_up(tmp_path: Path, base_env) -> None:
    # C05: a complete run of the embedded default, which says what it verified
    first = Run(tmp_path, base_env())
    code, out, err = first.finish()
    assert code == 0, out + err
    assert f"NOTE: {EMBEDDED_NOTICE}" in out
    complete = (first.reports / "latest").resolve()
    assert json.loads((complete / "verdict.json").read_text())["target"]["embedded"] is True
    assert "embedded reference service, not a deployment" in (complete / "report.html").read_text()
    assert "embedded reference service, not a deployment" in (complete / "summary.md").read_text()

    # S06: kill -9 while the stages run
    killed = Run(tmp_path, base_env())
    _wait(
        lambda: len(killed.run_dirs()) == 2 and killed.newest_has("stages/smoke/pytest.log"),
        "stage",
    )
    _wait(lambda: len(_with_env(killed.marker)) >= 3, "unimedia, postdeploy and pytest to run")
    killed.process.kill()
    killed.finish()
    _wait(killed.children_gone, "every child of the killed run to end", timeout_s=60)
    assert (first.reports / "latest").resolve() == complete, "latest names the complete run"
    left = killed.leftovers()
    assert left, "a killed run leaves its temporary directories (that is what S07 cleans)"

    # S07: the next run (any run) removes them and says how much
    after = Run(tmp_path, base_env(), "--target", "http://127.0.0.1:9")
    code, out, err = after.finish()
    assert code == 2
    assert f"removed what killed runs left behind: {len(left)} temporary director" in err
    assert not [path for path in left if path.exists()]


@pytest.mark.parametrize("case", [row("S04", "SIGTERM")])
def test_signal_while_the_reports_are_written(tmp_path: Path, monkeypatch, case: str) -> None:
    """In process: the runner's publishing step with a SIGTERM arriving half-way."""
    from test_guarantee_hostile import hostile_verdict

    from postdeploy import runner

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    interrupts.install()
    real_write = runner.write_reports

    def write_with_a_signal(verdict, run_dir, **options):
        os.kill(os.getpid(), getattr(signal, case))
        return real_write(verdict, run_dir, **options)

    monkeypatch.setattr(runner, "write_reports", write_with_a_signal)
    try:
        run_dir = tmp_path / "reports" / "run-1"
        run_dir.mkdir(parents=True)
        runner._publish(hostile_verdict(), tmp_path / "reports", run_dir)
        assert interrupts.received() == 1
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    latest = (tmp_path / "reports" / "latest").resolve()
    assert latest == run_dir
    for name in ("verdict.json", "report.html", "summary.md", "junit.xml"):
        assert (latest / name).stat().st_size > 0


@pytest.mark.parametrize("case", [row("S05", "verdict.json")])
def test_verdict_json_is_never_half_written(tmp_path: Path, monkeypatch, case: str) -> None:
    from test_guarantee_hostile import hostile_verdict

    from postdeploy.reports.verdict_json import write_verdict_json

    path = tmp_path / case
    path.write_text('{"decision": "GO"}\n')

    def crash(self, target):
        raise KeyboardInterrupt("killed between writing and renaming")

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_verdict_json(hostile_verdict(), path)
    assert path.read_text() == '{"decision": "GO"}\n', "the old file is untouched, never half"


@pytest.mark.parametrize("case", [row("S08", signal.SIGTERM)])
def test_sigterm_to_watch(tmp_path: Path, base_env, shared_target, case: signal.Signals) -> None:
    env = dict(base_env(**shared_target.env()), TMPDIR=str(tmp_path))
    process = subprocess.Popen(
        [
            sys.executable, "-m", "postdeploy", "watch", "--duration", "10m", "--interval", "1s",
            "--report-dir", str(tmp_path / "reports"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )  # fmt: skip
    _wait(lambda: any((tmp_path / "reports").glob("*/watch/*")), "the watch to start")
    process.send_signal(case)
    out, err = process.communicate(timeout=DEADLINE_S)
    assert process.returncode == 2, out + err
    assert "Traceback" not in err
    run = next(p for p in (tmp_path / "reports").iterdir() if p.is_dir())
    verdict = json.loads((run / "verdict.json").read_text())
    assert verdict["decision"] == "INCONCLUSIVE"
    assert verdict["error"] == "stopped before the end (SIGTERM)"


@pytest.mark.parametrize("case", [row("S09", "snapshot")])
def test_ctrl_c_in_a_command_without_a_verdict(invoke, monkeypatch, case: str) -> None:
    from postdeploy.commands import snapshot

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt("SIGINT")

    monkeypatch.setattr(snapshot, "run_snapshot", interrupted)
    result = invoke(case, "s.jsonl", "--database-url", "sqlite:///x.db")
    assert result.exit_code == 2
    assert result.errors == ["error: interrupted (SIGINT)"]
