"""Baseline files: plain JSON a team commits beside its code, with where they came from.

A load baseline keeps every endpoint's latencies (the whole distribution, subsampled
evenly when huge), failures and duration, plus metadata: release, profile, when, target,
and the host it was measured on. Malformed or mismatched files are a
:class:`~postdeploy.errors.BaselineError` — the stage then cannot judge (INCONCLUSIVE).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from postdeploy.baseline.judge import EndpointSample
from postdeploy.errors import BaselineError

__all__ = ["LOAD_BASELINE_VERSION", "LoadBaseline", "read_load_baseline", "write_load_baseline"]

LOAD_BASELINE_VERSION = 1
MAX_SAMPLES_PER_ENDPOINT = 50_000


@dataclass(frozen=True, slots=True)
class LoadBaseline:
    release: str | None
    profile: str
    recorded_at: str
    target: str
    host: dict[str, Any]
    endpoints: dict[str, EndpointSample]


def write_load_baseline(
    path: Path,
    *,
    release: str | None,
    profile: str,
    target: str,
    endpoints: dict[str, EndpointSample],
) -> LoadBaseline:
    """Write a baseline atomically and return it."""
    baseline = LoadBaseline(
        release=release,
        profile=profile,
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        target=target,
        host={"cpus": os.cpu_count(), "platform": platform.platform(),
              "python": platform.python_version()},
        endpoints=endpoints,
    )  # fmt: skip
    document = {
        "kind": "postdeploy-load-baseline",
        "version": LOAD_BASELINE_VERSION,
        "release": baseline.release,
        "profile": baseline.profile,
        "recorded_at": baseline.recorded_at,
        "target": baseline.target,
        "host": baseline.host,
        "endpoints": {
            name: {
                "latencies_ms": [round(v, 3) for v in _even_subsample(sample.latencies_ms)],
                "failures": sample.failures,
                "duration_s": sample.duration_s,
            }
            for name, sample in endpoints.items()
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document), encoding="utf-8")
    partial.replace(path)
    return baseline


def read_load_baseline(path: Path, *, profile: str | None = None) -> LoadBaseline:
    """Read and validate a load baseline; ``profile`` must match when given."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"no load baseline at {path}: record one from the last good release with "
            "`postdeploy baseline record --stage load`"
        ) from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: not a readable JSON baseline: {exc}") from None
    try:
        if document.get("kind") != "postdeploy-load-baseline":
            raise BaselineError(f"{path}: not a load baseline (kind={document.get('kind')!r})")
        if document.get("version") != LOAD_BASELINE_VERSION:
            raise BaselineError(f"{path}: baseline version {document.get('version')!r} unknown")
        endpoints = {
            str(name): EndpointSample(
                tuple(float(v) for v in data["latencies_ms"]),
                int(data["failures"]),
                float(data["duration_s"]),
            )
            for name, data in document["endpoints"].items()
        }
        baseline = LoadBaseline(
            release=document.get("release"),
            profile=str(document["profile"]),
            recorded_at=str(document["recorded_at"]),
            target=str(document.get("target", "")),
            host=dict(document.get("host", {})),
            endpoints=endpoints,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BaselineError(
            f"{path}: malformed load baseline ({type(exc).__name__}: {exc})"
        ) from None
    if profile is not None and baseline.profile != profile:
        raise BaselineError(
            f"{path}: recorded with load profile {baseline.profile!r}, this run uses "
            f"{profile!r}: record a baseline with the same profile"
        )
    if not endpoints:
        raise BaselineError(f"{path}: the baseline has no endpoints")
    return baseline


def _even_subsample(values: Any) -> list[float]:
    values = list(values)
    if len(values) <= MAX_SAMPLES_PER_ENDPOINT:
        return values
    step = len(values) / MAX_SAMPLES_PER_ENDPOINT
    return [values[int(i * step)] for i in range(MAX_SAMPLES_PER_ENDPOINT)]
