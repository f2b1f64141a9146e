"""Allure: labels and trigger notes from the plugin, run-level files, categories, history."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from needs import require_tool
from report_samples import sample_verdict

from postdeploy.checks import GateTag
from postdeploy.errors import ToolMissing
from postdeploy.findings import RollbackTrigger
from postdeploy.gate import Decision
from postdeploy.pytest.allure import trigger_note
from postdeploy.reports.allure import allure_categories, write_allure_metadata
from postdeploy.reports.allure_build import build_allure_report, find_allure

REPO = Path(__file__).resolve().parents[2]


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
