"""docs/contracts.md's rules table is the rule catalogue, word for word; the README only
points there."""

from __future__ import annotations

from pathlib import Path

from postdeploy.contract.rules import RULES, rules_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_rules_table_is_current() -> None:
    assert rules_markdown() in (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8"), (
        "docs/contracts.md's rules table is stale: paste postdeploy.contract.rules.rules_markdown()"
    )


def test_readme_links_the_contract_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/contracts.md" in readme
    assert "| `path-removed` |" not in readme, "the rules table lives in docs/contracts.md"


def test_every_rule_has_a_reason() -> None:
    assert all(rule.why and rule.what for rule in RULES.values())
