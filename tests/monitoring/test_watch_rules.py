"""The rollback-trigger rules file: valid for Prometheus, shipped without drift, and right.

``promtool test rules`` replays synthetic series through the real rule engine, so these
tests prove what each rule fires on (and that it stays quiet on a clean series) without a
running service. They need Debian's ``prometheus`` package (``make test`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from postdeploy.errors import ConfigError
from postdeploy.findings import RollbackTrigger
from postdeploy.monitoring.rules import (
    COMPRESSED,
    PRODUCTION,
    RuleWindows,
    load_rules,
    parse_duration,
    render_rules,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "monitoring" / "postdeploy-alerts.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_shipped_file_is_the_production_rendering() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == render_rules(PRODUCTION), (
        "monitoring/postdeploy-alerts.yml is stale: run `postdeploy rules -o "
        "monitoring/postdeploy-alerts.yml`"
    )


def test_every_rule_maps_to_a_trigger_and_the_plan_is_covered() -> None:
    rules = load_rules(COMPRESSED)
    names = {rule.name for rule in rules}
    assert {
        "PostdeployHighErrorRatio",
        "PostdeployLatencyRegression",
        "PostdeployThroughputDrop",
        "PostdeployUserActivityDrop",
        "PostdeployMemoryLeak",
        "PostdeployDiskFilling",
        "PostdeployDbQueryLatency",
        "PostdeployDbConnectionSaturation",
    } <= names
    assert all(rule.for_s > 0 for rule in rules), "a single spike must not fire"
    assert {rule.trigger for rule in rules} >= {
        RollbackTrigger.CRITICAL_ERROR,
        RollbackTrigger.PERFORMANCE_DEGRADATION,
        RollbackTrigger.USER_IMPACT,
        RollbackTrigger.DATA_LOSS,
    }
    assert all("${" not in rule.expr + rule.data_expr + rule.value_expr for rule in rules)


def test_anchored_rules_compare_with_the_deploy_instant() -> None:
    rules = {rule.name: rule for rule in load_rules(COMPRESSED.anchored(1_700_000_000))}
    assert "@ 1700000000.000" in rules["PostdeployLatencyRegression"].expr
    assert rules["PostdeployLatencyRegression"].compares_before
    assert not rules["PostdeployHighErrorRatio"].compares_before


def test_unknown_placeholder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown placeholder"):
        render_rules(COMPRESSED, "groups:\n- rules: [{expr: '${nope}'}]\n")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90.0), ("5m", 300.0), ("24h", 86400.0), ("1.5", 1.5)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration_rejects_nonsense() -> None:
    with pytest.raises(ConfigError, match="not a duration"):
        parse_duration("soon")


@needs_promtool
@pytest.mark.parametrize("windows", [PRODUCTION, COMPRESSED, COMPRESSED.anchored(1.7e9)])
def test_promtool_accepts_the_rules(tmp_path: Path, windows: RuleWindows) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(render_rules(windows), encoding="utf-8")
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 10 rules found" in result.stdout


@needs_promtool
def test_promtool_accepts_the_shipped_file() -> None:
    result = _promtool("check", "rules", str(SHIPPED))
    assert result.returncode == 0, result.stdout + result.stderr


# --- what the rules fire on: promtool's rule unit tests (1 minute steps) --------------------

# Deploy at 20 minutes; production windows (5m rates, `for:` 2m / 10m).
_DEPLOY_S = 1200
_API = 'job="unimedia",route="/api/v2/media",method="GET"'


def _without_annotations(rendered: str) -> str:
    """promtool compares annotations too; the rules' semantics are expr, for and labels."""
    document = yaml.safe_load(rendered)
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    return yaml.safe_dump(document)


def _run_rule_tests(tmp_path: Path, series: list[dict[str, str]], alerts: list[Any]) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        _without_annotations(render_rules(PRODUCTION.anchored(_DEPLOY_S))), encoding="utf-8"
    )
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": alerts}],
    }
    path = tmp_path / "tests.yml"
    path.write_text(yaml.safe_dump(tests), encoding="utf-8")
    result = _promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def _traffic(errors_per_min_after_deploy: int = 0) -> list[dict[str, str]]:
    """600 good API requests a minute for an hour; optionally 5xx from the deploy on."""
    series = [
        {"series": f'http_requests_total{{{_API},status="200"}}', "values": "0+600x60"},
        {"series": 'up{job="unimedia"}', "values": "1x60"},
    ]
    if errors_per_min_after_deploy:
        n = errors_per_min_after_deploy
        series.append(
            {
                "series": f'http_requests_total{{{_API},status="500"}}',
                "values": f"0x20 {n}+{n}x40",
            }
        )
    return series


_ERROR_ALERT = {
    "exp_labels": {"severity": "critical", "rollback_trigger": "critical_error"},
}


@needs_promtool
def test_error_ratio_fires_after_its_for_window_and_not_on_clean_traffic(tmp_path: Path) -> None:
    _run_rule_tests(
        tmp_path,
        _traffic(errors_per_min_after_deploy=120),  # 120 / 720 = 17% of requests fail
        [
            {"eval_time": "19m", "alertname": "PostdeployHighErrorRatio", "exp_alerts": []},
            {"eval_time": "30m", "alertname": "PostdeployHighErrorRatio",
             "exp_alerts": [_ERROR_ALERT]},
        ],
    )  # fmt: skip


@needs_promtool
def test_clean_traffic_fires_nothing(tmp_path: Path) -> None:
    _run_rule_tests(
        tmp_path,
        _traffic(),
        [
            {"eval_time": "50m", "alertname": name, "exp_alerts": []}
            for name in ("PostdeployHighErrorRatio", "PostdeployThroughputDrop",
                         "PostdeployTargetDown", "PostdeployMemoryLeak")
        ],
    )  # fmt: skip


@needs_promtool
def test_memory_leak_fires_by_slope_not_by_size(tmp_path: Path) -> None:
    series = [
        # grows 6 MB a minute (100 kB/s) — fires; a large but flat process does not.
        {"series": 'process_resident_memory_bytes{job="unimedia",instance="a"}',
         "values": "100000000+6000000x60"},
        {"series": 'process_resident_memory_bytes{job="unimedia",instance="b"}',
         "values": "900000000x60"},
    ]  # fmt: skip
    _run_rule_tests(
        tmp_path,
        series,
        [
            {
                "eval_time": "45m",
                "alertname": "PostdeployMemoryLeak",
                "exp_alerts": [
                    {
                        "exp_labels": {
                            "severity": "high",
                            "rollback_trigger": "performance_degradation",
                            "job": "unimedia",
                            "instance": "a",
                        }
                    }
                ],
            }
        ],
    )


@needs_promtool
def test_latency_regression_compares_with_the_window_before_the_deploy(tmp_path: Path) -> None:
    route = 'job="unimedia",route="/api/v2/media",method="GET"'
    fast_until_deploy = "0+60x20 1200x40"  # every request under 100 ms, then none
    every = "0+60x60"
    series = [
        {"series": f'http_request_duration_seconds_bucket{{{route},le="{le}"}}',
         "values": fast_until_deploy if le in ("0.1", "0.25", "0.5") else every}
        for le in ("0.1", "0.25", "0.5", "1", "+Inf")
    ]  # fmt: skip
    _run_rule_tests(
        tmp_path,
        series,
        [
            {"eval_time": "20m", "alertname": "PostdeployLatencyRegression", "exp_alerts": []},
            {
                "eval_time": "45m",
                "alertname": "PostdeployLatencyRegression",
                "exp_alerts": [
                    {
                        "exp_labels": {
                            "severity": "high",
                            "rollback_trigger": "performance_degradation",
                            "route": "/api/v2/media",
                        }
                    }
                ],
            },
        ],
    )
