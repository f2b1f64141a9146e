"""Run chosen checks of a suite against a server, as ``postdeploy verify`` runs a stage.

Shared by the proofs that every functional check fails on its fault: running only the
checks a case names keeps each proof to seconds instead of a whole suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_checks(
    env: dict[str, str],
    results: Path,
    marker: str,
    *node_ids: str,
    stage: str = "proof",
    options: tuple[str, ...] = (),
) -> dict:
    """Run ``node_ids`` (relative to the repository) with ``-m marker`` and pytest
    ``options``; the stage result."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *(str(REPO / node) for node in node_ids),
            "-m",
            marker,
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(REPO),
            "--postdeploy-stage",
            stage,
            "--postdeploy-results",
            str(results),
            *options,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert results.exists(), completed.stdout[-2000:] + completed.stderr[-2000:]
    return json.loads(results.read_text())
