"""The README's rules table is the rule catalogue, word for word."""

from __future__ import annotations

from pathlib import Path

from postdeploy.contract.rules import RULES, rules_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_rules_table_is_current() -> None:
    assert rules_markdown() in README.read_text(encoding="utf-8"), (
        "README.md's rules table is stale: paste postdeploy.contract.rules.rules_markdown()"
    )


def test_every_rule_has_a_reason() -> None:
    assert all(rule.why and rule.what for rule in RULES.values())
