"""The vulnerability scan of the security stage: one protocol, two scanners, one choice.

Which runs: **ZAP** when a ZAP address is configured (``target.zap_url``); else **Wapiti**
when it is installed (and not switched off with ``scan.wapiti = false``); else none, and
the scan is a skipped check ``scan`` with the reason — the gate policy
(``gate.require_scan``) decides what that means. The ZAP path is :class:`ZapStage`,
unchanged; Wapiti's is :class:`WapitiStage`. Both return the stage's findings and checks
(``zap:scan`` / ``wapiti:scan`` and one check per rule that fired).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from postdeploy.config import SCAN_CHECK
from postdeploy.findings import CheckOutcome, CheckResult, StageResult, StageStatus
from postdeploy.scan.install import HOW_TO_INSTALL, find_wapiti
from postdeploy.stages.base import StageContext
from postdeploy.stages.wapiti import WapitiStage
from postdeploy.stages.zap import ZapStage

__all__ = ["ScanChoice", "ScanPart", "Scanner", "choose_scanner"]


class Scanner(Protocol):
    """A vulnerability scanner of the target: ``label`` names it in the stage's reasons."""

    @property
    def label(self) -> str: ...

    def run(self, context: StageContext) -> StageResult: ...


@dataclass(frozen=True, slots=True)
class ScanChoice:
    """The scanner that runs (``None``: none can), and why — shown in the scan's notes."""

    scanner: Scanner | None
    why: str

    @property
    def label(self) -> str:
        return self.scanner.label if self.scanner is not None else "scan"


@dataclass(frozen=True, slots=True)
class _Zap:
    """ZAP as a :class:`Scanner` (``ZapStage`` itself is left as it was)."""

    stage: ZapStage = field(default_factory=ZapStage)
    label: str = "ZAP"

    def run(self, context: StageContext) -> StageResult:
        return self.stage.run(context)


def choose_scanner(
    context: StageContext, *, zap: ZapStage | None = None, wapiti: WapitiStage | None = None
) -> ScanChoice:
    """ZAP if configured, else Wapiti if installed, else none (with the reason)."""
    if context.target.zap_url:
        return ScanChoice(_Zap(zap or ZapStage()), f"ZAP at {context.target.zap_url}")
    no_zap = "no ZAP configured (set POSTDEPLOY_ZAP_URL, or target.zap_url)"
    if not context.scan.wapiti:
        return ScanChoice(None, f"{no_zap} and Wapiti is switched off (scan.wapiti = false)")
    executable = find_wapiti(context.scan.wapiti_path)
    if executable is None:
        return ScanChoice(None, f"{no_zap} and Wapiti is not installed: {HOW_TO_INSTALL}")
    return ScanChoice(wapiti or WapitiStage(), f"Wapiti at {executable} ({no_zap})")


@dataclass(frozen=True, slots=True)
class ScanPart:
    """The scan part of the security stage: whichever scanner :func:`choose_scanner` picks."""

    name: str = "security"
    zap: ZapStage = field(default_factory=ZapStage)
    wapiti: WapitiStage = field(default_factory=WapitiStage)

    def choose(self, context: StageContext) -> ScanChoice:
        return choose_scanner(context, zap=self.zap, wapiti=self.wapiti)

    def run(self, context: StageContext) -> StageResult:
        choice = self.choose(context)
        if choice.scanner is None:
            return StageResult(
                self.name,
                StageStatus.SKIPPED,
                reason=choice.why,
                checks=(CheckResult(SCAN_CHECK, CheckOutcome.SKIPPED, message=choice.why),),
            )
        return choice.scanner.run(context)
