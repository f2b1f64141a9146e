"""Which slow tails does the quick profile catch? Replays of real clean runs, tails planted.

    .venv/bin/python scripts/tail_curve.py \
        /tmp/load-proof-*/reports-clean-*/*/stages/load/paired/samples

Each argument is the samples directory of a clean paired run of the quick profile (the
proof script leaves them behind). For every run and every (fraction, size) the candidate
side's requests are replayed with that fraction of them (seeded) taking that many
milliseconds longer, and judged twice:

* **sequential**: in 5 s rounds with the quick profile's stop rules (GO once the critical
  endpoints are decided and 30 s have passed; NO_GO at the first regression); caught when
  the run ends NO_GO;
* **fixed**: the fixed judge on the first 90 s (per-endpoint Mann-Whitney, tail
  exceedances and errors, Bonferroni); caught when any endpoint is ``high``.

Unimedia's ``slow_tail`` fault plants the same thing on the server (sizes fixed at 1.5 s);
this replay varies the size too. Prints the detection rate per cell. Not a test.

``--synthetic N`` replays N *modelled* clean runs instead (seeded): the locustfile's mix at
the rate the quick profile reaches on a quiet machine (about 48 requests/s a side),
lognormal latencies with a median of 15 ms and a log-spread of 0.4, as measured there.
A model, labelled as such wherever its figures are quoted; the replay of real runs is the
measurement.
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import Path

import numpy as np

from postdeploy.baseline.judge import Classification, Tolerances, judge_endpoint
from postdeploy.baseline.pairing import RequestSeries, pair_by_time
from postdeploy.baseline.sequential import judge_round
from postdeploy.load.profiles import load_profile
from postdeploy.load.samples import SampleStream, as_sample
from postdeploy.stages.load import CRITICAL_ENDPOINTS, NOT_JUDGED, NOT_THE_RELEASE

FRACTIONS = (0.002, 0.005, 0.01, 0.02)
SIZES_MS = (50.0, 150.0, 500.0, 1500.0)


def planted(series: RequestSeries, fraction: float, size_ms: float, seed: int) -> RequestSeries:
    rng = np.random.default_rng(seed)
    slow = rng.random(len(series)) < fraction
    return RequestSeries(series.times_s, series.latencies_ms + slow * size_ms, series.failed)


def _seed(run: int, name: str) -> int:
    return 1000 * run + zlib.crc32(name.encode()) % 997


def sides_of(directory: Path) -> dict:
    stream = SampleStream(directory)
    stream.read_new()
    return stream.series()


def sequential_caught(candidate: dict, reference: dict, start: float, tol: Tolerances) -> bool:
    profile = load_profile("quick")
    pairs = {
        name: pair_by_time(candidate[name], reference[name])
        for name in sorted(set(candidate) & set(reference))
        if name not in NOT_JUDGED
    }
    end = max(float(s.times_s[-1]) for s in candidate.values())
    cut_offs: list[float] = []
    at = start + profile.round_s
    while at <= end:
        judgement = judge_round(
            pairs, tol, at_s=at, round_starts=cut_offs, critical=CRITICAL_ENDPOINTS,
            control="GET /healthz [control]",
        )  # fmt: skip
        cut_offs.append(at)
        if judgement.regression:
            return True
        if judgement.critical_decided and at - start >= profile.shortest_s:
            return False
        at += profile.round_s
    return False


def fixed_caught(candidate: dict, reference: dict, start: float, tol: Tolerances) -> bool:
    cut = start + 90.0
    names = sorted(set(candidate) & set(reference) - NOT_THE_RELEASE)
    for name in names:
        verdict = judge_endpoint(
            name,
            as_sample(reference[name].until(cut), 90.0),
            as_sample(candidate[name].until(cut), 90.0),
            tol,
            family_size=2 * len(names),
        )
        if verdict.classification is Classification.HIGH:
            return True
    return False


# the locustfile's task weights, and what a quick run on a quiet machine reaches
WEIGHTS = {
    "GET /api/v2/media": 5, "GET /api/v2/media?kind": 2, "GET /api/v2/media/{id}": 4,
    "GET /api/v2/media/{id}/content": 3, "GET /api/v2/media/{id}/content [range]": 1,
    "POST /api/v2/media": 2, "DELETE /api/v2/media/{id}": 2, "GET /api/v1/images": 2,
    "GET /api/v1/videos": 1, "GET /api/v1/documents": 1, "GET /healthz [control]": 4,
}  # fmt: skip
QUIET_RPS_PER_SIDE = 48.0


def modelled_run(seed: int, seconds: float = 180.0) -> dict:
    rng = np.random.default_rng(seed)
    total = sum(WEIGHTS.values())
    run: dict[str, dict[str, RequestSeries]] = {"candidate": {}, "reference": {}}
    for side in run:
        for name, weight in WEIGHTS.items():
            n = int(QUIET_RPS_PER_SIDE * weight / total * seconds)
            times = np.sort(rng.uniform(0, seconds, n))
            ms = rng.lognormal(np.log(15.0), 0.4, n)
            run[side][name] = RequestSeries.of(times, ms, np.zeros(n, bool))
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="*", type=Path)
    parser.add_argument("--synthetic", type=int, default=0, help="modelled runs instead")
    args = parser.parse_args()
    tol = Tolerances()
    if args.synthetic:
        runs = [modelled_run(seed) for seed in range(args.synthetic)]
        print(f"{len(runs)} MODELLED clean paired runs (not measurements)")
    else:
        runs = [sides_of(path) for path in args.samples]
        runs = [run for run in runs if "candidate" in run and "reference" in run]
        print(f"{len(runs)} clean paired runs replayed")
    print(f"{'fraction':>8} {'size ms':>8} {'sequential':>11} {'fixed 90 s':>11}")
    for fraction in (0.0, *FRACTIONS):
        for size in SIZES_MS if fraction else (0.0,):
            seq = fix = 0
            for index, run in enumerate(runs):
                start = min(float(s.times_s[0]) for s in run["candidate"].values())
                candidate = {
                    name: series
                    if name in NOT_THE_RELEASE
                    else planted(series, fraction, size, seed=_seed(index, name))
                    for name, series in run["candidate"].items()
                }
                seq += sequential_caught(candidate, run["reference"], start, tol)
                fix += fixed_caught(candidate, run["reference"], start, tol)
            print(
                f"{fraction:8.3f} {size:8.0f} {seq:>5}/{len(runs):<5} {fix:>5}/{len(runs):<5}",
                flush=True,
            )


if __name__ == "__main__":
    main()
