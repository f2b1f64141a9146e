"""Read a Sloth SLO spec (``version: "prometheus/v1"``) as postdeploy objectives.

A team that already describes its SLOs for Sloth points postdeploy at the same file
(``[monitoring] slo_file``, or ``postdeploy rules --slo --sloth FILE``) instead of writing
them twice. What is read, field by field (Sloth's ``pkg/prometheus/api/v1``):

* ``service``, ``labels`` (every rule), ``slos[].name`` (the SLO id is
  ``<service>-<name>``, as Sloth's ``sloth_id``), ``objective`` (percent), ``description``,
  ``labels`` (merged over the service's);
* ``sli.events.error_query`` + ``total_query``, or ``sli.raw.error_ratio_query``, with
  ``{{.window}}``; ``sli.plugin`` needs Sloth's plugin code and is refused in one line;
* ``alerting.name`` (the alerts' base name), ``labels``, ``annotations``,
  ``page_alert``/``ticket_alert`` (``disable``, ``labels``, ``annotations``).

Sloth has no SLO kind; ``category: latency`` in the alerting or SLO labels (the convention
of Sloth's own examples) makes it a latency SLO (rollback trigger ``user_impact``),
anything else an availability one (``critical_error``). The period is Sloth's default,
30 days. Several YAML documents in one file are read in order, as Sloth does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from postdeploy.errors import ConfigError
from postdeploy.monitoring.slo import Objective, SloKind

__all__ = ["SLOTH_VERSION", "read_sloth", "sloth_objectives"]

SLOTH_VERSION = "prometheus/v1"
_PERIOD_S = 30 * 86400.0


def read_sloth(path: Path) -> tuple[Objective, ...]:
    """The objectives in a Sloth spec file; raises ConfigError naming what is wrong."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Sloth spec {path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Sloth spec {path}: not YAML: {_one_line(exc)}") from None
    if not documents:
        raise ConfigError(f"Sloth spec {path}: empty")
    objectives: list[Objective] = []
    for document in documents:
        objectives += sloth_objectives(document, where=str(path))
    return tuple(objectives)


def sloth_objectives(document: Any, *, where: str = "Sloth spec") -> list[Objective]:
    """One parsed ``prometheus/v1`` document as objectives."""
    if not isinstance(document, dict):
        raise ConfigError(f"{where}: not a mapping")
    version = document.get("version")
    if version != SLOTH_VERSION:
        hint = " (a Kubernetes PrometheusServiceLevel? use its spec as a prometheus/v1 file)"
        raise ConfigError(
            f"{where}: version {version!r} is not {SLOTH_VERSION!r}"
            + (hint if "apiVersion" in document else "")
        )
    service = _text(document, "service", where)
    service_labels = _strings(document.get("labels"), f"{where}: labels")
    slos = document.get("slos")
    if not isinstance(slos, list) or not slos:
        raise ConfigError(f"{where}: slos: a list of SLOs is required")
    return [_objective(item, service, service_labels, f"{where}: slos[{i}]")
            for i, item in enumerate(slos)]  # fmt: skip


def _objective(item: Any, service: str, labels: dict[str, str], where: str) -> Objective:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: not a mapping")
    name = _text(item, "name", where)
    objective = item.get("objective")
    if not isinstance(objective, int | float) or not 0 < objective < 100:
        raise ConfigError(f"{where} ({name}): objective must be a percentage in (0, 100)")
    sli = item.get("sli")
    if not isinstance(sli, dict):
        raise ConfigError(f"{where} ({name}): sli is required")
    alerting = item.get("alerting") or {}
    if not isinstance(alerting, dict):
        raise ConfigError(f"{where} ({name}): alerting must be a mapping")
    slo_labels = {**labels, **_strings(item.get("labels"), f"{where}: labels")}
    alert_labels = _strings(alerting.get("labels"), f"{where}: alerting.labels")
    page = alerting.get("page_alert") or {}
    ticket = alerting.get("ticket_alert") or {}
    category = alert_labels.get("category") or slo_labels.get("category")
    errors, total, ratio = _sli(sli, f"{where} ({name})")
    try:
        return Objective(
            name=f"{service}-{name}",
            kind=SloKind.LATENCY if category == "latency" else SloKind.AVAILABILITY,
            objective=float(objective) / 100.0,
            period_s=_PERIOD_S,
            error_query=errors,
            total_query=total,
            error_ratio_query=ratio,
            description=str(item.get("description") or ""),
            alert_name=str(alerting.get("name") or ""),
            labels={**slo_labels, **alert_labels},
            page_labels=_strings(page.get("labels"), f"{where}: page_alert.labels"),
            ticket_labels=_strings(ticket.get("labels"), f"{where}: ticket_alert.labels"),
            annotations=_strings(alerting.get("annotations"), f"{where}: alerting.annotations"),
            page=not page.get("disable", False),
            ticket=not ticket.get("disable", False),
        )
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _sli(sli: dict[str, Any], where: str) -> tuple[str, str, str]:
    if "plugin" in sli:
        raise ConfigError(
            f"{where}: sli.plugin needs Sloth's plugin code; write it as sli.events or sli.raw"
        )
    events, raw = sli.get("events"), sli.get("raw")
    if isinstance(events, dict) and not raw:
        return (
            _text(events, "error_query", f"{where}: sli.events"),
            _text(events, "total_query", f"{where}: sli.events"),
            "",
        )
    if isinstance(raw, dict) and not events:
        return "", "", _text(raw, "error_ratio_query", f"{where}: sli.raw")
    raise ConfigError(f"{where}: sli needs exactly one of events or raw")


def _text(mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} is required (a string)")
    return value.strip()


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: must be a mapping")
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
