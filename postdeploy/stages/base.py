"""The Stage protocol: one kind of verification, run against a started target.

A stage returns a :class:`StageResult` — findings are data. It raises
:class:`~postdeploy.errors.PostdeployError` only when it could not run; the runner turns
that into an ERROR result, which the gate treats as INCONCLUSIVE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from postdeploy.config import LoadSettings, ScanSettings, TargetSettings, ZapSettings
from postdeploy.findings import StageResult

__all__ = ["Stage", "StageContext"]


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage may use: the live target, the run's id and its output directory."""

    target: TargetSettings
    run_id: str
    run_dir: Path
    config_file: Path | None = None
    embedded: bool = False
    zap: ZapSettings = field(default_factory=ZapSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    load: LoadSettings = field(default_factory=LoadSettings)

    def stage_dir(self, name: str) -> Path:
        """The stage's own artifact directory inside the run directory."""
        path = self.run_dir / "stages" / name
        path.mkdir(parents=True, exist_ok=True)
        return path


class Stage(Protocol):
    """One kind of verification (smoke, integration, load, …).

    ``name``: how ``--stages``, the reports and the gate's ``expected`` list call it.
    ``exclusive``: run alone, after the stages that share the machine — for a stage that
    measures (load, production metrics), where the others' traffic would be read as the
    release's. ``run`` returns findings as data and raises
    :class:`~postdeploy.errors.PostdeployError` only when it could not check at all.
    """

    @property
    def name(self) -> str: ...

    @property
    def exclusive(self) -> bool: ...

    def run(self, context: StageContext) -> StageResult: ...
