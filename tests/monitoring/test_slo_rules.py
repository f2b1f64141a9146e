"""The SLO burn-rate rules: each of the workbook's pairs fires when it must and only then.

``promtool test rules`` replays synthetic request counters through Prometheus' own rule
engine. Every case runs twice: against the shipped form (recording rules
``slo:sli_error:ratio_rate<window>`` + alerts over them, what a user loads) and against the
inline form postdeploy itself evaluates (``slo_rules``: the same alerts, recordings inlined)
— so the two cannot drift. Production windows, 1000 good requests a minute, a 99.9 %
availability SLO (budget 0.1 %) and a 99 %-under-250-ms latency SLO.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from postdeploy.config import MonitoringSettings, SloSettings
from postdeploy.errors import ConfigError
from postdeploy.findings import RollbackTrigger, Severity
from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, RuleWindows
from postdeploy.monitoring.slo import (
    BURN_PAIRS,
    DEFAULT_OBJECTIVES,
    configured_objectives,
    objectives_from_settings,
    render_slo_rules,
    slo_rules,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "monitoring" / "postdeploy-slo.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)
AVAIL = "PostdeploySloApiAvailability"
LATENCY = "PostdeploySloApiLatency"
_ROUTE = 'job="unimedia",route="/api/v2/media",method="GET"'


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_workbook_table() -> None:
    month = 30 * 86400.0
    rates = {pair.name: round(pair.burn_rate(month), 6) for pair in BURN_PAIRS}
    assert rates == {"page_fast": 14.4, "page_slow": 6.0, "ticket": 1.0}
    assert all(pair.short_s * 12 == pair.long_s for pair in BURN_PAIRS)
    # another period spends the same fractions of its budget: 28 days → 13.44x over 1 h
    assert BURN_PAIRS[0].burn_rate(28 * 86400.0) == pytest.approx(13.44)


def test_shipped_file_is_the_production_rendering() -> None:
    expected = render_slo_rules(DEFAULT_OBJECTIVES, PRODUCTION)
    assert SHIPPED.read_text(encoding="utf-8") == expected, (
        "monitoring/postdeploy-slo.yml is stale: run "
        "`postdeploy rules --slo -o monitoring/postdeploy-slo.yml`"
    )


def test_pages_are_rollback_triggers_by_kind_and_tickets_do_not_block() -> None:
    rules = {rule.name: rule for rule in slo_rules(DEFAULT_OBJECTIVES, PRODUCTION)}
    assert rules[AVAIL + "PageFast"].trigger is RollbackTrigger.CRITICAL_ERROR
    assert rules[LATENCY + "PageFast"].trigger is RollbackTrigger.USER_IMPACT
    assert rules[AVAIL + "PageSlow"].severity is Severity.CRITICAL
    assert rules[AVAIL + "Ticket"].severity is Severity.MEDIUM
    assert all(rule.for_s == 0 for rule in rules.values())


def test_compressed_windows_are_a_twelfth() -> None:
    labels = {r.name: dict(r.labels) for r in slo_rules(DEFAULT_OBJECTIVES, COMPRESSED)}
    assert labels[AVAIL + "PageFast"]["long_window"] == "5m"
    assert labels[AVAIL + "PageFast"]["short_window"] == "25s"
    assert labels[AVAIL + "Ticket"]["long_window"] == "6h"
    assert labels[AVAIL + "PageFast"]["burn_rate"] == "14.4", "the rates do not scale"


def test_slo_tables_become_objectives() -> None:
    objectives = objectives_from_settings(
        [
            SloSettings("checkout", objective=99.5, period="28d"),
            SloSettings("fast", kind="latency", objective=95, threshold="1s", selector='job="x"'),
        ]
    )
    assert objectives[0].budget == pytest.approx(0.005)
    assert objectives[0].period_s == 28 * 86400
    assert 'le=~"1|1\\\\.0"' in objectives[1].error_ratio(300), "Go writes 1, Python 1.0"
    assert 'job="x"' in objectives[1].total_query


def test_a_latency_slo_without_threshold_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="threshold"):
        objectives_from_settings([SloSettings("slow", kind="latency")])


def test_no_slo_configured_means_the_defaults() -> None:
    assert configured_objectives(MonitoringSettings()) == DEFAULT_OBJECTIVES


@needs_promtool
@pytest.mark.parametrize("windows", [PRODUCTION, COMPRESSED], ids=["production", "compressed"])
def test_promtool_accepts_the_slo_rules(tmp_path: Path, windows: RuleWindows) -> None:
    path = tmp_path / "slo.yml"
    path.write_text(render_slo_rules(DEFAULT_OBJECTIVES, windows), encoding="utf-8")
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 22 rules found" in result.stdout


# --- which alert fires when ---------------------------------------------------------------


def _recorded(windows: RuleWindows) -> dict[str, Any]:
    document = yaml.safe_load(render_slo_rules(DEFAULT_OBJECTIVES, windows))
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)  # promtool would compare them; the semantics are expr
    return document


def _inline(windows: RuleWindows) -> dict[str, Any]:
    rules = [
        {"alert": r.name, "expr": r.expr, "labels": dict(r.labels)}
        for r in slo_rules(DEFAULT_OBJECTIVES, windows)
    ]
    return {"groups": [{"name": "inline", "rules": rules}]}


FORMS = {"recorded": _recorded, "inline": _inline}


def _only(document: dict[str, Any], alerts: set[str]) -> dict[str, Any]:
    """Just these alerts and the recordings they read: a 3 d window evaluated every minute
    of a 13 h series is most of promtool's time, and says nothing about a page."""
    kept = [r for g in document["groups"] for r in g["rules"] if r.get("alert") in alerts]
    used = [
        r for g in document["groups"] for r in g["rules"]
        if "record" in r and any(r["record"] + "{" in a["expr"] for a in kept)
    ]  # fmt: skip
    return {"groups": [{"name": "under-test", "rules": used + kept}]}


@dataclass(frozen=True)
class Case:
    """Series at ``interval``, evaluated ``every``; (eval time, alert, fires?) expectations.

    ``every`` is a fraction of the pair's short window, so no crossing is stepped over."""

    series: list[dict[str, str]]
    expect: list[tuple[str, str, bool]]
    interval: str = "1m"
    every: str = "1m"


def _requests(good: str, bad: str) -> list[dict[str, str]]:
    return [
        {"series": f'http_requests_total{{{_ROUTE},status="200"}}', "values": good},
        {"series": f'http_requests_total{{{_ROUTE},status="500"}}', "values": bad},
    ]


# 1000 good requests a minute throughout; errors as said. 6 h of clean history first, so
# the long windows are full (on a real Prometheus they always are).
CASES = {
    # 100 errors a minute (9 %, 91x) from 6 h on: the 1 h window passes 1.44 % after ~9 min
    "page_fast fires on a steep burn, page_slow not yet": Case(
        _requests("0+1000x420", "0x360 100+100x59"),
        [("6h5m", "PageFast", False), ("6h15m", "PageFast", True),
         ("6h15m", "PageSlow", False)],
    ),
    # 500 errors in one minute (a blip: 0.83 % of the hour, 8.3x): the 5 m window burns,
    # the 1 h window does not — no page, at any time
    "page_fast does not fire on a blip": Case(
        _requests("0+1000x420", "0x360 500x59"),
        [("6h1m", "PageFast", False), ("6h3m", "PageFast", False),
         ("6h10m", "PageFast", False), ("6h10m", "PageSlow", False)],
    ),
    # 30 min of 9 % errors, then none: the 1 h window still burns (4.8 %) but the 5 m one is
    # clean again — the page stops within the short window
    "page_fast resolves when the short window is clean": Case(
        _requests("0+1000x420", "0x360 100+100x29 3000x29"),
        [("6h30m", "PageFast", True), ("6h37m", "PageFast", False)],
    ),
    # 10 errors a minute (1 %, 9.9x): never the fast page; the 6 h window passes 0.6 % at ~3.6 h
    "page_slow fires on a steady 10x burn, page_fast never": Case(
        _requests("0+1000x660", "0x360 10+10x299"),
        [("9h", "PageSlow", False), ("10h30m", "PageSlow", True),
         ("10h30m", "PageFast", False)],
        every="5m",
    ),
    # 5 errors a minute (0.5 %, 5x): below both pages, however long it lasts
    "page_slow does not fire on a 5x burn": Case(
        _requests("0+1000x780", "0x360 5+5x419"),
        [("13h", "PageSlow", False), ("13h", "PageFast", False)],
        every="5m",
    ),
    # 20 errors per 10 min (0.2 %, 2x) after 3 d clean: the 3 d window passes 0.1 % at 36 h
    "ticket fires on a 2x burn, no page": Case(
        _requests("0+10000x684", "0x432 20+20x251"),
        [("102h", "Ticket", False), ("114h", "Ticket", True),
         ("114h", "PageSlow", False)],
        interval="10m",
        every="1h",
    ),
    # 8 errors per 10 min (0.08 %, 0.8x): within budget, no ticket even after 3 days of it
    "ticket does not fire within budget": Case(
        _requests("0+10000x864", "0x432 8+8x431"),
        [("144h", "Ticket", False)],
        interval="10m",
        every="1h",
    ),
}  # fmt: skip


def _latency(fast: str) -> list[dict[str, str]]:
    route = 'job="unimedia",route="/api/v2/media",method="GET"'
    return [
        {"series": f"http_request_duration_seconds_count{{{route}}}", "values": "0+1000x420"},
        # Python's client writes le="1.0" (Go's "1"): the rule matches both
        {"series": f'http_request_duration_seconds_bucket{{{route},le="1.0"}}', "values": fast},
    ]


CASES |= {
    # 20 % of requests slower than 1 s (20x the 1 % budget) from 6 h on
    "latency page_fast fires on slow answers": Case(
        _latency("0+1000x360 360800+800x59"),
        [("6h30m", "PageFast", False), ("6h50m", "PageFast", True)],
    ),
}


def _alert_name(case_id: str, suffix: str) -> str:
    return (LATENCY if case_id.startswith("latency") else AVAIL) + suffix


@needs_promtool
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case_id", CASES)
def test_burn_rate_pair(tmp_path: Path, case_id: str, form: str) -> None:
    case = CASES[case_id]
    names = {_alert_name(case_id, suffix) for _, suffix, _ in case.expect}
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(_only(FORMS[form](PRODUCTION), names)), encoding="utf-8")
    labels = {r.name: dict(r.labels) for r in slo_rules(DEFAULT_OBJECTIVES, PRODUCTION)}
    checks = []
    for at, suffix, fires in case.expect:
        name = _alert_name(case_id, suffix)
        expected = [{"exp_labels": labels[name]}] if fires else []
        checks.append({"eval_time": at, "alertname": name, "exp_alerts": expected})
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": case.every,
        "tests": [{"interval": case.interval, "input_series": case.series,
                   "alert_rule_test": checks}],
    }  # fmt: skip
    path = tmp_path / "tests.yml"
    path.write_text(yaml.safe_dump(tests), encoding="utf-8")
    result = _promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
@pytest.mark.parametrize("form", FORMS)
def test_compressed_page_fast_fires_within_its_five_minute_window(
    tmp_path: Path, form: str
) -> None:
    """Compressed (1/12): 1000 requests per 5 s, 9 % errors after 30 min — the page fires
    once the 5 m window (the compressed hour) passes 1.44 %, i.e. after ~45 s."""
    name = AVAIL + "PageFast"
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(_only(FORMS[form](COMPRESSED), {name})), encoding="utf-8")
    labels = {r.name: dict(r.labels) for r in slo_rules(DEFAULT_OBJECTIVES, COMPRESSED)}
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "5s",
        "tests": [{
            "interval": "5s",
            "input_series": _requests("0+1000x480", "0x360 100+100x119"),
            "alert_rule_test": [
                {"eval_time": "30m25s", "alertname": name, "exp_alerts": []},
                {"eval_time": "31m30s", "alertname": name,
                 "exp_alerts": [{"exp_labels": labels[name]}]},
            ],
        }],
    }  # fmt: skip
    path = tmp_path / "tests.yml"
    path.write_text(yaml.safe_dump(tests), encoding="utf-8")
    result = _promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
