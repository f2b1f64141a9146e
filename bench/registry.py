"""The benchmarks of issue 21 §1, in the issue's order."""

from __future__ import annotations

from bench import smoke, snapshot_growth
from bench.core import Benchmark

BENCHMARKS: list[Benchmark] = [*smoke.BENCHMARKS, *snapshot_growth.BENCHMARKS]
