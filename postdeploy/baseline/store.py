"""Baseline files: plain JSON a team commits beside its code, with where they came from.

A load baseline keeps every endpoint's latencies (the whole distribution, subsampled
evenly when huge), failures and duration, plus metadata: release, profile, when, target,
and the host it was measured on. Malformed or mismatched files are a
:class:`~postdeploy.errors.BaselineError` — the stage then cannot judge (INCONCLUSIVE).

Version 2 (issue 23) adds what the sequential judge pairs with: every request in
completion order (seconds since the run's start, latency, failed), and the measuring
conditions (:mod:`postdeploy.baseline.conditions`). Version 1 files still serve the fixed
judge; the sequential judge asks for a new recording.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from postdeploy.baseline.conditions import MeasuringConditions
from postdeploy.baseline.document import read_baseline_document, write_baseline_document
from postdeploy.baseline.judge import EndpointSample
from postdeploy.baseline.pairing import RequestSeries
from postdeploy.errors import BaselineError

__all__ = ["LOAD_BASELINE_VERSION", "LoadBaseline", "read_load_baseline", "write_load_baseline"]

LOAD_BASELINE_KIND = "postdeploy-load-baseline"
LOAD_BASELINE_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_SAMPLES_PER_ENDPOINT = 50_000


@dataclass(frozen=True, slots=True)
class LoadBaseline:
    release: str | None
    profile: str
    recorded_at: str
    target: str
    host: dict[str, Any]
    endpoints: dict[str, EndpointSample]
    series: dict[str, RequestSeries] = field(default_factory=dict)  # empty in version 1
    conditions: MeasuringConditions | None = None
    version: int = LOAD_BASELINE_VERSION
    arrival_rate: float | None = None  # open loop (requests/s per side); None: closed loop


def write_load_baseline(
    path: Path,
    *,
    release: str | None,
    profile: str,
    target: str,
    endpoints: dict[str, EndpointSample],
    series: dict[str, RequestSeries] | None = None,
    conditions: MeasuringConditions | None = None,
    arrival_rate: float | None = None,
) -> LoadBaseline:
    """Write a baseline atomically and return it. ``series``: every request per endpoint
    (times in any origin: stored relative to the first request of the run)."""
    series = series or {}
    origin = min((float(s.times_s[0]) for s in series.values() if len(s)), default=0.0)
    baseline = LoadBaseline(
        release=release,
        profile=profile,
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        target=target,
        host={"cpus": os.cpu_count(), "platform": platform.platform(),
              "python": platform.python_version()},
        endpoints=endpoints,
        series=series,
        conditions=conditions,
        arrival_rate=arrival_rate,
    )  # fmt: skip
    document = {
        "kind": LOAD_BASELINE_KIND,
        "version": LOAD_BASELINE_VERSION,
        "release": baseline.release,
        "profile": baseline.profile,
        "recorded_at": baseline.recorded_at,
        "target": baseline.target,
        "host": baseline.host,
        "conditions": conditions.to_dict() if conditions else None,
        "arrival_rate": arrival_rate,
        "endpoints": {
            name: {
                "latencies_ms": [round(v, 3) for v in _even_subsample(sample.latencies_ms)],
                "failures": sample.failures,
                "duration_s": sample.duration_s,
                **({"requests": _requests(series[name], origin)} if name in series else {}),
            }
            for name, sample in endpoints.items()
        },
    }
    write_baseline_document(path, json.dumps(document))
    return baseline


def read_load_baseline(path: Path, *, profile: str | None = None) -> LoadBaseline:
    """Read and validate a load baseline; ``profile`` must match when given."""
    document = read_baseline_document(
        path, kind=LOAD_BASELINE_KIND, versions=READABLE_VERSIONS, what="load baseline",
        stage="load",
    )  # fmt: skip
    try:
        endpoints = {
            str(name): EndpointSample(
                tuple(float(v) for v in data["latencies_ms"]),
                int(data["failures"]),
                float(data["duration_s"]),
            )
            for name, data in document["endpoints"].items()
        }
        series = {
            str(name): _series(data["requests"])
            for name, data in document["endpoints"].items()
            if "requests" in data
        }
        baseline = LoadBaseline(
            release=document.get("release"),
            profile=str(document["profile"]),
            recorded_at=str(document["recorded_at"]),
            target=str(document.get("target", "")),
            host=dict(document.get("host", {})),
            endpoints=endpoints,
            series=series,
            conditions=MeasuringConditions.from_dict(document.get("conditions")),
            version=int(document["version"]),
            arrival_rate=(
                None if document.get("arrival_rate") is None else float(document["arrival_rate"])
            ),
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


def _requests(series: RequestSeries, origin: float) -> dict[str, list]:
    """Every request in completion order (the first ``MAX_SAMPLES_PER_ENDPOINT``: the
    sequential judge pairs a run's i-th request with the recording's i-th)."""
    n = min(len(series), MAX_SAMPLES_PER_ENDPOINT)
    return {
        "offset_s": [round(float(t) - origin, 3) for t in series.times_s[:n]],
        "ms": [round(float(v), 3) for v in series.latencies_ms[:n]],
        "failed": [int(f) for f in series.failed[:n]],
    }


def _series(data: dict[str, list]) -> RequestSeries:
    times, values, failed = data["offset_s"], data["ms"], data["failed"]
    if not len(times) == len(values) == len(failed):
        raise ValueError("requests: offset_s, ms and failed differ in length")
    return RequestSeries.of(
        np.asarray(times, dtype=float), np.asarray(values, dtype=float),
        np.asarray(failed, dtype=bool),
    )  # fmt: skip


def _even_subsample(values: Any) -> list[float]:
    values = list(values)
    if len(values) <= MAX_SAMPLES_PER_ENDPOINT:
        return values
    step = len(values) / MAX_SAMPLES_PER_ENDPOINT
    return [values[int(i * step)] for i in range(MAX_SAMPLES_PER_ENDPOINT)]
