"""``postdeploy watch``: the first hours after a deploy, evaluated every interval.

Every ``interval``: evaluate the rules (``for:`` applied by :class:`AlertTracker`), record
the evaluation, notify at once when an alert fires or resolves. Every ``smoke_every``: rerun
the smoke suite (in a worker thread, so evaluations keep their rhythm). Every
``status_every``: a status update. At the end — the duration is over, or Ctrl-C — the
post-deployment summary: the gate's verdict over the whole window, reports written.

Cheap by design: one thread sleeping between ticks, ~30 instant queries a tick, smoke in a
subprocess now and then. The embedded default also runs its own Prometheus (restarted if it
dies, on the same TSDB) and light probe traffic.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from postdeploy.config import Config, TargetSettings
from postdeploy.errors import MonitoringError, PostdeployError
from postdeploy.findings import RollbackTrigger, Severity, StageResult, StageStatus
from postdeploy.gate import Verdict, build_verdict
from postdeploy.monitoring.query import PromClient, RuleState, evaluate_rules
from postdeploy.monitoring.rules import COMPRESSED, PRODUCTION, Rule, load_rules
from postdeploy.monitoring.slo import Objective, configured_objectives, read_budgets, slo_rules
from postdeploy.monitoring.traffic import SyntheticTraffic
from postdeploy.progress import Progress, RunNote, WatchProgress, no_progress, shielded
from postdeploy.redact import redact_url
from postdeploy.reports import write_reports
from postdeploy.runid import new_run_id
from postdeploy.stages import SMOKE_STAGE, StageContext
from postdeploy.stages.monitoring import wait_for_first_samples
from postdeploy.target.access import preflight
from postdeploy.target.client import new_client
from postdeploy.target.info import describe_target
from postdeploy.target.lifecycle import live_target
from postdeploy.target.processes import stop_children
from postdeploy.target.prometheus import EmbeddedPrometheus
from postdeploy.watch.alerts import AlertChange, AlertStatus, AlertTracker
from postdeploy.watch.notify import Message, Notifier
from postdeploy.watch.state import EventKind, WatchPlan, WatchState
from postdeploy.watch.summary import budget_text, summarise

__all__ = ["WatchOptions", "WatchOutcome", "watch"]

log = logging.getLogger(__name__)

SCALES = {"compressed": COMPRESSED, "production": PRODUCTION}


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """How long, how often, and where to send what."""

    duration_s: float
    interval_s: float = 60.0
    smoke_every_s: float = 900.0
    status_every_s: float = 1800.0
    run_id: str | None = None
    scale: str | None = None  # None: compressed for the embedded target, else production
    traffic_rate_per_s: float | None = None  # None: 5/s for the embedded target, else off
    alertmanager_urls: tuple[str, ...] = ()
    slack_urls: tuple[str, ...] = ()
    # real Alertmanagers: alerts pushed to their v2 API (firing, re-sent, resolved)
    alertmanager_api_urls: tuple[str, ...] = ()
    # None: 1 h at the scale's SLO time (5 min compressed); 0: no steady requirement
    steady_for_s: float | None = None
    scrape_interval_s: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress = no_progress  # told after every evaluation (postdeploy.progress)


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    verdict: Verdict
    run_dir: Path
    resumed: bool


def watch(config: Config, options: WatchOptions) -> WatchOutcome:
    """Watch ``config.target`` (or the embedded default) and return the summary verdict."""
    run_id = options.run_id or new_run_id()
    run_dir = config.report_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    embedded = config.target.embedded
    scale_name = options.scale or ("compressed" if embedded else "production")
    if scale_name not in SCALES:
        raise MonitoringError(f"unknown scale {scale_name!r}; use compressed or production")
    started = datetime.now(UTC)
    ended_early = ""
    target_info = describe_target(config.target)
    state: WatchState | None = None
    rules: tuple[Rule, ...] = ()
    # Bad SLOs are bad input: one line before anything starts (ConfigError).
    objectives = configured_objectives(config.monitoring)
    release = config.target.expected_version or "unknown"
    notifier = Notifier(
        run_id=run_id,
        alertmanager_urls=options.alertmanager_urls,
        slack_urls=options.slack_urls,
        alertmanager_api_urls=options.alertmanager_api_urls,
        release=release,
        validity_s=4 * _resend_every(options.interval_s),
        on_failure=lambda where, why: (
            state.append(  # type: ignore[union-attr]
                EventKind.NOTIFICATION_FAILED, time.time(), to=where, why=why
            )
            if state is not None
            else None
        ),
    )
    progress = shielded(options.progress)
    try:
        progress(RunNote("starting the target and Prometheus"))
        with live_target(
            config.target, run_dir, prometheus=True, scrape_interval_s=options.scrape_interval_s,
            faults=config.embedded_faults, environment=config.environment,
            https=not config.embedded_http,
        ) as live:  # fmt: skip
            target, prometheus = live.settings, live.prometheus
            # A target never reached is a wrong URL or password, not an outage: INCONCLUSIVE,
            # as `verify` says; one that goes down *during* the watch fires target_down.
            preflight(target)
            if prometheus is not None:
                _write_pid(run_dir, prometheus)
            target_info = describe_target(target, url=target.url, embedded=embedded)
            if release == "unknown":
                release = _live_version(target)
                notifier.release = release
            client = PromClient(target.prometheus_url) if target.prometheus_url else None
            if client is not None and embedded:
                wait_for_first_samples(client)
            now = time.time()
            windows = SCALES[scale_name]
            # Embedded: the first window of (clean) probe traffic is "before the deploy".
            anchor = now + windows.window_s + 2.0 if embedded else (config.deployed_at or now)
            plan = WatchPlan(
                run_id=run_id,
                started_at=now,
                duration_s=options.duration_s,
                interval_s=options.interval_s,
                smoke_every_s=options.smoke_every_s,
                status_every_s=options.status_every_s,
                deploy_at=anchor,
                scale=scale_name,
                target_url=redact_url(config.target.url or "(embedded unimedia)"),
                embedded=embedded,
                steady_for_s=(
                    3600.0 * windows.slo_scale
                    if options.steady_for_s is None
                    else options.steady_for_s
                ),
                release=release,
            )
            state, resumed = WatchState.open(run_dir / "watch", plan)
            if resumed and embedded:
                # A new embedded service and Prometheus: the old "before" is in a TSDB that
                # is gone, so the comparisons take a fresh clean window as their baseline.
                state.plan = dataclasses.replace(state.plan, deploy_at=anchor)
            started = datetime.fromtimestamp(state.plan.started_at, UTC)
            notifier.release = state.plan.release
            scale = SCALES[state.plan.scale]
            rules = load_rules(scale.anchored(state.plan.deploy_at)) + slo_rules(objectives, scale)
            context = StageContext.for_run(config, target, run_id, run_dir)
            loop = _Loop(
                state, rules, objectives, context, prometheus, client, notifier, options, progress
            )
            ended_early = loop.run(resumed)
            progress(RunNote("stopping the target, writing the summary"))
    except KeyboardInterrupt:
        ended_early = "ended early by Ctrl-C"
    except PostdeployError as exc:
        ended_early = f"could not watch: {exc}"
    finally:
        if state is not None:
            state.append(EventKind.ENDED, time.time(), why=ended_early or "duration reached")
    if state is None:
        raise MonitoringError(ended_early or "the watch could not start")
    results = summarise(
        state,
        rules,
        ended_at=time.time(),
        ended_early=ended_early,
        block_severity=config.gate.block_severity,
    )
    verdict = build_verdict(
        results,
        expected=["monitoring", "smoke"],
        policy=config.gate,
        run_id=run_id,
        profile="watch",
        target=target_info,
        started_at=started,
        error=ended_early or None,
    )
    write_reports(verdict, run_dir)
    notifier.send(_summary_message(verdict, state))
    notifier.close()
    return WatchOutcome(verdict, run_dir, resumed)


def _resend_every(interval_s: float) -> float:
    """How often a firing alert is pushed again to an Alertmanager (Prometheus: 1 min)."""
    return max(interval_s, 60.0)


def _live_version(target: TargetSettings) -> str:
    """The release label: what the target's ``/version`` says (once, at the start)."""
    try:
        with new_client(target) as client:
            body = client.get("/version").json()
    except (httpx.HTTPError, ValueError):
        return "unknown"
    version = body.get("version") if isinstance(body, dict) else None
    return version if isinstance(version, str) and version else "unknown"


def _write_pid(run_dir: Path, prometheus: EmbeddedPrometheus) -> None:
    """Where an operator (or the proof script) finds the embedded Prometheus to stop it."""
    (run_dir / "watch").mkdir(parents=True, exist_ok=True)
    (run_dir / "watch" / "prometheus.pid").write_text(f"{prometheus.pid}\n", encoding="utf-8")


class _Loop:
    """One watch's ticks; the state object is the only thing that survives it."""

    def __init__(
        self,
        state: WatchState,
        rules: tuple[Rule, ...],
        objectives: tuple[Objective, ...],
        context: StageContext,
        prometheus: EmbeddedPrometheus | None,
        client: PromClient | None,
        notifier: Notifier,
        options: WatchOptions,
        progress: Progress = no_progress,
    ) -> None:
        self.progress = progress
        self.evaluations = 0
        self.alerts = 0
        self.last_smoke = ""
        self.blind = False
        self.state = state
        self.plan = state.plan
        self.rules = rules
        self.objectives = objectives
        self.scale = SCALES[state.plan.scale]
        # The budget reads a whole period: every 5 (SLO-time) minutes is enough for a chart.
        self.budget_every_s = max(self.plan.interval_s, 300.0 * self.scale.slo_scale)
        self.next_budget = 0.0
        self.budgets: dict[str, float | None] = {}
        self.next_resend = 0.0
        self.target = context.target
        self.prometheus = prometheus
        self.notifier = notifier
        self.options = options
        self.tracker = AlertTracker(rules)
        self.client = client
        self.smoke = SMOKE_STAGE
        self.context = context
        self.recovering_until = 0.0

    def run(self, resumed: bool) -> str:
        now = time.time()
        if resumed:
            self.tracker.restore(self.state.events)
            last = self.state.last_at or now
            if now - last > 2 * self.plan.interval_s:
                self.state.append(EventKind.GAP, now, **{"from": last})
            self.state.append(EventKind.RESUMED, now, deploy_at=self.plan.deploy_at)
        else:
            self.state.append(
                EventKind.STARTED, now, rules=[r.name for r in self.rules], url=self.target.url
            )
        if self.client is None:
            why = "no Prometheus (apt-get install prometheus, or POSTDEPLOY_PROMETHEUS_URL)"
            log.warning("watch: %s: the rules cannot be evaluated", why)
        rate = self.options.traffic_rate_per_s
        probe = None
        if (rate is None and self.plan.embedded) or (rate or 0) > 0:
            probe = SyntheticTraffic(self.target, rate_per_s=rate or 5.0)
            probe.start()
        last_smoke = self.state.last(EventKind.SMOKE)
        # Embedded: the first rerun waits until the "before" window has closed — its logins and
        # uploads inside that window would make every later window look like an activity drop.
        first_smoke = (
            max(now, self.plan.deploy_at + SCALES[self.plan.scale].window_s + 1.0)
            if self.plan.embedded
            else now
        )
        next_smoke = (last_smoke["at"] + self.plan.smoke_every_s) if last_smoke else first_smoke
        last_status = self.state.last(EventKind.STATUS)
        next_status = (last_status["at"] if last_status else self.plan.started_at) + (
            self.plan.status_every_s
        )
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postdeploy-smoke")
        smoke_future: Future[StageResult] | None = None
        smoke_started = 0.0
        try:
            # The first evaluation one interval in: the rates need traffic inside their window.
            tick = min(now + self.plan.interval_s, self.plan.ends_at)
            self._tell(tick, smoke_future is not None)
            while tick <= self.plan.ends_at and not self.options.stop.is_set():
                self.options.stop.wait(max(0.0, tick - time.time()))
                if self.options.stop.is_set():
                    break
                self._evaluate(tick)
                if smoke_future is not None and smoke_future.done():
                    self._record_smoke(smoke_future, smoke_started)
                    smoke_future = None
                if smoke_future is None and time.time() >= next_smoke:
                    smoke_started = time.time()
                    smoke_future = pool.submit(self.smoke.run, self.context)
                    next_smoke = smoke_started + self.plan.smoke_every_s
                if time.time() >= next_status:
                    self._status(time.time())
                    next_status += self.plan.status_every_s
                if tick >= self.plan.ends_at:
                    self._tell(None, smoke_future is not None)
                    break
                tick = min(tick + self.plan.interval_s, self.plan.ends_at)  # last one: the end
                self._tell(tick, smoke_future is not None)
            if smoke_future is not None:
                if self.options.stop.is_set() and not smoke_future.done():
                    stop_children()  # SIGTERM: end the rerun in flight, do not wait it out
                self._record_smoke(smoke_future, smoke_started)
                self._tell(None, smoke_running=False)
        finally:
            if probe is not None:
                probe.stop()
            if smoke_future is not None and not smoke_future.done():
                stop_children()  # a smoke rerun in flight when Ctrl-C/SIGTERM ended the watch
            pool.shutdown(wait=False, cancel_futures=True)
        return "stopped before the end (SIGTERM)" if self.options.stop.is_set() else ""

    def _tell(self, next_tick: float | None, smoke_running: bool) -> None:
        """What a person watching wants to see: how far, what is next, what fired."""
        now = time.time()
        self.progress(
            WatchProgress(
                elapsed_s=now - self.plan.started_at,
                duration_s=self.plan.duration_s,
                evaluations=self.evaluations,
                next_evaluation_in_s=None if next_tick is None else max(0.0, next_tick - now),
                alerts=self.alerts,
                firing=tuple(sorted(self.tracker.firing)),
                smoke_running=smoke_running,
                last_smoke=self.last_smoke,
                blind=self.blind,
            )
        )

    def _evaluate(self, at: float) -> None:
        self.evaluations += 1
        self.blind = True  # until an evaluation reads every rule
        if self.client is None:
            self.state.append(EventKind.EVALUATION, at, blind=True, why="no Prometheus")
            self._announce(self.tracker.blind(at, "no Prometheus configured"))
            return
        warming = at < self.plan.deploy_at + SCALES[self.plan.scale].window_s
        rules = [r for r in self.rules if not (warming and r.compares_before)]
        try:
            observations = evaluate_rules(self.client, rules)
        except MonitoringError as exc:
            self.state.append(EventKind.EVALUATION, at, blind=True, why=str(exc))
            self._announce(self.tracker.blind(at, str(exc)))
            self.recovering_until = float("inf")
            if self.prometheus is not None and not self.prometheus.alive():
                self._restart_prometheus()
            return
        if self.recovering_until == float("inf"):
            # Rates over a window that spans the blind gap read low: no alerts from them
            # until a whole window of fresh samples exists (the span is "not checked").
            self.recovering_until = at + SCALES[self.plan.scale].window_s
        if at < self.recovering_until:
            self.state.append(EventKind.EVALUATION, at, blind=True, why="recovering after blind")
            self._announce(self.tracker.observe([], at))
            return
        self.blind = False
        budgets = self._read_budgets(at)
        self.state.append(
            EventKind.EVALUATION,
            at,
            states={o.rule: o.state.value for o in observations},
            values={o.rule: o.value for o in observations},
            breaches={o.rule: o.detail for o in observations if o.state is RuleState.BREACH},
            **({"budgets": budgets} if budgets else {}),
        )
        self._announce(self.tracker.observe(observations, at))
        self._resend(at)

    def _read_budgets(self, at: float) -> dict[str, float | None]:
        """Each SLO's budget left, every ``budget_every_s``; {} between readings."""
        if not self.objectives or self.client is None or at < self.next_budget:
            return {}
        self.next_budget = at + self.budget_every_s
        try:
            self.budgets = read_budgets(self.client, self.objectives, self.scale)
        except MonitoringError as exc:
            log.warning("watch: cannot read the error budgets: %s", exc)
            return {}
        return {name: None if v is None else round(v, 5) for name, v in self.budgets.items()}

    def _resend(self, at: float) -> None:
        """Firing alerts again to an Alertmanager, before their ``endsAt`` runs out."""
        if not self.notifier.pushes_to_alertmanager or at < self.next_resend:
            return
        self.next_resend = at + _resend_every(self.plan.interval_s)
        firing = tuple(self.tracker.firing.values())
        if firing:
            self.notifier.send(Message(title="refresh", text="", alerts=firing, kind="refresh"))

    def _restart_prometheus(self) -> None:
        assert self.prometheus is not None  # noqa: S101 - checked by the caller
        try:
            self.prometheus.restart()
            _write_pid(self.state.directory.parent, self.prometheus)
            log.warning("watch: the embedded Prometheus had died; restarted it")
        except MonitoringError as exc:
            log.warning("watch: cannot restart the embedded Prometheus: %s", exc)

    def _record_smoke(self, future: Future[StageResult], started: float) -> None:
        try:
            result = future.result()
        except PostdeployError as exc:
            result = StageResult("smoke", StageStatus.ERROR, reason=str(exc))
        at = time.time()
        self.last_smoke = result.status.value
        failed = result.status is StageStatus.FAILED
        trigger = result.findings[0].trigger if result.findings else RollbackTrigger.CRITICAL_ERROR
        detail = "; ".join(f.title for f in result.findings[:3]) or result.reason
        self.state.append(
            EventKind.SMOKE,
            at,
            status=result.status.value,
            reason=detail,
            duration_s=round(at - started, 3),
            trigger=trigger.value if failed else None,
        )
        if result.status in (StageStatus.PASSED, StageStatus.FAILED):
            self._announce(self.tracker.smoke(at, failed, trigger, detail))

    def _announce(self, changes: list[AlertChange]) -> None:
        for change in changes:
            self.state.append(EventKind.ALERT, change.at, **change.to_event())
            self.alerts += change.status is AlertStatus.FIRING
            verb = "FIRING" if change.status is AlertStatus.FIRING else "resolved"
            self.notifier.send(
                Message(
                    title=f"[{verb}] {change.alert}: {change.summary}",
                    text=f"rollback trigger {change.trigger.value} ({change.severity.value}); "
                    f"{change.detail}".rstrip("; "),
                    alerts=(change,),
                    severity=change.severity.value,
                )
            )

    def _status(self, at: float) -> None:
        elapsed = at - self.plan.started_at
        firing = sorted(self.tracker.firing)
        text = f"{elapsed / 60:.0f} of {self.plan.duration_s / 60:.0f} min watched; " + (
            f"firing: {', '.join(firing)}" if firing else "no rollback trigger firing"
        )
        budget = budget_text(self.budgets)
        if budget:
            text += f"; error budget left: {budget}"
        self.state.append(EventKind.STATUS, at, text=text, firing=firing, budgets=self.budgets)
        self.notifier.send(
            Message(
                title=f"postdeploy watch {self.plan.run_id}",
                text=text,
                kind="status",
                valid_for_s=self.plan.status_every_s,
            )
        )


def _summary_message(verdict: Verdict, state: WatchState) -> Message:
    fired = ", ".join(t.value for t in verdict.triggers_fired) or "none"
    unchecked = "; ".join(f"{n.check or n.stage}: {n.why}" for n in verdict.not_checked if n.check)
    decided = next((s.reason for s in verdict.stages if s.name == "monitoring"), "")
    earlier = "; ".join(f.title for f in verdict.reasons if f.severity is Severity.INFO)
    text = (
        f"verdict {verdict.decision.value}; triggers fired: {fired}"
        + (f"; {decided}" if decided else "")
        + (f"; earlier, recovered: {earlier}" if earlier else "")
        + (f"; not checked: {unchecked}" if unchecked else "")
    )
    return Message(
        title=f"postdeploy watch {state.plan.run_id} summary: {verdict.decision.value}",
        text=text,
        kind="summary",
        severity="critical" if verdict.decision.value == "NO_GO" else "info",
    )
