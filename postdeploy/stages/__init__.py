"""The stage registry and the profiles that select from it.

Adding a stage means adding it to ``REGISTRY``; the ``full`` profile runs every registered
stage, so a new stage is part of ``postdeploy verify --profile full`` at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from postdeploy.errors import ConfigError
from postdeploy.stages.base import Stage, StageContext
from postdeploy.stages.data_stage import DataStage
from postdeploy.stages.load_stage import LoadStage
from postdeploy.stages.monitoring_stage import MonitoringStage
from postdeploy.stages.pytest_stage import PytestStage
from postdeploy.stages.security import SecurityStage

__all__ = ["PROFILES", "REGISTRY", "Stage", "StageContext", "select_stages"]

# The names the design reserves; only registered ones can run.
KNOWN_STAGE_NAMES = (
    "smoke", "integration", "contracts", "data", "e2e", "load", "security", "monitoring",
)  # fmt: skip

REGISTRY: tuple[Stage, ...] = (
    PytestStage(name="smoke", marker="smoke", paths=("suites",), timeout_s=60.0),
    SecurityStage(),
    # One Chromium per xdist worker, as many workers as the reference machine's cores.
    PytestStage(name="e2e", marker="e2e", paths=("e2e",), timeout_s=180.0, workers=2),
    MonitoringStage(),
    PytestStage(name="integration", marker="integration", paths=("suites/integration",), workers=2),
    PytestStage(name="contracts", marker="contract", paths=("suites/contracts",)),
    DataStage(),
    LoadStage(),
)

PROFILES: dict[str, tuple[str, ...]] = {
    "smoke": ("smoke",),
    "full": tuple(stage.name for stage in REGISTRY),
}


def select_stages(profile: str, names: Sequence[str] | None = None) -> tuple[Stage, ...]:
    """The stages to run: the named ones if given, else the profile's."""
    if profile not in PROFILES:
        raise ConfigError(
            f"unknown profile {profile!r}; known profiles: {', '.join(sorted(PROFILES))}"
        )
    by_name = {stage.name: stage for stage in REGISTRY}
    wanted = tuple(names) if names else PROFILES[profile]
    for name in wanted:
        if name not in by_name:
            if name in KNOWN_STAGE_NAMES:
                raise ConfigError(
                    f"stage {name!r} is not available in this version; available: "
                    f"{', '.join(by_name)}"
                )
            raise ConfigError(f"unknown stage {name!r}; available: {', '.join(by_name)}")
    return tuple(by_name[name] for name in dict.fromkeys(wanted))
