"""Allure: labels and trigger notes from the plugin, run-level files, categories, history."""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from needs import require_tool
from report_samples import NOW, TARGET, sample_verdict

from postdeploy.checks import GateTag
from postdeploy.errors import ToolMissing
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.gate import Decision, Verdict
from postdeploy.measurements import Charts, EndpointLatency
from postdeploy.pytest.allure import trigger_note
from postdeploy.reports import write_reports
from postdeploy.reports.allure import allure_categories, write_allure_metadata
from postdeploy.reports.allure_build import build_allure_report, find_allure

REPO = Path(__file__).resolve().parents[2]
SCREENS = Path(os.environ.get("POSTDEPLOY_SCREENS_DIR", REPO / "reports" / "screens"))


def allure_installed() -> bool:
    try:
        find_allure()
    except ToolMissing:
        return False
    return True


@pytest.mark.parametrize("trigger", list(RollbackTrigger))
def test_each_trigger_category_matches_only_its_own_note(trigger: RollbackTrigger) -> None:
    message = f"AssertionError: boom\nassert 1 == 2\n{trigger_note(GateTag.of(trigger, 'high'))}"
    matching = [
        category["name"]
        for category in allure_categories()
        if "messageRegex" in category
        # Allure 2 (Java) matches the whole message: fullmatch is the same contract
        and re.fullmatch(category["messageRegex"], message)
    ]
    assert matching == [f"Rollback trigger: {trigger.name.replace('_', ' ').capitalize()}"]


def test_run_level_files_hold_no_credentials_and_link_the_page(tmp_path: Path) -> None:
    verdict = sample_verdict(Decision.NO_GO)
    target = verdict.target
    leaky = type(target)(
        "https://deploy:s3cret@media.example.com:8443/", False, "2.0.0", "1.9.0", ()
    )
    write_allure_metadata(dataclasses.replace(verdict, target=leaky), tmp_path)
    results = tmp_path / "allure-results"
    properties = (results / "environment.properties").read_text()
    assert "s3cret" not in properties
    assert "target=https://***@media.example.com:8443/\n" in properties  # postdeploy.redact
    assert "release.live=1.9.0\n" in properties
    assert "verdict=NO-GO\n" in properties
    executor = json.loads((results / "executor.json").read_text())
    assert executor["buildUrl"] == "../report.html"
    categories = json.loads((results / "categories.json").read_text())
    assert len(categories) == len(RollbackTrigger) + 1


def test_plugin_labels_failures_with_their_trigger(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from postdeploy.checks import fails_as

        @pytest.mark.gate(trigger="user_impact", severity="medium")
        def test_guarded():
            '''The listing works'''
            with fails_as("data_loss", "critical", "Bytes survive"):
                assert b"a" == b"b"

        def test_fine():
            pass
        """
    )
    results = pytester.path / "allure"
    outcome = pytester.runpytest_subprocess("--alluredir", str(results), "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1, failed=1)
    documents = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    failed = next(d for d in documents if d["status"] == "failed")
    labels = [(label["name"], label["value"]) for label in failed["labels"]]
    assert ("rollback_trigger", "data_loss") in labels
    assert ("feature", "Guards: User impact") in labels
    assert ("story", "The listing works") in labels
    assert [value for name, value in labels if name == "severity"][-1] == "blocker"
    assert failed["statusDetails"]["message"].endswith(
        "rollback trigger: data_loss (severity critical)"
    )
    assert "Bytes survive" in json.dumps(failed["steps"])
    passed = next(d for d in documents if d["status"] == "passed")
    assert "rollback_trigger" not in {label["name"] for label in passed["labels"]}


def test_missing_allure_is_one_line_and_keeps_the_results(run_cli, tmp_path: Path) -> None:
    result = run_cli("verify", "--target", "http://127.0.0.1:9")
    run_dir = result.report_dir / "latest"
    completed = subprocess.run(
        [sys.executable, "-m", "postdeploy", "report", "--allure", "--run", str(run_dir)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "POSTDEPLOY_ALLURE": "/bin/true"},
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1
    assert completed.stderr.startswith("error: ")
    assert "make tools" in completed.stderr
    assert (run_dir / "allure-results" / "executor.json").is_file()


def test_two_fault_no_go_has_two_categories_and_history_grows(
    run_cli, start_unimedia, tmp_path: Path
) -> None:
    require_tool(allure_installed(), "the Allure 3 command line")
    server = start_unimedia("corrupt_upload,wrong_version")
    first = run_cli("verify", env=server.env())
    assert first.exit_code == 1, first.stdout + first.stderr
    assert set(first.verdict["triggers_fired"]) == {"data_loss", "critical_error"}
    first_dir = (first.report_dir / "latest").resolve()
    built = build_allure_report(first_dir)
    widget = allure_widget(built.index, "widgets/categories.json")
    names = {node["name"] for node in widget["nodes"].values() if node["type"] == "category"}
    assert names == {"Rollback trigger: Data loss", "Rollback trigger: Critical error"}

    second = run_cli("verify", env=server.env())
    second_dir = (second.report_dir / "latest").resolve()
    assert second_dir != first_dir
    rebuilt = build_allure_report(second_dir)
    assert rebuilt.history == built.history, "runs in one report directory share history"
    assert len(built.history.read_text().splitlines()) == 2
    charts = allure_widget(rebuilt.index, "widgets/charts.json")["general"].values()
    dynamics = next(chart for chart in charts if chart["type"] == "statusDynamics")
    assert len(dynamics["data"]) == 2, "the trend shows the previous run and this one"


def allure_widget(index: Path, name: str) -> dict:
    """A data file embedded in a single-file Allure 3 report (``d("name","base64")``)."""
    found = re.search(r'd\("' + re.escape(name) + r'","([A-Za-z0-9+/=]*)"\)', index.read_text())
    assert found, f"{name} not in {index}"
    return json.loads(base64.b64decode(found.group(1)))


def test_report_without_options_prints_the_summary(run_cli) -> None:
    result = run_cli("verify", "--target", "http://127.0.0.1:9")
    assert result.exit_code == 2
    completed = subprocess.run(
        [sys.executable, "-m", "postdeploy", "report", "--run", str(result.report_dir / "latest")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("## ⚠️ INCONCLUSIVE: No decision possible")
    assert "**Could not verify:**" in completed.stdout


def test_report_on_a_directory_that_is_no_run_is_one_line(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "postdeploy", "report", "--allure", "--run", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == f"error: {tmp_path} is not a postdeploy run (no verdict.json)\n"


# --- the whole verification in Allure (issue 21 §5) -----------------------------------------

ENDPOINT_OK = "load::GET /api/v2/media"
ENDPOINT_SLOW = "load::GET /api/v2/media/{id}/content"


def load_no_go(run_dir: Path, *, with_smoke: bool = True) -> Verdict:
    """A NO_GO fired by the load stage alone (one slower endpoint), evidence files on disk,
    beside a passing smoke stage whose results allure-pytest wrote."""
    stage_dir = run_dir / "stages" / "load"
    (stage_dir / "paired" / "samples").mkdir(parents=True, exist_ok=True)
    (stage_dir / "judgement.json").write_text('{"endpoints": []}\n')
    (stage_dir / "paired" / "samples" / "samples-1.tsv").write_text("GET /api/v2/media\t12.0\t0\n")
    evidence = ("stages/load/judgement.json", "stages/load/paired/samples/samples-1.tsv")
    slow = Finding(
        "load", "GET /api/v2/media/{id}/content: slower than the last good release",
        Severity.CRITICAL, RollbackTrigger.PERFORMANCE_DEGRADATION,
        "p50 10.0 → 31.0 ms", ENDPOINT_SLOW, evidence,
    )  # fmt: skip
    load = StageResult(
        "load", StageStatus.FAILED, 95.0, "1 endpoint(s) slower or failing more", (slow,),
        (CheckResult(ENDPOINT_OK, CheckOutcome.PASSED, 0, "p50 10.0 → 10.4 ms", evidence),
         CheckResult(ENDPOINT_SLOW, CheckOutcome.FAILED, 0, "slower", evidence)),
        {"GET /api/v2/media current_p50_ms": 10.4}, (),
        Charts(latency=(
            EndpointLatency("GET /api/v2/media", 10.4, 10.0, "p50", "within tolerance", 1.2),
            EndpointLatency("GET /api/v2/media/{id}/content", 31.0, 10.0, "p50", "regression", 1.2),
        )),
        started_at=NOW.timestamp() + 30,
    )  # fmt: skip
    smoke = StageResult(
        "smoke", StageStatus.PASSED, 3.0,
        checks=(CheckResult("t.py::test_x", CheckOutcome.PASSED),),
        started_at=NOW.timestamp() + 2,
    )  # fmt: skip
    return Verdict(
        run_id=run_dir.name, decision=Decision.NO_GO, profile="full", target=TARGET,
        stages=(smoke, load) if with_smoke else (load,), reasons=(slow,),
        triggers_fired=(RollbackTrigger.PERFORMANCE_DEGRADATION,), not_checked=(),
        started_at=NOW, finished_at=NOW + timedelta(seconds=130),
    )  # fmt: skip


def results_in(run_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (run_dir / "allure-results").glob("*-result.json")]


def test_a_load_only_no_go_has_allure_results(tmp_path: Path) -> None:
    """It used to build a report with 0 results: now every judged endpoint and the verdict."""
    run_dir = tmp_path / "run"
    write_reports(load_no_go(run_dir, with_smoke=False), run_dir)
    documents = {d["name"]: d for d in results_in(run_dir)}
    assert set(documents) == {
        "Verdict: NO-GO",
        ENDPOINT_OK.removeprefix("load::"),
        "GET /api/v2/media/{id}/content: slower than the last good release",
    }
    verdict = documents["Verdict: NO-GO"]
    assert verdict["status"] == "failed"
    assert "rollback trigger: performance_degradation" in verdict["statusDetails"]["message"]
    assert verdict["stop"] - verdict["start"] == 130_000, "the run's real duration"
    slow = documents["GET /api/v2/media/{id}/content: slower than the last good release"]
    assert slow["status"] == "failed"
    assert {a["type"] for a in slow["attachments"]} >= {"image/svg+xml", "application/json"}
    svg = next(a for a in slow["attachments"] if a["type"] == "image/svg+xml")
    assert "regression" in (run_dir / "allure-results" / svg["source"]).read_text()
    assert slow["start"] == int((NOW.timestamp() + 30) * 1000)
    write_reports(load_no_go(run_dir, with_smoke=False), run_dir)
    assert len(results_in(run_dir)) == 3, "rendering again replaces, never adds"


def test_a_dry_run_says_so_where_allure_users_look(tmp_path: Path) -> None:
    """Shadow mode: the verdict's result, its message and the report's name say the decision
    gated nothing, as report.html and summary.md do; the same check in history all the same."""
    shadow, gate = tmp_path / "shadow", tmp_path / "gate"
    write_reports(load_no_go(shadow, with_smoke=False), shadow, dry_run=True)
    write_reports(load_no_go(gate, with_smoke=False), gate)
    dry = next(d for d in results_in(shadow) if d["name"].startswith("Verdict"))
    real = next(d for d in results_in(gate) if d["name"].startswith("Verdict"))
    assert dry["name"] == "Verdict: NO-GO (dry run)"
    assert real["name"] == "Verdict: NO-GO"
    assert "it gated nothing" in dry["statusDetails"]["message"]
    assert "dry run" not in json.dumps(real)
    assert {"name": "tag", "value": "dry-run"} in dry["labels"]
    assert dry["historyId"] == real["historyId"]
    executor = json.loads((shadow / "allure-results" / "executor.json").read_text())
    assert "(dry run)" in executor["reportName"]


def test_reruns_line_up_in_allure_history_and_the_report_opens_in_chromium(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    require_tool(allure_installed(), "the Allure 3 command line")
    pytester.makepyfile(
        test_x="""
        import pytest

        # allure-pytest hashes the raw object into the history id: "<object at 0x…>"
        @pytest.mark.parametrize("client", [object()], ids=["anonymous"])
        def test_x(client):
            pass
        """
    )
    report_dir = tmp_path / "reports"
    for n in (1, 2):
        run_dir = report_dir / f"run-{n}"
        outcome = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--postdeploy-stage", "smoke",
            "--alluredir", str(run_dir / "allure-results"),
        )  # fmt: skip
        outcome.assert_outcomes(passed=1)
        write_reports(load_no_go(run_dir), run_dir)
        built = build_allure_report(run_dir, single_file=False)
    first, second = (json.loads(line) for line in built.history.read_text().splitlines())
    assert len(first["testResults"]) == 4, "smoke, two endpoints, the verdict"
    assert set(second["testResults"]) == set(first["testResults"]), "the same ids: history lines up"
    names = {result["name"] for result in second["testResults"].values()}
    assert "Verdict: NO-GO" in names
    assert ENDPOINT_OK.removeprefix("load::") in names
    shot = screenshot_served(built.index, SCREENS / "allure-NO_GO-desktop.png")
    for words in ("Verdict: NO-GO", "load", "Results 4"):
        assert words in shot, shot[:500]


def screenshot_served(index: Path, out: Path) -> str:
    """Open a built (multi-file) Allure report over loopback HTTP in Chromium — its pages
    fetch their data, which a browser refuses from file:// — screenshot it, return its text."""
    from postdeploy.checks.browser import launch_chromium

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(index.parent))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with launch_chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            page.get_by_text("Verdict", exact=True).first.wait_for(timeout=60_000)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            return page.inner_text("body")
    finally:
        server.shutdown()
        server.server_close()
