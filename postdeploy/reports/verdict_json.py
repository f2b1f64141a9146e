"""``verdict.json``: the canonical, versioned result that pipelines parse.

The keys listed in ``verdict.schema.json`` are a promise: add, never rename or remove
without a new ``schema_version`` major.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from postdeploy.gate import SCHEMA_VERSION, Verdict

__all__ = ["SCHEMA_PATH", "verdict_to_dict", "write_verdict_json"]

SCHEMA_PATH = Path(__file__).with_name("verdict.schema.json")


def verdict_to_dict(verdict: Verdict, *, dry_run: bool = False) -> dict[str, Any]:
    """The JSON document of ``verdict`` (plain types only). ``dry_run``: ``decision`` is the
    would-be decision of a shadow run, which gated nothing."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": verdict.run_id,
        "decision": verdict.decision.value,
        "dry_run": dry_run,
        "profile": verdict.profile,
        "requested_stages": list(verdict.requested_stages),
        "policy": {
            "block_severity": verdict.block_severity.value,
            "accepted": list(verdict.accepted),
        },
        "started_at": verdict.started_at.isoformat(timespec="seconds"),
        "finished_at": verdict.finished_at.isoformat(timespec="seconds"),
        "duration_s": round(verdict.duration_s, 3),
        "error": verdict.error,
        "target": verdict.target.to_dict(),
        "triggers_fired": [trigger.value for trigger in verdict.triggers_fired],
        "reasons": [finding.to_dict() for finding in verdict.reasons],
        "stages": [
            {
                "name": stage.name,
                "status": stage.status.value,
                "duration_s": round(stage.duration_s, 3),
                "reason": stage.reason,
                "note": verdict.stage_note(stage),
                "started_at": stage.started_at,
                "checks": [check.to_dict() for check in stage.checks],
                "metrics": dict(stage.metrics),
                "artifacts": list(stage.artifacts),
                "charts": stage.charts.to_dict(),
            }
            for stage in verdict.stages
        ],
        "not_checked": [item.to_dict() for item in verdict.not_checked],
    }


def write_verdict_json(verdict: Verdict, path: Path, *, dry_run: bool = False) -> Path:
    """Write atomically: a pipeline polling for the file never reads half of it."""
    partial = path.with_suffix(".json.partial")
    document = verdict_to_dict(verdict, dry_run=dry_run)
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path
