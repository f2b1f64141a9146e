"""The Stage protocol: one kind of verification, run against a started target.

A stage returns a :class:`StageResult` — findings are data. It raises
:class:`~postdeploy.errors.PostdeployError` only when it could not run; the runner turns
that into an ERROR result, which the gate treats as INCONCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from postdeploy.config import (
    Config,
    DataSettings,
    LoadSettings,
    MonitoringSettings,
    ScanSettings,
    TargetSettings,
    ZapSettings,
)
from postdeploy.findings import StageResult
from postdeploy.progress import Progress, no_progress

__all__ = ["Stage", "StageContext"]


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage may use: the live target, the run's id and output directory, and the
    settings of the run that concern stages (all resolved by :func:`~postdeploy.config.
    load_config`: a stage never reads the environment itself).

    ``target`` is the *live* target — for the embedded default, the started unimedia with
    its URL and passwords — not the configured one. ``environment`` is what child
    processes start from (see :mod:`postdeploy.target.child_env`). ``progress``: where the
    stage reports what it is doing (:mod:`postdeploy.progress`); never printed by a stage.
    """

    target: TargetSettings
    run_id: str
    run_dir: Path
    config_file: Path | None = None
    embedded: bool = False
    zap: ZapSettings = field(default_factory=ZapSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    load: LoadSettings = field(default_factory=LoadSettings)
    baseline_dir: Path = Path("baselines")
    data: DataSettings = field(default_factory=DataSettings)
    deployed_at: float | None = None
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    progress: Progress = field(default=no_progress, repr=False, compare=False)

    @classmethod
    def for_run(
        cls,
        config: Config,
        target: TargetSettings,
        run_id: str,
        run_dir: Path,
        *,
        progress: Progress = no_progress,
    ) -> StageContext:
        """The context of a run of ``config`` against its started ``target``."""
        return cls(
            target=target,
            run_id=run_id,
            run_dir=run_dir,
            config_file=config.config_file,
            embedded=config.target.embedded,
            zap=config.zap,
            scan=config.scan,
            load=config.load,
            baseline_dir=config.baseline_dir,
            data=config.data,
            deployed_at=config.deployed_at,
            environment=config.environment,
            monitoring=config.monitoring,
            progress=progress,
        )

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
