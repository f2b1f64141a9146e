"""The rollback-trigger rules: one template file, rendered for a time scale, parsed to values.

Why a template (``rules.yml`` beside this module) rather than recording rules or code: the
same file is what a user loads into their own Prometheus/Alertmanager, what ``promtool``
validates in the tests, and what the watch evaluates — so the three cannot drift. Only
windows, ``for:`` durations and the baseline modifier differ between a compressed run
(seconds) and production (minutes); :class:`RuleWindows` holds them.

The "before" of a comparison is ``@ <deploy time>`` when the watch knows the deploy instant
(the window right before it), and ``offset 1d`` in the shipped file, which cannot know it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from postdeploy.errors import ConfigError
from postdeploy.findings import RollbackTrigger, Severity

__all__ = [
    "COMPRESSED",
    "PRODUCTION",
    "Rule",
    "RuleWindows",
    "load_rules",
    "parse_duration",
    "prom_duration",
    "render_rules",
    "rules_template",
    "write_rules",
]

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``5m``, ``24h``, ``1d``, ``500ms`` (a bare number: seconds)."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"{text!r} is not a duration (use e.g. 30s, 5m, 24h)")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def prom_duration(seconds: float) -> str:
    """A PromQL duration literal for ``seconds`` (the largest whole unit: d, h, m, s, ms)."""
    millis = max(1, round(seconds * 1000))
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"


@dataclass(frozen=True, slots=True)
class RuleWindows:
    """The time scale the rules run at; see the table at the top of ``rules.yml``."""

    window_s: float
    long_window_s: float
    for_fast_s: float
    for_slow_s: float
    before: str = "offset 1d"
    leak_bytes_per_s: float = 64 * 1024
    disk_horizon_s: float = 4 * 3600
    job: str = 'job="unimedia"'
    node: str = 'job="node"'
    # The SLO burn-rate windows and periods (postdeploy.monitoring.slo) run at this fraction
    # of real time: 1 in production, 1/12 compressed (an hour's window is 5 minutes).
    slo_scale: float = 1.0

    def anchored(self, deploy_unix_s: float) -> RuleWindows:
        """The same scale, comparing with the window right before ``deploy_unix_s``."""
        return replace(self, before=f"@ {deploy_unix_s:.3f}")

    def values(self) -> dict[str, str]:
        return {
            "window": prom_duration(self.window_s),
            "long_window": prom_duration(self.long_window_s),
            "for_fast": prom_duration(self.for_fast_s),
            "for_slow": prom_duration(self.for_slow_s),
            "before": self.before,
            "leak_bytes_per_s": f"{self.leak_bytes_per_s:g}",
            "disk_horizon_s": f"{self.disk_horizon_s:g}",
            "job": self.job,
            "node": self.node,
        }


# Seconds instead of minutes, for the embedded target scraped every second. The leak
# threshold is per second of a short window: a fresh process warming up (imports, caches,
# the first uploads) grows by a few hundred KiB/s for seconds; the memory_leak fault keeps
# 256 KiB per request, MiB per second under the probe's traffic.
COMPRESSED = RuleWindows(
    window_s=10.0,
    long_window_s=15.0,
    for_fast_s=4.0,
    for_slow_s=8.0,
    leak_bytes_per_s=1024 * 1024,
    disk_horizon_s=3600.0,
    # 1/12, not the 1/30 of the rate windows: a 30 s blip of 10 % errors must stay under the
    # fast page's 14.4x over its long window (0.1 * 30 s / 300 s = 10x). See docs/monitoring.md.
    slo_scale=1 / 12,
)
# A production Prometheus (15-60 s scrapes): 5 minute rates, 10 minute `for:`; a leak is
# RSS growing 64 KiB/s (~225 MiB/hour) for 10 minutes on a 30 minute slope.
PRODUCTION = RuleWindows(window_s=300.0, long_window_s=1800.0, for_fast_s=120.0, for_slow_s=600.0)


@dataclass(frozen=True, slots=True)
class Rule:
    """One alerting rule as postdeploy evaluates it (rendered, no placeholders left)."""

    name: str
    expr: str
    for_s: float
    severity: Severity
    trigger: RollbackTrigger
    summary: str
    data_expr: str
    value_expr: str
    compares_before: bool
    optional: str = ""
    # Extra labels an alert carries to receivers (a Sloth spec's routing labels, the SLO).
    labels: tuple[tuple[str, str], ...] = ()


def rules_template() -> str:
    """The raw text of ``rules.yml`` (with placeholders)."""
    template = resources.files("postdeploy.monitoring").joinpath("rules.yml")
    return template.read_text(encoding="utf-8")


def render_rules(windows: RuleWindows, template: str | None = None) -> str:
    """The rules file for ``windows``: a standard Prometheus alerting-rules document."""
    values = windows.values()
    text = template if template is not None else rules_template()
    # The template's own comment block documents the placeholders; filled in, it would lie.
    body = text[text.index("groups:") :] if "groups:" in text else text
    settings = ", ".join(f"{key}={value}" for key, value in values.items())
    header = (
        "# postdeploy rollback triggers as Prometheus alerting rules.\n"
        "# Generated from postdeploy/monitoring/rules.yml (labels: severity, rollback_trigger);\n"
        "# regenerate with `postdeploy rules` rather than editing. Rendered with:\n"
        f"# {settings}\n"
    )

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ConfigError(f"rules template: unknown placeholder ${{{name}}}")
        return values[name]

    return header + _PLACEHOLDER.sub(fill, body)


def load_rules(windows: RuleWindows, template: str | None = None) -> tuple[Rule, ...]:
    """Render and parse the rules; raises :class:`ConfigError` on a malformed file."""
    raw = template if template is not None else rules_template()
    rendered = render_rules(windows, raw)
    try:
        document = yaml.safe_load(rendered)
        raw_rules = _raw_rules(yaml.safe_load(raw))
        rules = tuple(
            _rule(item, compares_before="${before}" in _flat(raw_item))
            for item, raw_item in zip(_raw_rules(document), raw_rules, strict=True)
        )
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"rules file is malformed: {exc}") from None
    return rules


def write_rules(path: Path, windows: RuleWindows) -> Path:
    """Write the rendered file (what a user loads into their Prometheus)."""
    path.write_text(render_rules(windows), encoding="utf-8")
    return path


def _raw_rules(document: Any) -> list[dict[str, Any]]:
    return [rule for group in document["groups"] for rule in group["rules"]]


def _flat(item: dict[str, Any]) -> str:
    return yaml.safe_dump(item)


def _rule(item: dict[str, Any], *, compares_before: bool) -> Rule:
    labels = item["labels"]
    notes = item["annotations"]
    return Rule(
        name=item["alert"],
        expr=" ".join(str(item["expr"]).split()),
        for_s=parse_duration(str(item.get("for", "0s"))),
        severity=Severity(labels["severity"]),
        trigger=RollbackTrigger(labels["rollback_trigger"]),
        summary=notes["summary"],
        data_expr=" ".join(str(notes["postdeploy_data"]).split()),
        value_expr=" ".join(str(notes["postdeploy_value"]).split()),
        compares_before=compares_before,
        optional=str(notes.get("postdeploy_optional", "")),
    )
