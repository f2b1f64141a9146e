"""A target ready to verify, and stopped afterwards: the one place a run's target starts.

``postdeploy verify``, ``watch``, ``baseline record`` and ``contract`` record all need the
same thing — the configured deployment as it is, or an embedded unimedia started for the
run (with a Prometheus scraping it when metrics are wanted) and stopped when the run ends.
Before this module the verify runner and the watch each wrote that lifecycle on their own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from postdeploy.config import TargetSettings
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.prometheus import (
    PROMETHEUS_INSTALL_HINT,
    EmbeddedPrometheus,
    find_prometheus,
)

__all__ = ["LiveTarget", "live_target", "started_target"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveTarget:
    """The target's settings as the stages use them, and the embedded Prometheus when this
    run started one (the watch restarts it if it dies; nobody else needs the handle)."""

    settings: TargetSettings
    prometheus: EmbeddedPrometheus | None = None


@contextlib.contextmanager
def live_target(
    settings: TargetSettings,
    run_dir: Path,
    *,
    prometheus: bool = False,
    scrape_interval_s: float = 1.0,
    faults: str | None = None,
    environment: Mapping[str, str] | None = None,
    prometheus_rules: str | None = None,
    https: bool = True,
) -> Iterator[LiveTarget]:
    """The configured target as it is, or an embedded unimedia (stopped on exit).

    ``prometheus``: on the embedded target, also start a Prometheus scraping it and set
    ``prometheus_url`` (only the monitoring stage and the watch read it; starting it costs
    the smoke profile seconds). Without the binary the target comes back without one, and
    the monitoring stage says in one line that production metrics were not checked.
    ``faults`` and ``environment`` go to the embedded unimedia (see
    :class:`~postdeploy.target.embedded.EmbeddedUnimedia`); a run passes its Config's.
    ``prometheus_rules``: an alerting-rules file for that Prometheus to load (preflight
    checks that the watch's Prometheus has the rollback-trigger rules, as production should).
    ``https``: the embedded unimedia serves HTTPS with the run's own CA (the default; False
    is ``--embedded-http``).
    """
    if not settings.embedded:
        yield LiveTarget(settings)
        return
    log.info(
        "starting the embedded unimedia" + (f" with UNIMEDIA_FAULTS={faults}" if faults else "")
    )
    server = EmbeddedUnimedia(
        log_path=run_dir / "unimedia.log",
        timeout_s=settings.timeout_s,
        faults=faults,
        environment=environment,
        https=https,
    )
    with server as t:
        if not prometheus or t.url is None:
            yield LiveTarget(t)
            return
        if find_prometheus() is None:
            log.info("no embedded Prometheus: %s", PROMETHEUS_INSTALL_HINT)
            yield LiveTarget(t)
            return
        address = t.url.removeprefix("http://").removeprefix("https://").rstrip("/")
        with EmbeddedPrometheus(
            unimedia=address,
            scrape_interval_s=scrape_interval_s,
            log_path=run_dir / "prometheus.log",
            rules=prometheus_rules,
            ca_file=t.ca_file,
        ) as server:
            yield LiveTarget(dataclasses.replace(t, prometheus_url=server.url), server)


@contextlib.contextmanager
def started_target(
    settings: TargetSettings,
    run_dir: Path,
    *,
    prometheus: bool = False,
    faults: str | None = None,
    environment: Mapping[str, str] | None = None,
    https: bool = True,
) -> Iterator[TargetSettings]:
    """:func:`live_target`, for callers that need only the settings."""
    with live_target(
        settings, run_dir, prometheus=prometheus, faults=faults, environment=environment,
        https=https,
    ) as live:  # fmt: skip
        yield live.settings
