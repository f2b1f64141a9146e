"""Load profiles: how many users, how fast they arrive, for how long. Always bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass

from postdeploy.errors import ConfigError

__all__ = ["LOAD_PROFILES", "LoadProfile", "load_profile"]

MAX_DURATION_S = 4 * 3600
MAX_USERS = 2000


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """``processes`` > 1 uses Locust's own multi-process mode to go beyond one core."""

    name: str
    users: int
    spawn_rate: float
    duration_s: int
    processes: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.users <= MAX_USERS:
            raise ConfigError(f"load profile {self.name}: users must be 1-{MAX_USERS}")
        if not 0 < self.duration_s <= MAX_DURATION_S:
            raise ConfigError(f"load profile {self.name}: duration must be 1-{MAX_DURATION_S} s")
        if self.processes < 1:
            raise ConfigError(f"load profile {self.name}: processes must be at least 1")


LOAD_PROFILES: dict[str, LoadProfile] = {
    # what `postdeploy verify --profile full` runs against the embedded reference service:
    # 8 users a side, so that the two servers, their load generator and the browser-less
    # rest of a 2-core machine stay below saturation. Saturated, latency is mostly queueing
    # and two identical releases differ by ±20 % from run to run; at this load the medians
    # sit near the service time, and 90 s give every critical endpoint enough samples to
    # detect a x1.2 slowdown at the run-wide confidence (measured: docs/load.md).
    "quick": LoadProfile("quick", users=8, spawn_rate=8, duration_s=90),
    # a minute at a realistic concurrency: the default for real deployments
    "standard": LoadProfile("standard", users=50, spawn_rate=10, duration_s=60, processes=2),
    # the long run before a big release
    "soak": LoadProfile("soak", users=50, spawn_rate=5, duration_s=1800, processes=2),
}


_AD_HOC = re.compile(r"^(?P<users>\d+)u(?P<seconds>\d+)s(?:(?P<processes>\d+)p)?$")


def load_profile(name: str) -> LoadProfile:
    """A named profile, or an ad hoc one written ``<users>u<seconds>s[<processes>p]``
    (``10u30s``, ``50u60s2p``) for a quick experiment."""
    if name in LOAD_PROFILES:
        return LOAD_PROFILES[name]
    match = _AD_HOC.match(name)
    if match is None:
        raise ConfigError(
            f"unknown load profile {name!r}; known: {', '.join(LOAD_PROFILES)}, "
            "or <users>u<seconds>s[<processes>p] such as 10u30s"
        )
    users = int(match["users"])
    return LoadProfile(
        name,
        users=users,
        spawn_rate=users,
        duration_s=int(match["seconds"]),
        processes=int(match["processes"] or 1),
    )
