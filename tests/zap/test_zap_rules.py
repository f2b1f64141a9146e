"""The rules file: zap-baseline's format, its levels, out-of-scope lines and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.errors import ConfigError
from postdeploy.zap.alerts import ZapAlert
from postdeploy.zap.rules import DEFAULT_RULES_FILE, RuleLevel, load_rules, parse_rules


def alert(plugin_id: str, url: str = "http://t/x", alert_ref: str = "") -> ZapAlert:
    return ZapAlert(plugin_id, "name", "Medium", "High", url, alert_ref=alert_ref)


def test_baseline_format_with_reasons_and_comments() -> None:
    rules = parse_rules(
        "# comment\n"
        "\n"
        "10010\tFAIL\t(Cookie No HttpOnly Flag)\tsession cookie\n"
        "10096\tIGNORE\t(Timestamp Disclosure)\n"
        "10027\tINFO\t(Suspicious Comments)\n"
        "10036\twarn\t(Server Leaks Version)\n"
    )
    assert rules.rule_for(alert("10010")).level is RuleLevel.FAIL
    assert rules.rule_for(alert("10010")).reason == "session cookie"
    assert rules.rule_for(alert("10010")).name == "Cookie No HttpOnly Flag"
    assert rules.rule_for(alert("10096")).level is RuleLevel.IGNORE
    assert rules.rule_for(alert("10027")).level is RuleLevel.INFO
    assert rules.rule_for(alert("10036")).level is RuleLevel.WARN


def test_unlisted_rules_warn_as_in_zap_baseline() -> None:
    rule = parse_rules("10010\tFAIL\t(x)\n").rule_for(alert("99999"))
    assert rule.level is RuleLevel.WARN


def test_alert_reference_wins_over_plugin_id() -> None:
    rules = parse_rules("10038\tWARN\t(CSP)\n10038-1\tFAIL\t(CSP not set)\n")
    assert rules.rule_for(alert("10038", alert_ref="10038-1")).level is RuleLevel.FAIL
    assert rules.rule_for(alert("10038", alert_ref="10038-2")).level is RuleLevel.WARN


def test_out_of_scope_drops_alerts_by_rule_and_url() -> None:
    rules = parse_rules("10038\tOUTOFSCOPE\t.*/docs.*\n*\tOUTOFSCOPE\t.*/static/vendor/.*\n")
    assert not rules.in_scope(alert("10038", "http://t/docs"))
    assert rules.in_scope(alert("10038", "http://t/api"))
    assert rules.in_scope(alert("10020", "http://t/docs"))
    assert not rules.in_scope(alert("10020", "http://t/static/vendor/x.js"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10010 FAIL (spaces, not tabs)\n", "tabs, not spaces"),
        ("10010\tBLOCK\t(x)\n", "'BLOCK' is not one of"),
        ("10010\tOUTOFSCOPE\t(unclosed\n", "bad OUTOFSCOPE regex"),
        ("10010\tOUTOFSCOPE\n", "needs a URL regex"),
    ],
)
def test_bad_lines_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_rules("# ok\n" + text, source="rules.tsv")
    assert "rules.tsv:2" in str(caught.value)


def test_shipped_rules_file_parses_and_blocks_the_regressions() -> None:
    rules = load_rules()
    assert rules.source == str(DEFAULT_RULES_FILE)
    for rule_id in ("10010", "10054", "10020", "10021", "10038", "10098"):
        assert rules.rules[rule_id].level is RuleLevel.FAIL, rule_id
    assert all(rule.reason for rule in rules.rules.values() if rule.level is RuleLevel.IGNORE)


def test_missing_rules_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the ZAP rules file"):
        load_rules(tmp_path / "nope.tsv")
