"""Sloth ``prometheus/v1`` specs and ``[[slo]]`` tables → objectives → rules Prometheus takes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from postdeploy.config import load_config
from postdeploy.errors import ConfigError
from postdeploy.findings import RollbackTrigger
from postdeploy.monitoring.rules import PRODUCTION
from postdeploy.monitoring.slo import SloKind, configured_objectives, render_slo_rules, slo_rules
from postdeploy.monitoring.sloth import read_sloth

SPEC = """\
version: "prometheus/v1"
service: "shop"
labels:
  owner: "payments"
slos:
  - name: "checkout-availability"
    objective: 99.5
    description: "Checkout answers without 5xx."
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="shop",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="shop"}[{{ .window }}]))
    alerting:
      name: ShopCheckoutErrors
      labels:
        category: "availability"
      annotations:
        runbook: "https://runbooks.example/checkout"
      page_alert:
        labels:
          severity: pageteam
          routing_key: payments
      ticket_alert:
        labels:
          severity: slack
  - name: "search-latency"
    objective: 99
    sli:
      raw:
        error_ratio_query: shop:search_slow:ratio_rate{{.window}}
    alerting:
      name: ShopSearchSlow
      labels:
        category: latency
      ticket_alert:
        disable: true
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yml"
    path.write_text(SPEC)
    return path


def test_a_sloth_spec_reads_as_objectives(spec: Path) -> None:
    checkout, search = read_sloth(spec)
    assert checkout.name == "shop-checkout-availability"
    assert checkout.objective == pytest.approx(0.995)
    assert checkout.kind is SloKind.AVAILABILITY
    assert checkout.trigger is RollbackTrigger.CRITICAL_ERROR
    assert "[5m]" in checkout.error_ratio(300)
    assert "{{" not in checkout.error_ratio(300)
    assert checkout.labels["owner"] == "payments"
    assert search.kind is SloKind.LATENCY, "category: latency"
    assert search.trigger is RollbackTrigger.USER_IMPACT
    assert not search.ticket
    assert search.page


def test_the_specs_labels_route_its_alerts(spec: Path) -> None:
    rules = {r.name: dict(r.labels) for r in slo_rules(read_sloth(spec), PRODUCTION)}
    assert set(rules) == {
        "ShopCheckoutErrorsPageFast", "ShopCheckoutErrorsPageSlow", "ShopCheckoutErrorsTicket",
        "ShopSearchSlowPageFast", "ShopSearchSlowPageSlow",
    }  # fmt: skip
    page = rules["ShopCheckoutErrorsPageFast"]
    assert page["severity"] == "pageteam", "the team's routing label is what is sent"
    assert page["routing_key"] == "payments"
    assert page["burn_rate"] == "14.4"
    assert rules["ShopCheckoutErrorsTicket"]["severity"] == "slack"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="apt-get install prometheus")
def test_the_rendered_spec_passes_promtool(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "rules.yml"
    out.write_text(render_slo_rules(read_sloth(spec), PRODUCTION))
    result = subprocess.run(
        ["promtool", "check", "rules", str(out)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    runbook = yaml.safe_load(out.read_text())["groups"][0]["rules"][-1]["annotations"]
    assert runbook["runbook"] == "https://runbooks.example/checkout"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('version: "prometheus/v2"\nservice: a\nslos: []\n', "is not 'prometheus/v1'"),
        ("version: prometheus/v1\nslos: []\n", "service is required"),
        ("version: prometheus/v1\nservice: a\nslos: []\n", "a list of SLOs is required"),
        ("version: prometheus/v1\nservice: a\nslos:\n- {name: x, objective: 120, sli: {}}\n",
         "objective must be a percentage"),
        ("version: prometheus/v1\nservice: a\nslos:\n- name: x\n  objective: 99\n"
         "  sli: {plugin: {id: sloth-common/kubernetes/apiserver/availability}}\n",
         "sli.plugin needs Sloth's plugin code"),
        ("version: prometheus/v1\nservice: a\nslos:\n- name: x\n  objective: 99\n"
         "  sli: {events: {error_query: 'sum(x)', total_query: 'sum(y[{{.window}}])'}}\n",
         "query without {{.window}}"),
        ("version: [unclosed\n", "not YAML"),
    ],
)  # fmt: skip
def test_a_bad_spec_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as excinfo:
        read_sloth(path)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_config_slo_tables_and_a_sloth_file(tmp_path: Path, spec: Path) -> None:
    (tmp_path / "postdeploy.toml").write_text(
        '[monitoring]\nslo_file = "shop.yml"\n\n'
        '[[slo]]\nname = "api"\nobjective = 99.95\nperiod = "28d"\n'
    )
    config = load_config(cwd=tmp_path, environ={})
    names = [o.name for o in configured_objectives(config.monitoring)]
    assert names == ["api", "shop-checkout-availability", "shop-search-latency"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[slo]]\nname = "a"\nobjective = 100\n', "objective"),
        ('[[slo]]\nname = "a"\nperiod = "a month"\n', "period"),
        ('[[slo]]\nname = "a"\n\n[[slo]]\nname = "a"\n', "same name"),
        ('[monitoring]\nslo_file = "missing.yml"\n', "slo_file not found"),
    ],
)
def test_bad_slo_config_is_a_config_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "postdeploy.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_config(cwd=tmp_path, environ={})


def test_rules_command_renders_a_sloth_spec(run_cli, spec: Path) -> None:
    result = run_cli("rules", "--slo", "--sloth", str(spec))
    assert result.exit_code == 0, result.stderr
    assert "alert: ShopCheckoutErrorsPageFast" in result.stdout
    assert "record: slo:sli_error:ratio_rate1h" in result.stdout


def test_rules_command_with_a_bad_spec_is_one_line(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("version: nope\n")
    result = run_cli("rules", "--slo", "--sloth", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
