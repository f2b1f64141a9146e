"""Rollback verification: after a rollback, is the previous release back, whole?

``postdeploy verify --rollback-of VERSION`` runs the ``rollback`` profile: this package's
:class:`RollbackStage` (the previous release is live, not VERSION; the contract baseline is
the previous release's; on the embedded target, the downgrade migration gives back every
record) beside smoke, integration, contracts and data (the live data against the
pre-deploy snapshot). The deployment plan's "Rollback Verification": integrity, critical
functionality, data consistency.
"""

from __future__ import annotations

from postdeploy.rollback.rehearsal import rehearse_rollback
from postdeploy.rollback.stage import ROLLBACK_STAGE_NAME, RollbackStage

__all__ = ["ROLLBACK_STAGE_NAME", "RollbackStage", "rehearse_rollback"]
