"""ZAP's alerts as values, and the grouping that turns them into findings.

ZAP's ``core/view/alerts`` answers every field as a string (``"cweid": "693"``,
``"risk": "Medium"``); :meth:`ZapAlert.from_api` keeps them as ZAP spells them so that the
evidence a reviewer sees matches ZAP's own report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ZapAlert", "group_by_rule"]


@dataclass(frozen=True, slots=True)
class ZapAlert:
    """One alert instance: a rule that fired on one URL (and parameter)."""

    plugin_id: str
    name: str
    risk: str
    confidence: str
    url: str
    alert_ref: str = ""
    method: str = ""
    param: str = ""
    evidence: str = ""
    attack: str = ""
    other: str = ""
    cwe_id: str = ""
    wasc_id: str = ""
    solution: str = ""
    reference: str = ""
    description: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ZapAlert:
        """From one element of ``core/view/alerts``' ``alerts`` list."""

        def text(key: str) -> str:
            value = data.get(key, "")
            return "" if value is None else str(value)

        return cls(
            plugin_id=text("pluginId"),
            name=text("name") or text("alert"),
            risk=text("risk"),
            confidence=text("confidence"),
            url=text("url"),
            alert_ref=text("alertRef"),
            method=text("method"),
            param=text("param"),
            evidence=text("evidence"),
            attack=text("attack"),
            other=text("other"),
            cwe_id=text("cweid"),
            wasc_id=text("wascid"),
            solution=text("solution"),
            reference=text("reference"),
            description=text("description"),
        )

    def describe(self, limit: int = 300) -> str:
        """The instance as evidence lines: where, which parameter, what ZAP saw."""
        lines = [f"{self.method or 'GET'} {self.url}"]
        if self.param:
            lines.append(f"  parameter: {self.param}")
        if self.evidence:
            lines.append(f"  evidence: {self.evidence[:limit]}")
        if self.attack:
            lines.append(f"  attack: {self.attack[:limit]}")
        return "\n".join(lines)


def group_by_rule(alerts: Iterable[ZapAlert]) -> dict[str, list[ZapAlert]]:
    """Alerts by rule (alert reference when ZAP gives one), in ZAP's order.

    One finding per rule, not per URL: a missing header on 40 pages is one problem with 40
    pieces of evidence, as zap-baseline reports it.
    """
    groups: dict[str, list[ZapAlert]] = {}
    for alert in alerts:
        groups.setdefault(alert.alert_ref or alert.plugin_id, []).append(alert)
    return groups
