"""What every benchmark hands back, and how a run is written down and printed.

A benchmark is a measurement, not a test: nothing here compares a figure with an aim and
fails. Each figure keeps its samples and is shown as min / median / max (these machines
are shared and noisy: one number would hide that), or as a ratio of two medians measured
side by side in the same run, so the noise of the hour cancels out as far as it can. The
machine's load average (``/proc/loadavg``, what ``uptime`` prints) is recorded before and
after each benchmark, so a reader can tell a slow figure from a busy machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCHEMA = "postdeploy-bench/1"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured quantity: every sample kept, summarised as min / median / max."""

    name: str
    unit: str
    samples: tuple[float, ...]
    #: what one sample is: a run, or a window of one run
    over: str = "runs"

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "runs": len(self.samples),
            "over": self.over,
            "min": round(min(self.samples), 4),
            "median": round(self.median, 4),
            "max": round(max(self.samples), 4),
            "samples": [round(s, 4) for s in self.samples],
        }


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator`` / ``denominator`` of two figures measured in the same run."""

    name: str
    numerator: str
    denominator: str
    value: float

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ratio": round(self.value, 4),
        }


def ratio_of(name: str, numerator: Figure, denominator: Figure) -> Ratio:
    return Ratio(name, numerator.name, denominator.name, numerator.median / denominator.median)


@dataclass(slots=True)
class Outcome:
    """What one benchmark measured: figures, ratios, and whatever a reader needs to judge them."""

    figures: list[Figure] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Options:
    """How hard to measure: ``quick`` is fewer runs and smaller sizes; ``runs`` overrides."""

    quick: bool
    runs: int | None
    work: Path

    def count(self, full: int, quick: int) -> int:
        return self.runs if self.runs is not None else (quick if self.quick else full)


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A named measurement of one promise of issue 21 §1, and the aim it is held against."""

    name: str
    title: str
    aim: str
    run: Callable[[Options], Outcome]
    #: minutes at full size: a slow one is left out of ``--quick`` unless named
    slow: bool = False


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def measure(benchmark: Benchmark, options: Options) -> dict[str, Any]:
    """Run one benchmark; a crash is recorded as an error, never as a figure."""
    load_before = load_average()
    started = time.perf_counter()
    entry: dict[str, Any] = {"title": benchmark.title, "aim": benchmark.aim}
    try:
        outcome = benchmark.run(options)
    except (Exception, subprocess.SubprocessError) as exc:  # noqa: BLE001 - recorded, shown
        entry |= {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    else:
        entry |= {
            "status": "measured",
            "figures": [f.as_json() for f in outcome.figures],
            "ratios": [r.as_json() for r in outcome.ratios],
            "details": outcome.details,
            "notes": outcome.notes,
        }
    entry["wall_s"] = round(time.perf_counter() - started, 2)
    entry["load_average"] = {"before": load_before, "after": load_average()}
    return entry


def skipped(benchmark: Benchmark, reason: str) -> dict[str, Any]:
    return {"title": benchmark.title, "aim": benchmark.aim, "status": "skipped", "reason": reason}


def header(quick: bool) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "benchmarks": {},
    }


def write(path: Path, run: dict[str, Any]) -> None:
    """Write the run; benchmarks of an earlier run of the same file that were not rerun stay."""
    merged = run
    if path.exists():
        earlier = json.loads(path.read_text())
        if earlier.get("schema") == SCHEMA:
            kept = {k: v for k, v in earlier["benchmarks"].items() if k not in run["benchmarks"]}
            for entry in kept.values():
                entry.setdefault("from_earlier_run", earlier.get("started_at"))
            merged = run | {"benchmarks": kept | run["benchmarks"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")


def table(run: dict[str, Any], order: Sequence[str]) -> str:
    """The run as a plain-text table: one line per figure or ratio, the load beside it."""
    lines = [f"postdeploy bench {run['started_at']} (commit {run['commit']}, "
             f"{'quick' if run['quick'] else 'full'}; load average 1/5/15 min)"]  # fmt: skip
    names = [n for n in order if n in run["benchmarks"]]
    for name in names:
        entry = run["benchmarks"][name]
        lines.append("")
        load = entry.get("load_average", {})
        lines.append(
            f"{name} — {entry['title']}  [aim: {entry['aim']}]"
            + (f"  load {_load(load.get('before'))} → {_load(load.get('after'))}" if load else "")
        )
        if entry["status"] == "skipped":
            lines.append(f"    skipped: {entry['reason']}")
            continue
        if entry["status"] == "error":
            lines.append(f"    ERROR: {entry['error']}")
            continue
        for figure in entry["figures"]:
            lines.append(f"    {figure['name']:<44} {_spread(figure)}")
        for ratio in entry["ratios"]:
            lines.append(
                f"    {ratio['name']:<44} {ratio['ratio']:.2f}x (median {ratio['numerator']} / "
                f"median {ratio['denominator']}, same run)"
            )
        lines += [f"    note: {note}" for note in entry.get("notes", [])]
    return "\n".join(lines)


def _spread(figure: dict[str, Any]) -> str:
    unit = figure["unit"]
    if figure["runs"] == 1:
        return f"{_num(figure['median'])} {unit} (1 run)"
    return (
        f"median {_num(figure['median'])} {unit}  (min {_num(figure['min'])}, "
        f"max {_num(figure['max'])}, {figure['runs']} {figure.get('over', 'runs')})"
    )


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _load(values: list[float] | None) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "?"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, fixed argv
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout.strip() or "unknown"
