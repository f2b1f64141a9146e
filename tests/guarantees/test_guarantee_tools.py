"""docs/guarantees.md, "Tools and the report directory": a tool that is not there, answers
nonsense or never stops answering leaves its part unchecked, in one line, never passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from guarantee_support import assert_inconclusive, row

DEAD = "http://127.0.0.1:9"


def _files_text(root: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("case", [row("O01", DEAD)])
def test_prometheus_unreachable_is_one_line_without_retry_noise(
    run_cli, base_env, shared_target, case: str
) -> None:
    """A subprocess: urllib3's "Retrying" lines would be on the real stderr."""
    env = base_env(**shared_target.env(POSTDEPLOY_PROMETHEUS_URL=case))
    result = run_cli("verify", "--stages", "monitoring", env=env)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Retrying" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [errors[0]]
    assert errors[0].startswith(
        f"error: not checked: monitoring: could not read the metrics: Prometheus at {case}"
    )
    assert "Traceback" not in result.stderr
    assert result.verdict["decision"] == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("url", "mentions", "secrets"),
    [
        row(
            "O02",
            "http://metrics:prom-pass-31@127.0.0.1:9/?token=prom-token-32",
            "could not read the metrics: Prometheus at http://***@127.0.0.1:9",
            ("prom-pass-31", "prom-token-32"),
        ),
        row("O03", "ENDLESS", "could not read the metrics", ()),
    ],
)
def test_prometheus_that_cannot_be_read(
    invoke, shared_target, hostile_server, url: str, mentions: str, secrets: tuple[str, ...]
) -> None:
    url = hostile_server("endless") if url == "ENDLESS" else url
    result = invoke(
        "verify",
        "--stages",
        "monitoring",
        "--timeout",
        "2",
        env=shared_target.env(POSTDEPLOY_PROMETHEUS_URL=url),
    )
    assert_inconclusive(result, mentions=mentions)
    shown = result.stdout + result.stderr + _files_text(result.run_dir)
    for secret in secrets:
        assert secret not in shown


@pytest.mark.parametrize("case", [row("O04", "monitoring")])
def test_no_prometheus_on_a_real_target(invoke, shared_target, case: str) -> None:
    result = invoke("verify", "--stages", case, env=shared_target.env())
    assert_inconclusive(result, mentions="no Prometheus configured")


@pytest.mark.parametrize("case", [row("O05", DEAD)])
def test_zap_unreachable_on_a_real_target(invoke, shared_target, case: str) -> None:
    result = invoke(
        "verify",
        "--stages",
        "security",
        env=shared_target.env(POSTDEPLOY_ZAP_URL=case, POSTDEPLOY_ZAP_TIMEOUT="20"),
    )
    assert result.exit_code == 2, result.stdout + result.stderr
    assert len(result.errors) == 1, result.stderr
    assert result.errors[0].startswith("error: not checked: security")
    assert "ZAP" in result.errors[0]
    assert result.verdict["decision"] == "INCONCLUSIVE"


@pytest.mark.parametrize("case", [row("O06", "notes.txt")])
def test_browser_path_that_is_not_a_browser(
    invoke, shared_target, tmp_path: Path, case: str
) -> None:
    browser = tmp_path / case
    browser.write_text("not a browser\n")
    browser.chmod(0o644)
    result = invoke(
        "verify", "--stages", "e2e", env=shared_target.env(POSTDEPLOY_BROWSER_PATH=str(browser))
    )
    assert_inconclusive(
        result, mentions=f"POSTDEPLOY_BROWSER_PATH={browser} is not an executable file"
    )
    assert result.errors[0].startswith("error: not checked: e2e")


@pytest.mark.parametrize(
    ("layout", "mentions"),
    [
        row("O07", "file", "is not a directory"),
        row("O08", "under-file", "is not a directory"),
    ],
)
def test_report_dir_that_cannot_hold_a_run(
    invoke, tmp_path: Path, layout: str, mentions: str
) -> None:
    (tmp_path / "afile").write_text("not a directory\n")
    where = tmp_path / "afile" if layout == "file" else tmp_path / "afile" / "reports"
    result = invoke("verify", "--target", DEAD, "--report-dir", str(where))
    assert result.exit_code == 2
    assert len(result.errors) == 1, result.stderr
    assert mentions in result.errors[0]
    assert "VERDICT: INCONCLUSIVE (no reports written)" in result.stdout
    assert (tmp_path / "afile").read_text() == "not a directory\n"


@pytest.mark.parametrize("case", [row("O09", "kept.txt")])
def test_latest_that_is_a_real_directory(invoke, tmp_path: Path, case: str) -> None:
    reports = tmp_path / "reports"
    (reports / "latest").mkdir(parents=True)
    (reports / "latest" / case).write_text("someone's\n")
    result = invoke("verify", "--target", DEAD)
    assert_inconclusive(result, mentions="latest is a real directory", report=False)
    assert (reports / "latest" / case).read_text() == "someone's\n"
    runs = [p for p in reports.iterdir() if p.name != "latest"]
    assert len(runs) == 1
    verdict = json.loads((runs[0] / "verdict.json").read_text())
    assert verdict["decision"] == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("files", "mentions"),
    [
        row("O10", {"verdict.json": "{}"}, "cannot read the run's summary"),
        row("O11", {}, "is not a postdeploy run (no verdict.json)"),
    ],
)
def test_report_on_something_that_is_not_a_whole_run(
    invoke, tmp_path: Path, files: dict[str, str], mentions: str
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    for name, text in files.items():
        (run / name).write_text(text)
    result = invoke("report", "--run", str(run))
    assert result.exit_code == 2
    assert len(result.errors) == 1, result.stderr
    assert mentions in result.errors[0]


@pytest.mark.parametrize("case", [row("O12", "/nonexistent/allure")])
def test_allure_missing(invoke, tmp_path: Path, case: str) -> None:
    run = tmp_path / "run"
    (run / "allure-results").mkdir(parents=True)
    (run / "verdict.json").write_text("{}")
    result = invoke("report", "--allure", "--run", str(run), env={"POSTDEPLOY_ALLURE": case})
    assert result.exit_code == 2
    assert len(result.errors) == 1, result.stderr
    assert "Allure" in result.errors[0]
