"""The nightly job's examples (deploy/nightly/): one script picks the run id, so a killed
watch is resumed, never started over.

The script is run for real with ``sh``; in place of ``postdeploy`` a small recorder writes
what a watch writes first (``watch.json``, the plan) and notes its arguments, so the tests
see which run id each invocation chose without a 24-hour watch. The real kill-and-resume
with ``postdeploy watch`` is ``scripts/watch_proofs.py nightly``. The systemd units go
through ``systemd-analyze verify``; the CronJob and the cron lines are read for the settings
the resume depends on.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NIGHTLY = REPO / "deploy" / "nightly"
SCRIPT = NIGHTLY / "postdeploy-nightly.sh"

# Stands in for `postdeploy watch`: records argv, writes the plan as the watch does, exits
# with $FAKE_EXIT. $FAKE_STARTED_AGO_S dates the plan back (a run whose end has passed).
RECORDER = """\
import json, os, sys, time
args = sys.argv[1:]
run_id = args[args.index("--run-id") + 1]
reports = args[args.index("--report-dir") + 1]
plan = os.path.join(reports, run_id, "watch")
os.makedirs(plan, exist_ok=True)
path = os.path.join(plan, "watch.json")
if not os.path.exists(path):
    started = time.time() - float(os.environ.get("FAKE_STARTED_AGO_S", "0"))
    json.dump({"started_at": started, "duration_s": 86400.0}, open(path, "w"))
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def nightly(tmp_path: Path):
    recorder = tmp_path / "postdeploy"
    recorder.write_text(f"#!{sys.executable}\n{RECORDER}")
    recorder.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    reports = tmp_path / "reports"

    def run(*args: str, **env: str) -> tuple[int, list[list[str]]]:
        result = subprocess.run(
            ["sh", str(SCRIPT), *args],
            env={"PATH": "/usr/bin:/bin", "POSTDEPLOY_BIN": str(recorder),
                 "REPORT_DIR": str(reports), "FAKE_LOG": str(log), "PYTHON": sys.executable,
                 **env},
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return result.returncode, calls

    run.reports = reports  # type: ignore[attr-defined]
    return run


def _run_id(call: list[str]) -> str:
    return call[call.index("--run-id") + 1]


def test_first_run_starts_a_24h_watch_with_a_new_run_id(nightly) -> None:
    code, calls = nightly("--alertmanager", "http://am:9093")
    assert code == 0
    (call,) = calls
    assert call[:3] == ["watch", "--duration", "24h"]
    assert _run_id(call).startswith("nightly-")
    assert call[-2:] == ["--alertmanager", "http://am:9093"], "options pass through"
    assert (nightly.reports / "nightly-current").read_text().strip() == _run_id(call)


def test_a_killed_watch_is_resumed_with_its_run_id(nightly) -> None:
    nightly()
    time.sleep(1.1)  # a new run id would differ by the second
    code, calls = nightly()
    assert code == 0
    assert _run_id(calls[1]) == _run_id(calls[0]), "resumed, not started over"


def test_a_watch_whose_end_has_passed_is_not_resumed(nightly) -> None:
    nightly(FAKE_STARTED_AGO_S="90000")  # its 24 h ended an hour ago
    time.sleep(1.1)
    _, calls = nightly()
    assert _run_id(calls[1]) != _run_id(calls[0])


def test_resume_only_does_nothing_without_an_unfinished_watch(nightly) -> None:
    code, calls = nightly("--resume-only")
    assert (code, calls) == (0, [])
    nightly(FAKE_STARTED_AGO_S="90000")
    code, calls = nightly("--resume-only")
    assert (code, len(calls)) == (0, 1), "the finished run is not resumed"


def test_one_watch_at_a_time(nightly) -> None:
    nightly.reports.mkdir(parents=True)
    with (nightly.reports / "nightly.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running watch holds it
        code, calls = nightly()
    assert (code, calls) == (0, [])


@pytest.mark.parametrize("verdict", [1, 2])
def test_the_verdict_is_the_exit_code(nightly, verdict: int) -> None:
    code, _ = nightly(FAKE_EXIT=str(verdict))
    assert code == verdict


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_units_verify_clean(tmp_path: Path) -> None:
    for name in ("postdeploy-watch.service", "postdeploy-watch.timer"):
        text = (NIGHTLY / name).read_text()
        # the units name the install path; verify checks that ExecStart exists
        (tmp_path / name).write_text(text.replace("/srv/postdeploy", str(REPO)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "postdeploy-watch.service", "postdeploy-watch.timer"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # it warns (rc 0) on a bad setting
    service = (NIGHTLY / "postdeploy-watch.service").read_text()
    assert "Restart=on-abnormal" in service, "a killed watch restarts; a verdict does not"
    assert "SuccessExitStatus=1 2" in service


def test_cron_lines_start_nightly_and_resume_every_10_minutes() -> None:
    lines = [
        line.split()
        for line in (NIGHTLY / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert [line[:5] for line in lines] == [
        ["0", "22", "*", "*", "*"],
        ["*/10", "*", "*", "*", "*"],
    ]
    assert all("deploy/nightly/postdeploy-nightly.sh" in " ".join(line) for line in lines)
    assert "--resume-only" in lines[1]
    assert all("%" not in " ".join(line) for line in lines), "cron would cut the line at %"


def test_the_cronjob_resumes_killed_pods_and_fails_on_a_verdict() -> None:
    cronjob = yaml.safe_load((NIGHTLY / "cronjob.yaml").read_text())
    assert cronjob["kind"] == "CronJob"
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] >= 1, "a killed pod is replaced (and resumes)"
    (fail, _) = job["podFailurePolicy"]["rules"]
    assert fail["action"] == "FailJob"
    assert fail["onExitCodes"]["values"] == [1, 2, 3]
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert container["command"] == ["/srv/postdeploy/deploy/nightly/postdeploy-nightly.sh"]
    assert container["volumeMounts"][0]["mountPath"] == "/reports"
    assert {"name": "REPORT_DIR", "value": "/reports"} in container["env"]
