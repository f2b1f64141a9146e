"""Service-level objectives, judged the way SREs judge them: by how fast the budget burns.

A threshold rule ("more than 5 % of requests fail over 5 minutes") pages on a short blip and
never sees a slow leak below its line. The Google SRE workbook's alerting chapter (and Sloth,
Pyrra) alert on the **burn rate** instead — how many times faster than "exactly on budget"
the error budget is being spent — over two windows at once: a long one, so a blip cannot
page, and a short one (a twelfth of it), so the alert stops soon after the burn does.

=========  ===========  ============  ==========================  ==============
pair       long window  short window  burn rate (30 d period)     budget spent
=========  ===========  ============  ==========================  ==============
page fast  1 h          5 m           14.4                        2 % in an hour
page slow  6 h          30 m          6                           5 % in 6 hours
ticket     3 d          6 h           1                           10 % in 3 days
=========  ===========  ============  ==========================  ==============

The burn rate of a pair is ``budget spent * period / long window``, so another period keeps
the same budget fractions. A page is a rollback trigger (``critical_error`` for an
availability SLO, ``user_impact`` for a latency one, severity critical); a ticket is reported
(severity medium, below the gate's default blocking severity) and never blocks.

One generator, two forms of the same rules: :func:`render_slo_rules` writes recording rules
(``slo:sli_error:ratio_rate<window>``) and alerts over them, for a user's own Prometheus;
:func:`slo_rules` gives postdeploy the same alerts with the recordings inlined, because the
watch asks a Prometheus that has no rules loaded. ``promtool test rules`` runs one set of
cases against both forms (tests/monitoring/test_slo_rules.py).

Compressed (the embedded target), windows and periods run at ``RuleWindows.slo_scale``
(1/12): an hour is 5 minutes, the 30 day period 2.5 days.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from postdeploy.config import MonitoringSettings, SloSettings
from postdeploy.errors import ConfigError
from postdeploy.findings import RollbackTrigger, Severity
from postdeploy.monitoring.query import PromClient
from postdeploy.monitoring.rules import Rule, RuleWindows, parse_duration, prom_duration

__all__ = [
    "BURN_PAIRS",
    "DEFAULT_OBJECTIVES",
    "BurnPair",
    "Objective",
    "SloKind",
    "configured_objectives",
    "objectives_from_settings",
    "read_budgets",
    "render_slo_rules",
    "slo_rules",
]

_WINDOW_VAR = re.compile(r"\{\{\s*\.window\s*\}\}")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$", re.IGNORECASE)


class SloKind(StrEnum):
    """What an SLO promises: answers without server errors, or answers fast enough."""

    AVAILABILITY = "availability"
    LATENCY = "latency"


@dataclass(frozen=True, slots=True)
class BurnPair:
    """One row of the workbook's table: a long and a short window and the budget they spend."""

    name: str  # page_fast | page_slow | ticket
    page: bool
    long_s: float
    short_s: float
    budget_spent: float  # fraction of the period's budget spent over the long window

    def burn_rate(self, period_s: float) -> float:
        """The burn rate that spends ``budget_spent`` of the budget in ``long_s``."""
        return self.budget_spent * period_s / self.long_s

    @property
    def suffix(self) -> str:
        return {"page_fast": "PageFast", "page_slow": "PageSlow"}.get(self.name, "Ticket")


BURN_PAIRS: tuple[BurnPair, ...] = (
    BurnPair("page_fast", True, 3600.0, 300.0, 0.02),
    BurnPair("page_slow", True, 6 * 3600.0, 1800.0, 0.05),
    BurnPair("ticket", False, 3 * 86400.0, 6 * 3600.0, 0.10),
)


@dataclass(frozen=True, slots=True)
class Objective:
    """One SLO: what counts as a bad event, how many may be bad, over which period.

    ``error_query`` / ``total_query`` are PromQL rates with ``{{.window}}`` where the window
    goes (Sloth's events SLI); or ``error_ratio_query`` alone (Sloth's raw SLI).
    """

    name: str
    kind: SloKind
    objective: float  # the good fraction, e.g. 0.999
    period_s: float
    error_query: str = ""
    total_query: str = ""
    error_ratio_query: str = ""
    description: str = ""
    alert_name: str = ""  # base of the alerts' names; default from ``name``
    labels: Mapping[str, str] = field(default_factory=dict)
    page_labels: Mapping[str, str] = field(default_factory=dict)
    ticket_labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    page: bool = True
    ticket: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.objective < 1.0:
            raise ConfigError(f"SLO {self.name}: objective must be between 0 and 100 %")
        if not self.error_ratio_query and not (self.error_query and self.total_query):
            raise ConfigError(f"SLO {self.name}: needs error and total queries (or a ratio)")
        for query in (self.error_query, self.total_query, self.error_ratio_query):
            if query and not _WINDOW_VAR.search(query):
                raise ConfigError(f"SLO {self.name}: query without {{{{.window}}}}: {query}")

    @property
    def budget(self) -> float:
        """The fraction of events that may be bad (0.001 for 99.9 %)."""
        return 1.0 - self.objective

    @property
    def trigger(self) -> RollbackTrigger:
        return (
            RollbackTrigger.USER_IMPACT
            if self.kind is SloKind.LATENCY
            else RollbackTrigger.CRITICAL_ERROR
        )

    @property
    def base_name(self) -> str:
        if self.alert_name:
            return self.alert_name
        return "PostdeploySlo" + "".join(
            part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", self.name) if part
        )

    def error_ratio(self, window_s: float, *, zero_when_no_errors: bool = False) -> str:
        """PromQL: the fraction of bad events over ``window_s``."""
        window = prom_duration(window_s)
        if self.error_ratio_query:
            return f"({_fill(self.error_ratio_query, window)})"
        errors = _fill(self.error_query, window)
        ratio = f"(({errors}) / ({_fill(self.total_query, window)}))"
        if zero_when_no_errors:
            # Figures and the budget only (the rules keep the plain ratio, as Sloth's do): no
            # 5xx series yet is 0 errors, not "no answer"; and count - fast, two extrapolated
            # rates, can dip below 0 by a hair — no budget is ever *earned*.
            ratio = (
                f"clamp_min(((({errors}) or vector(0)) / ({_fill(self.total_query, window)})), 0)"
            )
        return ratio

    def traffic(self, window_s: float) -> str:
        """PromQL that returns a sample when the SLI had events to judge over ``window_s``."""
        if self.error_ratio_query:
            return self.error_ratio(window_s)
        return f"({_fill(self.total_query, prom_duration(window_s))}) > 0"


def _fill(query: str, window: str) -> str:
    return " ".join(_WINDOW_VAR.sub(window, query).split())


def _num(value: float) -> str:
    return f"{value:.6g}"


# --- unimedia's API, the defaults -------------------------------------------------------

_API = 'job="unimedia",route=~"/api/.*"'
# Logins are slow on purpose (password hashing): not part of the latency promise. 1 s, not
# 250 ms: on a 2-core machine shared by a test suite, 6 % of clean answers took longer than
# 250 ms and the slow page fired on the clean service (measured; see docs/monitoring.md).
# Relative slowdowns are the threshold rules' job (p95 1.5x the window before the deploy).
_API_TIMED = 'job="unimedia",route=~"/api/.*",route!~"/api/v2/auth/.*"'


def availability_queries(selector: str) -> tuple[str, str]:
    """Bad = 5xx answers among ``http_requests_total{selector}`` (unimedia's metric)."""
    return (
        f'sum(rate(http_requests_total{{{selector},status=~"5.."}}[{{{{.window}}}}]))',
        f"sum(rate(http_requests_total{{{selector}}}[{{{{.window}}}}]))",
    )


def latency_queries(selector: str, threshold_s: float) -> tuple[str, str]:
    """Bad = answers slower than ``threshold_s`` (a bucket boundary of the histogram)."""
    le = _le(threshold_s)
    total = f"sum(rate(http_request_duration_seconds_count{{{selector}}}[{{{{.window}}}}]))"
    fast = f"sum(rate(http_request_duration_seconds_bucket{{{selector},{le}}}[{{{{.window}}}}]))"
    return f"({total} - {fast})", total


def _le(threshold_s: float) -> str:
    """``le`` as clients write it: Python's client says ``1.0``, Go's ``1``; match both."""
    text = f"{threshold_s:g}"
    if float(text).is_integer():
        return f'le=~"{text}|{text}\\\\.0"'
    return f'le="{text}"'


def _default(
    name: str, kind: SloKind, objective: float, queries: tuple[str, str], text: str
) -> Objective:
    return Objective(name, kind, objective, 30 * 86400.0, queries[0], queries[1], description=text)


DEFAULT_OBJECTIVES: tuple[Objective, ...] = (
    _default(
        "api-availability", SloKind.AVAILABILITY, 0.999, availability_queries(_API),
        "99.9 % of /api/ requests answer without a server error (5xx), over 30 days",
    ),
    _default(
        "api-latency", SloKind.LATENCY, 0.99, latency_queries(_API_TIMED, 1.0),
        "99 % of /api/ requests (logins excepted) answer within 1 s, over 30 days",
    ),
)  # fmt: skip


def configured_objectives(settings: MonitoringSettings) -> tuple[Objective, ...]:
    """The SLOs of a run: ``[[slo]]`` tables, then the Sloth file's; neither → the defaults."""
    from postdeploy.monitoring.sloth import read_sloth  # it builds on this module

    objectives = objectives_from_settings(settings.slos)
    if settings.slo_file is not None:
        objectives += read_sloth(settings.slo_file)
    if not objectives:
        return DEFAULT_OBJECTIVES
    _unique(objectives)
    return objectives


def objectives_from_settings(settings: Sequence[SloSettings]) -> tuple[Objective, ...]:
    """The ``[[slo]]`` tables of ``postdeploy.toml`` as objectives (validated there)."""
    objectives = []
    for item in settings:
        kind = SloKind(item.kind)
        if item.error_query or item.total_query:
            if not (item.error_query and item.total_query):
                raise ConfigError(f"slo {item.name}: give both error_query and total_query")
            queries = (item.error_query, item.total_query)
        elif kind is SloKind.LATENCY:
            if item.threshold is None:
                raise ConfigError(f"slo {item.name}: a latency SLO needs threshold (e.g. 250ms)")
            queries = latency_queries(item.selector or _API_TIMED, parse_duration(item.threshold))
        else:
            queries = availability_queries(item.selector or _API)
        objectives.append(
            Objective(
                item.name,
                kind,
                item.objective / 100.0,
                parse_duration(item.period),
                queries[0],
                queries[1],
                description=item.description,
            )
        )
    _unique(objectives)
    return tuple(objectives)


def _unique(objectives: Iterable[Objective]) -> None:
    seen: set[str] = set()
    for objective in objectives:
        if not _NAME.match(objective.name):
            raise ConfigError(f"SLO name {objective.name!r}: use letters, digits, '-', '_', '.'")
        if objective.name in seen or objective.base_name in seen:
            raise ConfigError(f"SLO {objective.name!r} is defined twice")
        seen.update((objective.name, objective.base_name))


# --- the rules ---------------------------------------------------------------------------


def _pairs(objective: Objective) -> list[BurnPair]:
    return [p for p in BURN_PAIRS if (objective.page if p.page else objective.ticket)]


def _labels(objective: Objective, pair: BurnPair, windows: RuleWindows) -> dict[str, str]:
    severity = Severity.CRITICAL if pair.page else Severity.MEDIUM
    labels = {
        "severity": severity.value,
        "rollback_trigger": objective.trigger.value,
        "slo": objective.name,
        "slo_severity": "page" if pair.page else "ticket",
        "burn_rate": _num(pair.burn_rate(objective.period_s)),
        "long_window": prom_duration(pair.long_s * windows.slo_scale),
        "short_window": prom_duration(pair.short_s * windows.slo_scale),
    }
    extra = objective.page_labels if pair.page else objective.ticket_labels
    # The team's routing labels win (a Sloth spec's ``severity: pageteam``); postdeploy's own
    # judgement keeps its Severity in the Rule, which is what the gate reads.
    return {**labels, **objective.labels, **extra, "slo": objective.name}


def _summary(objective: Objective, pair: BurnPair, windows: RuleWindows) -> str:
    verb = "pages" if pair.page else "ticket"
    return (
        f"SLO {objective.name}: error budget burning {_num(pair.burn_rate(objective.period_s))}x "
        f"over {prom_duration(pair.long_s * windows.slo_scale)} and "
        f"{prom_duration(pair.short_s * windows.slo_scale)} ({verb})"
    )


def _condition(objective: Objective, pair: BurnPair, long: str, short: str) -> str:
    """Both windows burn faster than the pair's rate (Sloth writes it the same way)."""
    limit = f"({_num(pair.burn_rate(objective.period_s))} * {_num(objective.budget)})"
    return f"{long} > {limit} and {short} > {limit}"


def slo_rules(objectives: Sequence[Objective], windows: RuleWindows) -> tuple[Rule, ...]:
    """The burn-rate alerts as postdeploy evaluates them: recordings inlined, no ``for:``."""
    rules = []
    for objective in objectives:
        for pair in _pairs(objective):
            long_s, short_s = pair.long_s * windows.slo_scale, pair.short_s * windows.slo_scale
            expr = _condition(
                objective, pair, objective.error_ratio(long_s), objective.error_ratio(short_s)
            )
            labels = _labels(objective, pair, windows)
            rules.append(
                Rule(
                    name=objective.base_name + pair.suffix,
                    expr=expr,
                    for_s=0.0,  # the short window is the debounce, as in the workbook
                    severity=Severity.CRITICAL if pair.page else Severity.MEDIUM,
                    trigger=objective.trigger,
                    summary=_summary(objective, pair, windows),
                    data_expr=objective.traffic(long_s),
                    # the figure: the burn rate over the long window
                    value_expr=(
                        f"{objective.error_ratio(long_s, zero_when_no_errors=True)} "
                        f"/ {_num(objective.budget)}"
                    ),
                    compares_before=False,
                    labels=tuple(sorted(labels.items())),
                )
            )
    return tuple(rules)


def _record(window_s: float) -> str:
    return f"slo:sli_error:ratio_rate{prom_duration(window_s)}"


def render_slo_rules(objectives: Sequence[Objective], windows: RuleWindows) -> str:
    """Recording + alerting rules for a user's Prometheus (one group per SLO)."""
    groups = []
    for objective in objectives:
        selector = f'{{slo="{objective.name}"}}'
        slo_labels = {**objective.labels, "slo": objective.name}
        spans = sorted(
            {p.long_s for p in _pairs(objective)} | {p.short_s for p in _pairs(objective)}
        )
        recordings: list[dict[str, Any]] = [
            {
                "record": _record(span * windows.slo_scale),
                "expr": objective.error_ratio(span * windows.slo_scale),
                "labels": dict(slo_labels),
            }
            for span in spans
        ]
        period = prom_duration(objective.period_s * windows.slo_scale)
        shortest = _record(spans[0] * windows.slo_scale) + selector if spans else ""
        recordings += [
            {"record": "slo:objective:ratio", "expr": f"vector({_num(objective.objective)})",
             "labels": dict(slo_labels)},
            {"record": "slo:error_budget:ratio", "expr": f"vector({_num(objective.budget)})",
             "labels": dict(slo_labels)},
        ]  # fmt: skip
        if shortest:
            # As Sloth does: the period's ratio as the mean of the shortest window's ratios.
            recordings.append(
                {
                    "record": "slo:error_budget_remaining:ratio",
                    "expr": f"1 - (sum_over_time({shortest}[{period}]) / "
                    f"count_over_time({shortest}[{period}])) / {_num(objective.budget)}",
                    "labels": dict(slo_labels),
                }
            )
        alerts = []
        for pair in _pairs(objective):
            long_s, short_s = pair.long_s * windows.slo_scale, pair.short_s * windows.slo_scale
            expr = _condition(
                objective, pair, _record(long_s) + selector, _record(short_s) + selector
            )
            alerts.append(
                {
                    "alert": objective.base_name + pair.suffix,
                    "expr": expr,
                    "labels": _labels(objective, pair, windows),
                    "annotations": {
                        "summary": _summary(objective, pair, windows),
                        "description": (objective.description or objective.name)
                        + ": {{ $value | humanizePercentage }} of events bad over "
                        + prom_duration(long_s),
                        **objective.annotations,
                    },
                }
            )
        groups.append({"name": f"postdeploy-slo-{objective.name}", "rules": recordings + alerts})
    scale = "production" if windows.slo_scale == 1 else f"time scale {windows.slo_scale:.4g}"
    header = (
        "# postdeploy SLOs as multi-window, multi-burn-rate Prometheus rules (recording +\n"
        "# alerting). Generated by `postdeploy rules --slo` from postdeploy/monitoring/slo.py\n"
        f"# ({scale}); labels: severity, rollback_trigger, slo, slo_severity (page|ticket).\n"
    )
    return header + yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000)


# --- the budget ------------------------------------------------------------------------


def read_budgets(
    client: PromClient,
    objectives: Sequence[Objective],
    windows: RuleWindows,
    *,
    at: float | None = None,
) -> dict[str, float | None]:
    """The fraction of each SLO's period budget left (1 untouched, below 0 overspent).

    Over the period as far back as Prometheus holds data: a watch of a fresh embedded target
    sees its own minutes. ``None``: no events to judge. Raises MonitoringError when
    Prometheus does not answer.
    """
    budgets: dict[str, float | None] = {}
    for objective in objectives:
        period = objective.period_s * windows.slo_scale
        ratio = objective.error_ratio(period, zero_when_no_errors=True)
        samples = client.query(f"1 - {ratio} / {_num(objective.budget)}", at=at)
        value = next((s.value for s in samples if math.isfinite(s.value)), None)
        budgets[objective.name] = value
    return budgets
