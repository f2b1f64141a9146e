"""A/A calibration: measure the same release twice and let the noise set the tolerances.

Thresholds guessed at a desk either block good releases (too tight for this machine's
noise) or pass bad ones (too loose). Here the judge's effect sizes are measured between
two runs of the *same* release; the proposed tolerance is the worst observed A/A effect
times a safety margin, never below the defaults' floor.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from postdeploy.baseline.judge import EndpointSample, Tolerances
from postdeploy.errors import BaselineError

__all__ = ["SAFETY_MARGIN", "propose_tolerances", "read_tolerances", "write_tolerances"]

SAFETY_MARGIN = 1.5
FLOOR = Tolerances(median_ratio=1.10, tail_ratio=1.25, error_rate_delta=0.005)


def propose_tolerances(
    first: Mapping[str, EndpointSample],
    second: Mapping[str, EndpointSample],
    *,
    base: Tolerances | None = None,
    min_samples: int = 30,
) -> tuple[Tolerances, dict[str, dict[str, float]]]:
    """Tolerances from two runs of one release, and the per-endpoint A/A effects seen."""
    base = base or Tolerances()
    observed: dict[str, dict[str, float]] = {}
    for name in sorted(set(first) & set(second)):
        a = np.asarray(first[name].latencies_ms, dtype=float)
        b = np.asarray(second[name].latencies_ms, dtype=float)
        if len(a) < min_samples or len(b) < min_samples:
            continue
        median = float(np.median(b) / np.median(a))
        tail = float(np.quantile(b, base.tail_quantile) / np.quantile(a, base.tail_quantile))
        errors = abs(
            first[name].failures / max(1, first[name].requests)
            - second[name].failures / max(1, second[name].requests)
        )
        # symmetric: an A/A run can drift either way
        observed[name] = {
            "median_ratio": max(median, 1 / median),
            "tail_ratio": max(tail, 1 / tail),
            "error_rate_delta": errors,
        }
    if not observed:
        raise BaselineError("calibration: no endpoint had enough samples in both runs")
    worst = {key: max(values[key] for values in observed.values()) for key in
             ("median_ratio", "tail_ratio", "error_rate_delta")}  # fmt: skip
    proposed = replace(
        base,
        median_ratio=_widened(worst["median_ratio"], FLOOR.median_ratio),
        tail_ratio=_widened(worst["tail_ratio"], FLOOR.tail_ratio),
        error_rate_delta=round(
            max(FLOOR.error_rate_delta, worst["error_rate_delta"] * SAFETY_MARGIN), 4
        ),
        source=(
            f"calibrated by an A/A run on {platform.node() or 'this host'} at "
            f"{datetime.now(UTC).isoformat(timespec='minutes')} over {len(observed)} endpoints"
        ),
    )  # fmt: skip
    return proposed, observed


def _widened(observed_ratio: float, floor: float) -> float:
    """The A/A effect stretched by the safety margin, never below the floor."""
    return round(max(floor, 1 + (observed_ratio - 1) * SAFETY_MARGIN), 3)


def write_tolerances(path: Path, tolerances: Tolerances, observed: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"tolerances": asdict(tolerances), "observed_aa_effects": observed}, indent=2),
        encoding="utf-8",
    )


def read_tolerances(path: Path) -> Tolerances | None:
    """Tolerances from a calibration file, ``None`` when there is none."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["tolerances"]
        return Tolerances(**data)
    except (ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: malformed tolerances file ({exc})") from None
