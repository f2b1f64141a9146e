"""Which stages exist, which a profile runs, and how a third party adds one.

The built-in stages are one explicit list (:data:`BUILTIN_STAGES`). Others come in two
ways, as pytest's own plugins do:

* an installed package declares an entry point in the ``postdeploy.stages`` group whose
  object is a :class:`~postdeploy.stages.base.Stage` (or a callable returning one)::

      [project.entry-points."postdeploy.stages"]
      backup = "mycompany_checks.backup:BackupStage"

* a program calls ``postdeploy.run(config, stages=[MyStage()])``.

Either way the stage is part of the ``full`` profile and can be named in ``--stages``.
See ``docs/extending.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points

from postdeploy.errors import ConfigError
from postdeploy.stages.base import Stage
from postdeploy.stages.contracts import ContractStage
from postdeploy.stages.data import DataStage
from postdeploy.stages.load import LoadStage
from postdeploy.stages.monitoring import MonitoringStage
from postdeploy.stages.pytest_stage import PytestStage
from postdeploy.stages.security import SecurityStage

__all__ = [
    "BUILTIN_STAGES",
    "ENTRY_POINT_GROUP",
    "KNOWN_STAGE_NAMES",
    "PROFILES",
    "SMOKE_STAGE",
    "plugin_stages",
    "profile_stage_names",
    "select_stages",
]

ENTRY_POINT_GROUP = "postdeploy.stages"

# The names the design reserves; only registered ones can run.
KNOWN_STAGE_NAMES = (
    "smoke", "integration", "contracts", "data", "e2e", "load", "security", "monitoring",
    "rollback",
)  # fmt: skip

#: The smoke suite, as ``verify`` runs it and as the watch reruns it. It answers in seconds;
#: the limit is for a hung suite, and generous because a shared CI runner can be ten times
#: slower than a quiet machine (a limit hit on a busy machine makes a clean release
#: INCONCLUSIVE, for a reason that is the machine's).
SMOKE_STAGE = PytestStage(name="smoke", marker="smoke", paths=("suites",), timeout_s=180.0)

BUILTIN_STAGES: tuple[Stage, ...] = (
    SMOKE_STAGE,
    SecurityStage(),
    # One Chromium per xdist worker, as many workers as the reference machine's cores.
    PytestStage(name="e2e", marker="e2e", paths=("e2e",), timeout_s=180.0, workers=2),
    MonitoringStage(),
    PytestStage(name="integration", marker="integration", paths=("suites/integration",), workers=2),
    ContractStage(),
    DataStage(),
    LoadStage(),
)

#: The built-in profiles over the built-in stages; ``full`` also takes every plugin stage.
PROFILES: dict[str, tuple[str, ...]] = {
    "smoke": ("smoke",),
    "full": tuple(stage.name for stage in BUILTIN_STAGES),
    # After a rollback (`verify --rollback-of VERSION`, which supplies the rollback stage):
    # the previous release is back, works, keeps its contract and its data.
    "rollback": ("rollback", "smoke", "integration", "contracts", "data"),
}


@functools.cache
def plugin_stages() -> tuple[Stage, ...]:
    """The stages installed packages declare in the ``postdeploy.stages`` entry-point group.

    Read once per process. A plugin that fails to load, or whose object is not a stage, is a
    configuration error naming the entry point — never a silently smaller verification.
    """
    stages = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            loaded = point.load()
            # a class or a factory function gives the stage; anything else is one
            factory = isinstance(loaded, type) or (callable(loaded) and not hasattr(loaded, "run"))
            stage = loaded() if factory else loaded
        except Exception as exc:
            raise ConfigError(
                f"stage plugin {point.name!r} ({point.value}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        stages.append(_checked(stage, f"stage plugin {point.name!r} ({point.value})"))
    return tuple(stages)


def _checked(stage: object, where: str) -> Stage:
    """``stage`` if it has what the runner uses: a name, ``exclusive`` and ``run``."""
    name = getattr(stage, "name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: a stage needs a non-empty string `name`")
    if not isinstance(getattr(stage, "exclusive", None), bool):
        raise ConfigError(f"{where}: stage {name!r} must declare `exclusive` (True or False)")
    if not callable(getattr(stage, "run", None)):
        raise ConfigError(f"{where}: stage {name!r} has no run(context) method")
    return stage  # type: ignore[return-value]  # checked structurally above


def _available(extra: Iterable[Stage]) -> dict[str, Stage]:
    """Every stage that can run, by name: built-ins, plugins, then ``extra``."""
    by_name: dict[str, Stage] = {}
    for stage in (*BUILTIN_STAGES, *plugin_stages(), *extra):
        if stage.name in by_name:
            raise ConfigError(f"two stages are named {stage.name!r}; stage names must be unique")
        by_name[stage.name] = stage
    return by_name


def profile_stage_names(profile: str, extra: Sequence[Stage] = ()) -> tuple[str, ...]:
    """The stage names ``profile`` runs (``full``: every available stage)."""
    if profile not in PROFILES:
        raise ConfigError(
            f"unknown profile {profile!r}; known profiles: {', '.join(sorted(PROFILES))}"
        )
    if profile == "full":
        return tuple(_available(extra))
    return PROFILES[profile]


def select_stages(
    profile: str, names: Sequence[str] | None = None, *, extra: Sequence[Stage] = ()
) -> tuple[Stage, ...]:
    """The stages to run: the named ones if given, else the profile's."""
    for stage in extra:
        _checked(stage, "run(stages=…)")
    in_profile = profile_stage_names(profile, extra)  # an unknown profile: one-line error
    wanted = tuple(names) if names else in_profile
    by_name = _available(extra)
    for name in wanted:
        if name not in by_name:
            if name in KNOWN_STAGE_NAMES:
                raise ConfigError(
                    f"stage {name!r} is not available in this version; available: "
                    f"{', '.join(by_name)}"
                )
            raise ConfigError(f"unknown stage {name!r}; available: {', '.join(by_name)}")
    return tuple(by_name[name] for name in dict.fromkeys(wanted))
