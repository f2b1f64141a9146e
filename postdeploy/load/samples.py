"""Read the locustfile's per-request samples while Locust is still writing them.

Each Locust process appends lines ``name, ms, failed, side, time`` to its own
``samples-<pid>.tsv`` (flushed every half second) and, when it quits, writes
``meta-<pid>.json`` (its CPU use, and whether Locust warned that it was above 90 %).
:class:`SampleStream` remembers how far it read each file, so a round only parses the new
lines; a line still being written (no newline yet) waits for the next read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from postdeploy.baseline.judge import EndpointSample
from postdeploy.baseline.pairing import RequestSeries

__all__ = ["GeneratorUsage", "SampleStream", "as_sample"]


@dataclass(frozen=True, slots=True)
class GeneratorUsage:
    """How hard the load generator itself worked (from Locust's own usage monitor)."""

    cpu_warning: bool = False
    cpu_percent_mean: float | None = None
    cpu_percent_max: float | None = None
    processes: int = 0


class SampleStream:
    """Incremental reader of one samples directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._offsets: dict[Path, int] = {}
        self._rows: dict[tuple[str, str], list[tuple[float, float, bool]]] = defaultdict(list)
        self._untimed = 0  # lines written before samples carried a time keep their order

    def read_new(self) -> int:
        """Parse the lines appended since the last call; return how many."""
        count = 0
        for path in sorted(self.directory.glob("samples-*.tsv")):
            offset = self._offsets.get(path, 0)
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            end = chunk.rfind(b"\n") + 1
            if end == 0:
                continue
            self._offsets[path] = offset + end
            for raw in chunk[:end].decode("utf-8", errors="replace").splitlines():
                if self._parse(raw):
                    count += 1
        return count

    def _parse(self, line: str) -> bool:
        fields = line.split("\t")
        if len(fields) < 3:
            return False
        name, value, failed = fields[0], fields[1], fields[2]
        side = fields[3] if len(fields) > 3 and fields[3] else "candidate"
        try:
            ms = float(value)
            if len(fields) > 4 and fields[4]:
                at = float(fields[4])
            else:
                at = float(self._untimed)
                self._untimed += 1
        except ValueError:
            return False
        self._rows[side, name].append((at, ms, failed == "1"))
        return True

    def series(self) -> dict[str, dict[str, RequestSeries]]:
        """side → endpoint → its requests so far, in completion order."""
        out: dict[str, dict[str, RequestSeries]] = defaultdict(dict)
        for (side, name), rows in sorted(self._rows.items()):
            times, values, failed = zip(*rows, strict=True)
            out[side][name] = RequestSeries.of(times, values, failed)
        return dict(out)

    def samples(self, duration_s: float) -> dict[str, dict[str, EndpointSample]]:
        """side → endpoint → latencies of the successes and the failure count (what the
        fixed judge and the summaries use)."""
        out: dict[str, dict[str, EndpointSample]] = defaultdict(dict)
        for side, endpoints in self.series().items():
            for name, series in endpoints.items():
                out[side][name] = as_sample(series, duration_s)
        return dict(out)

    def usage(self) -> GeneratorUsage:
        """What the Locust processes reported when they quit (empty while they run)."""
        metas = []
        for path in sorted(self.directory.glob("meta-*.json")):
            try:
                metas.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        if not metas:
            return GeneratorUsage()
        means = [m["cpu_percent_mean"] for m in metas if m.get("cpu_percent_mean") is not None]
        peaks = [m["cpu_percent_max"] for m in metas if m.get("cpu_percent_max") is not None]
        return GeneratorUsage(
            cpu_warning=any(bool(m.get("cpu_warning")) for m in metas),
            cpu_percent_mean=max(means) if means else None,
            cpu_percent_max=max(peaks) if peaks else None,
            processes=len(metas),
        )


def as_sample(series: RequestSeries, duration_s: float) -> EndpointSample:
    """A series as the fixed judge sees it: successes' latencies, failures, duration."""
    ok = ~series.failed
    return EndpointSample(
        tuple(float(v) for v in series.latencies_ms[ok]),
        int(np.count_nonzero(series.failed)),
        duration_s,
    )
