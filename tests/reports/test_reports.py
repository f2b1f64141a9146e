"""Reports render the verdict faithfully, validate against the schema, escape, keep secrets."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from report_samples import FILTER, HOSTILE, HOSTILE_MEDIA, fabricated_charts, sample_verdict

from postdeploy.findings import StageResult
from postdeploy.gate import Decision
from postdeploy.reports import write_reports
from postdeploy.reports.html import render_html
from postdeploy.reports.markdown import escape_markdown, render_markdown
from postdeploy.reports.verdict_json import SCHEMA_PATH, verdict_to_dict

SCHEMA = json.loads(SCHEMA_PATH.read_text())


@pytest.mark.parametrize("decision", list(Decision))
def test_reports_for_every_decision(tmp_path: Path, decision: Decision) -> None:
    paths = write_reports(sample_verdict(decision), tmp_path)
    assert [p.name for p in paths][:4] == ["verdict.json", "junit.xml", "report.html", "summary.md"]
    document = json.loads((tmp_path / "verdict.json").read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["decision"] == decision.value
    suites = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 - our own output
    if decision is Decision.NO_GO:
        suite = suites.find("testsuite")
        assert suite is not None
        assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "3", "1")
    label = decision.value.replace("_", "-")
    assert f'<h1 class="verdict">{label}</h1>' in (tmp_path / "report.html").read_text()
    assert label in (tmp_path / "summary.md").read_text().splitlines()[0]


def test_no_go_page_names_both_triggers_in_plain_words() -> None:
    html = render_html(sample_verdict(Decision.NO_GO))
    assert "2 rollback triggers fired" in html
    assert 'id="trigger-data_loss"' in html
    assert 'id="trigger-critical_error"' in html
    assert "comes back different from what was uploaded" in html  # data_loss, in words
    markdown = render_markdown(sample_verdict(Decision.NO_GO))
    assert "**Data loss** (data\\_loss)" in markdown
    assert "**Critical error** (critical\\_error)" in markdown


def test_html_escapes_everything_from_the_target() -> None:
    html = render_html(sample_verdict(Decision.NO_GO))
    assert HOSTILE not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert html.count("<script>") == 1, "only the page's own script"
    assert "http://" not in html.replace("http://127.0.0.1:1", ""), "no external resources"


def test_markdown_escapes_everything_from_the_target() -> None:
    markdown = render_markdown(sample_verdict(Decision.NO_GO))
    assert "<script>" not in markdown
    assert "<img" not in markdown
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith("| critical")]
    assert all(line.count(" | ") == 3 for line in table_rows), "a | in a title breaks no table"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript:alert\\(1\\)\\)"),
        ("line\nbreak", "line break"),
        ("ping @team", "ping @\u2060team"),
        ("**bold** `code`", "\\*\\*bold\\*\\* \\`code\\`"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_schema_rejects_a_verdict_missing_a_stable_key(tmp_path: Path) -> None:
    write_reports(sample_verdict(Decision.GO), tmp_path)
    document = json.loads((tmp_path / "verdict.json").read_text())
    del document["not_checked"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_schema_rejects_a_chart_point_with_an_unknown_trigger() -> None:
    document = verdict_to_dict(sample_verdict(Decision.GO))
    document["stages"][0]["charts"]["timeline"][0]["trigger"] = "feeling_bad"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_charts_are_drawn_from_verdict_data_only() -> None:
    with_data = render_html(sample_verdict(Decision.GO, charts=True))
    assert "Latency per endpoint (p95, milliseconds)" in with_data
    assert "the dashed mark is the tolerance (x1.20 of the baseline)" in with_data
    assert "Watch timeline (% errors): 12 evaluations, 1 with a trigger firing" in with_data
    assert "182 (+52%) · regression" in with_data
    assert "106 (+6%) · within tolerance" in with_data
    without = render_html(sample_verdict(Decision.GO, charts=False, non_blocking=False))
    assert "Latency per endpoint" not in without
    assert "Watch timeline" not in without
    assert "<svg" not in without, "a GO without findings or measurements has no chart"


def test_stage_result_carries_charts_across_processes() -> None:
    stage = sample_verdict(Decision.GO).stages[0]
    again = StageResult.from_dict(json.loads(json.dumps(stage.to_dict())))
    assert again.charts == fabricated_charts()
    assert StageResult.from_dict({"name": "x", "status": "passed"}).charts.latency == ()


def test_only_plain_relative_artifacts_become_links() -> None:
    verdict = sample_verdict(Decision.NO_GO)
    stage = verdict.stages[0]
    hostile = StageResult(
        stage.name, stage.status, stage.duration_s, stage.reason, stage.findings, stage.checks,
        {}, ("stages/smoke/pytest.log", "javascript:alert(1)", "../../etc/passwd", "/etc/x"),
    )  # fmt: skip
    html = render_html(dataclasses.replace(verdict, stages=(hostile,)))
    assert 'href="stages/smoke/pytest.log"' in html
    for bad in ("javascript:", "../../etc/passwd", "/etc/x"):
        assert f'href="{bad}' not in html


def test_real_run_reports_validate_and_hold_no_secrets(run_cli, start_unimedia) -> None:
    server = start_unimedia("corrupt_upload")
    result = run_cli("verify", env=server.env())
    assert result.exit_code == 1, result.stdout + result.stderr
    jsonschema.validate(result.verdict, SCHEMA)
    for stage in result.verdict["stages"]:  # no stage measures latency yet: nothing invented
        assert stage["charts"]["latency"] == stage["charts"]["timeline"] == []
    run_dir = (result.report_dir / "latest").resolve()
    assert (run_dir / "summary.md").is_file()
    assert (run_dir / "allure-results").is_dir()
    assert list((run_dir / "allure-results").glob("*-result.json"))
    everything = result.stdout + result.stderr
    for path in run_dir.rglob("*"):
        if path.is_file():
            everything += path.read_text(errors="replace")
    for password in server.passwords.values():
        assert password not in everything


def test_hostile_media_names_are_in_the_sample() -> None:
    """Guard for the escaping tests above: the sample really carries hostile markup."""
    verdict = sample_verdict(Decision.NO_GO)
    assert HOSTILE_MEDIA in verdict.reasons[0].title


def test_a_go_with_a_failed_stage_explains_itself_everywhere(tmp_path: Path) -> None:
    """Issue 21 §4: the medium finding's stage says why it does not block; the flaky check
    is flaky in the page, the summary, junit.xml (Surefire's flakyFailure) and verdict.json."""
    verdict = sample_verdict(Decision.GO)
    write_reports(verdict, tmp_path)
    why = "medium findings do not block; the gate blocks at high and above"
    html = (tmp_path / "report.html").read_text()
    assert f"does not block: {why}" in html
    assert "1</strong> flaky (passed when retried)" in html
    assert f"does not block: {why}" in (tmp_path / "summary.md").read_text()
    junit = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 - our own file
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == FILTER.rsplit("::", 1)[1]]
    flaky = case.find("flakyFailure")
    assert flaky is not None
    assert "TimeoutError" in (flaky.get("message") or "")
    assert case.find("failure") is None, "a flaky check is not a failure"
    document = json.loads((tmp_path / "verdict.json").read_text())
    jsonschema.validate(document, SCHEMA)
    e2e = next(stage for stage in document["stages"] if stage["name"] == "e2e")
    assert e2e["note"] == f"does not block: {why}"
    assert {c["outcome"] for c in e2e["checks"]} == {"failed", "flaky"}
    assert document["policy"]["block_severity"] == "high"


def test_the_header_names_the_stages_that_were_chosen() -> None:
    verdict = dataclasses.replace(sample_verdict(Decision.GO), requested_stages=("smoke", "e2e"))
    assert "<dt>Stages</dt><dd>smoke, e2e" in render_html(verdict)
    assert "**stages** smoke, e2e" in render_markdown(verdict)
