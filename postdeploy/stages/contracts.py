"""The contract stage: the contract suite, against the last good release's contract.

On a real target the baseline is the one recorded from the last good release
(``postdeploy baseline record --stage contracts``). On the embedded target it used to be the
frozen contract shipped beside the code — that is, in the working tree, where a release
that changes its API can change the frozen file with it and be judged against itself
(issue 22 §2). Now, unless a baseline recorded by the user is configured, the stage starts
the pinned previous release (``releases/``, :mod:`postdeploy.target.previous_release`),
records its contract and examples exactly as ``baseline record`` would, stops it, and runs
the suite against that recording. No previous release: the stage is an ERROR naming what
is missing, never a comparison with the release itself.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from postdeploy.contract.baseline import REFERENCE_BASELINE
from postdeploy.contract.record import record_contract
from postdeploy.errors import PostdeployError
from postdeploy.findings import StageResult, StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.stages.pytest_stage import PytestStage
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.previous_release import PREVIOUS_RELEASE, read_previous_release, unpacked

__all__ = ["ContractStage"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ContractStage:
    """``suites/contracts -m contract``, with the previous release's recording on the
    embedded target."""

    name: str = "contracts"
    suite: PytestStage = field(
        default_factory=lambda: PytestStage(
            name="contracts", marker="contract", paths=("suites/contracts",)
        )
    )
    previous_release: Path | None = None  # None: releases/previous.json
    exclusive: bool = False  # runs beside the other stages

    def run(self, context: StageContext) -> StageResult:
        if not context.embedded or _user_recorded(context.baseline_dir):
            return self.suite.run(_judged_with(context, context.baseline_dir))
        started = time.monotonic()
        recorded = context.stage_dir(self.name) / "previous-release"
        try:
            release = self._record_previous_release(context, recorded)
        except PostdeployError as exc:
            return StageResult(
                name=self.name,
                status=StageStatus.ERROR,
                duration_s=time.monotonic() - started,
                reason=f"cannot record the previous release's contract: {exc}",
            )
        result = self.suite.run(_judged_with(context, recorded))
        log.info("contracts: judged against the previous release, %s", release)
        # the recording itself is the evidence of what the release was compared with
        evidence = (recorded / "contract.json", recorded / "previous-release.log")
        return replace(
            result,
            duration_s=time.monotonic() - started,
            artifacts=(
                *(str(path.relative_to(context.run_dir)) for path in evidence if path.is_file()),
                *result.artifacts,
            ),
        )

    def _record_previous_release(self, context: StageContext, folder: Path) -> str:
        """Start the pinned previous release, record its contract into ``folder``, stop it."""
        previous = read_previous_release(self.previous_release or PREVIOUS_RELEASE)
        https = (context.target.url or "").startswith("https://")
        with (
            unpacked(previous) as code,
            EmbeddedUnimedia(
                faults="", log_path=folder / "previous-release.log",
                environment=context.environment, code=code, https=https,
            ) as server,
        ):  # fmt: skip
            record_contract(server, folder / "contract.json")
        return previous.describe()


def _judged_with(context: StageContext, baseline_dir: Path) -> StageContext:
    """The context whose child reads its contract from ``baseline_dir``: the suite's
    configuration takes the baseline folder from its environment, so it is said there."""
    folder = str(baseline_dir.resolve())
    return replace(context, environment={**context.environment, "POSTDEPLOY_BASELINE_DIR": folder})


def _user_recorded(baseline_dir: Path) -> bool:
    """A contract recorded by the user is configured (not the frozen one shipped here)."""
    configured = baseline_dir / "contract.json"
    return configured.is_file() and configured.resolve() != REFERENCE_BASELINE.resolve()
