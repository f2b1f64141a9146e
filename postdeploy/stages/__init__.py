"""Stages: one kind of verification each, behind the :class:`Stage` protocol.

``base`` holds the protocol and the context a stage runs with, ``registry`` the built-in
list, the profiles and the entry-point group third-party stages register in; one module
per built-in stage beside them.
"""

from __future__ import annotations

from postdeploy.stages.base import Stage, StageContext
from postdeploy.stages.registry import (
    BUILTIN_STAGES,
    ENTRY_POINT_GROUP,
    PROFILES,
    SMOKE_STAGE,
    plugin_stages,
    profile_stage_names,
    select_stages,
)

__all__ = [
    "BUILTIN_STAGES",
    "ENTRY_POINT_GROUP",
    "PROFILES",
    "SMOKE_STAGE",
    "Stage",
    "StageContext",
    "plugin_stages",
    "profile_stage_names",
    "select_stages",
]
