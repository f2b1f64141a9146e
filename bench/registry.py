"""The benchmarks of issue 21 §1, in the issue's order."""

from __future__ import annotations

from bench import pipelines, smoke, snapshot_growth, watch_cost
from bench.core import Benchmark

BENCHMARKS: list[Benchmark] = [
    *smoke.BENCHMARKS,  # 1, 2
    *pipelines.BENCHMARKS,  # 3, 4
    *snapshot_growth.BENCHMARKS,  # 5
    *watch_cost.BENCHMARKS,  # 6
    pipelines.MAKE_TEST,  # 7
]
