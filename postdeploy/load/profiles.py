"""Load profiles: how many users, how fast they arrive, for how long. Always bounded."""

from __future__ import annotations

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
    # what `postdeploy verify --profile full` runs against the embedded reference service
    "quick": LoadProfile("quick", users=20, spawn_rate=20, duration_s=30),
    # a minute at a realistic concurrency: the default for real deployments
    "standard": LoadProfile("standard", users=50, spawn_rate=10, duration_s=60, processes=2),
    # the long run before a big release
    "soak": LoadProfile("soak", users=50, spawn_rate=5, duration_s=1800, processes=2),
}


def load_profile(name: str) -> LoadProfile:
    try:
        return LOAD_PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"unknown load profile {name!r}; known: {', '.join(LOAD_PROFILES)}"
        ) from None
