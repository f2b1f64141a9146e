"""Contract baselines: the OpenAPI document of a known-good release and its recorded
example exchanges, in one JSON file (``baselines/contract.json``).

Where the contract stage finds it:

* ``contract.json`` in the run's baseline folder (``Config.baseline_dir``:
  ``POSTDEPLOY_BASELINE_DIR``, ``[run] baseline_dir``, default ``./baselines``), recorded
  from the last good release with ``postdeploy baseline record --stage contracts``;
* for the embedded reference target only, when that file is absent: the frozen legacy
  contract shipped in this repository (``baselines/contract.json`` beside the code), which is
  what the reference release promises — a test keeps it equal to what the clean reference
  serves. A real target without a baseline is an error (the stage is INCONCLUSIVE): there is
  nothing honest to compare it with.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from postdeploy.baseline.document import read_baseline_document, write_baseline_document
from postdeploy.contract.load import Spec, SpecError, parse_spec
from postdeploy.errors import BaselineError

__all__ = [
    "BASELINE_KIND",
    "REFERENCE_BASELINE",
    "ContractBaseline",
    "baseline_file",
    "read_contract_baseline",
    "write_contract_baseline",
]

BASELINE_KIND = "postdeploy-contract-baseline"
VERSION = 1
REFERENCE_BASELINE = Path(__file__).resolve().parents[2] / "baselines" / "contract.json"


@dataclass(frozen=True, slots=True)
class ContractBaseline:
    spec: Spec
    examples: dict[str, dict[str, Any]]  # name → recorded exchange
    release: str | None
    recorded_at: str
    source: str  # the file


def baseline_file(baseline_dir: Path, *, embedded: bool) -> Path:
    """The configured baseline; for the embedded target, the shipped one as a fallback."""
    configured = baseline_dir / "contract.json"
    if configured.exists() or not embedded:
        return configured
    return REFERENCE_BASELINE


def write_contract_baseline(
    path: Path, *, openapi: dict[str, Any], examples: dict[str, dict[str, Any]],
    release: str | None, target: str,
) -> None:  # fmt: skip
    """Write atomically, with the metadata a reviewer needs (release, when, from where)."""
    document = {
        "kind": BASELINE_KIND,
        "version": VERSION,
        "release": release,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "host": socket.gethostname(),
        "openapi": openapi,
        "examples": examples,
    }
    write_baseline_document(path, json.dumps(document, indent=1, sort_keys=True) + "\n")


def read_contract_baseline(path: Path) -> ContractBaseline:
    """Read and check a baseline; anything missing or malformed is a :class:`BaselineError`."""
    document = read_baseline_document(
        path, kind=BASELINE_KIND, versions=(VERSION,), what="contract baseline",
        stage="contracts",
    )  # fmt: skip
    examples = document.get("examples")
    if not isinstance(examples, dict) or not isinstance(document.get("openapi"), dict):
        raise BaselineError(f"{path}: malformed contract baseline (openapi, examples)")
    try:
        spec = parse_spec(json.dumps(document["openapi"]), f"{path} (openapi)")
    except SpecError as exc:
        raise BaselineError(str(exc)) from None
    return ContractBaseline(
        spec, examples, document.get("release"), str(document.get("recorded_at")), str(path)
    )
