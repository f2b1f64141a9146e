"""The ZAP rules file: which alert blocks the release, which warns, which is ignored.

The format is the one users of ZAP's baseline scan already know (``zap-baseline.py -c``):
tab-separated lines ``<rule id> <TAB> <IGNORE|INFO|WARN|FAIL> <TAB> (<rule name>)``,
optionally followed by ``<TAB> <reason>``, and ``<rule ids|*> <TAB> OUTOFSCOPE <TAB> <URL
regex>`` to drop alerts on URLs nobody owns. ``#`` starts a comment. A file written for
zap-baseline works here unchanged; the reason column is what reviewers read when an alert
is waved through or blocks a release.

Rules not in the file default to WARN, as in zap-baseline: a new scanner rule surfaces as
a warning instead of silently blocking (or silently passing) a release.

Wapiti's findings are gated the same way, by a sibling file in the same format
(``security/wapiti-rules.tsv``, keyed by Wapiti's finding names): :meth:`RuleSet.rule_for_key`
and :meth:`RuleSet.in_scope_for` are the scanner-neutral lookups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from postdeploy.errors import ConfigError

if TYPE_CHECKING:
    from postdeploy.zap.alerts import ZapAlert

__all__ = ["DEFAULT_RULES_FILE", "Rule", "RuleLevel", "RuleSet", "load_rules", "parse_rules"]

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "security" / "zap-rules.tsv"


class RuleLevel(StrEnum):
    """What an alert of a rule means for the release (zap-baseline's levels)."""

    IGNORE = "IGNORE"
    INFO = "INFO"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the rules file."""

    rule_id: str
    level: RuleLevel
    name: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The parsed rules file: levels by rule id, and out-of-scope URL patterns."""

    rules: dict[str, Rule] = field(default_factory=dict)
    out_of_scope: tuple[tuple[str, re.Pattern[str]], ...] = ()
    default: RuleLevel = RuleLevel.WARN
    source: str = "(built-in defaults)"

    def rule_for(self, alert: ZapAlert) -> Rule:
        """The rule deciding ``alert``: by its alert reference (``10038-1``), else plugin id."""
        for key in (alert.alert_ref, alert.plugin_id):
            if key and key in self.rules:
                return self.rules[key]
        return Rule(alert.plugin_id, self.default, alert.name, "not in the rules file")

    def in_scope(self, alert: ZapAlert) -> bool:
        """False when an OUTOFSCOPE line covers this alert's rule and URL."""
        return self.in_scope_for((alert.plugin_id, alert.alert_ref), alert.url)

    def rule_for_key(self, key: str, name: str = "") -> Rule:
        """The rule the file has for ``key``; the default level when it has none."""
        if key in self.rules:
            return self.rules[key]
        return Rule(key, self.default, name, "not in the rules file")

    def in_scope_for(self, keys: tuple[str, ...], url: str) -> bool:
        """False when an OUTOFSCOPE line covers one of ``keys`` (or ``*``) and ``url``."""
        for rule_id, pattern in self.out_of_scope:
            if (rule_id == "*" or rule_id in keys) and pattern.search(url):
                return False
        return True


_NAME = re.compile(r"^\((?P<name>.*)\)$")


def parse_rules(text: str, *, source: str = "(text)") -> RuleSet:
    """Parse the rules file's text. Raises :class:`ConfigError` naming the bad line."""
    rules: dict[str, Rule] = {}
    out_of_scope: list[tuple[str, re.Pattern[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{source}:{number}"
        if len(parts) < 2:
            raise ConfigError(
                f"{where}: expected '<rule id><TAB><IGNORE|INFO|WARN|FAIL><TAB>(<name>)', "
                f"got {line.strip()!r} (tabs, not spaces, separate the columns)"
            )
        key, level = parts[0].strip(), parts[1].strip().upper()
        rest = [part.strip() for part in parts[2:]]
        if level == "OUTOFSCOPE":
            out_of_scope.extend(_out_of_scope(key, rest, where))
            continue
        try:
            rule_level = RuleLevel(level)
        except ValueError:
            raise ConfigError(
                f"{where}: level {parts[1].strip()!r} is not one of IGNORE, INFO, WARN, FAIL, "
                f"OUTOFSCOPE"
            ) from None
        if not key:
            raise ConfigError(f"{where}: the rule id is empty")
        name = ""
        if rest:
            match = _NAME.match(rest[0])
            name = match["name"] if match else rest[0]
        reason = "\t".join(part for part in rest[1:] if part)
        rules[key] = Rule(key, rule_level, name, reason)
    return RuleSet(rules=rules, out_of_scope=tuple(out_of_scope), source=source)


def _out_of_scope(key: str, rest: list[str], where: str) -> list[tuple[str, re.Pattern[str]]]:
    if not rest or not rest[0]:
        raise ConfigError(f"{where}: OUTOFSCOPE needs a URL regex in the third column")
    try:
        pattern = re.compile(rest[0])
    except re.error as exc:
        raise ConfigError(f"{where}: bad OUTOFSCOPE regex {rest[0]!r}: {exc}") from None
    return [(rule_id.strip(), pattern) for rule_id in key.split(",") if rule_id.strip()]


def load_rules(
    path: Path | None = None, *, default: Path = DEFAULT_RULES_FILE, scanner: str = "ZAP"
) -> RuleSet:
    """Read the rules file (default: the shipped ``security/zap-rules.tsv``)."""
    path = path or default
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the {scanner} rules file {path}: {exc.strerror}") from None
    return parse_rules(text, source=str(path))
