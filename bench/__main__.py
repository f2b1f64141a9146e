"""``make bench``: measure what the project promises about speed (issue 21 §1).

    .venv/bin/python -m bench                       # all seven, full size (~25 min, + make test)
    .venv/bin/python -m bench --quick               # fewer runs, smaller sizes, slow ones left out
    .venv/bin/python -m bench snapshot_growth       # one benchmark (or several) by name
    .venv/bin/python -m bench --list

Writes ``bench/results/<date>.json`` (``<date>-quick.json`` with ``--quick``; a benchmark
run alone replaces its own entry in that day's file) and prints the table. Nothing here
asserts a figure: benchmarks measure, tests test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.core import REPO, Options, header, measure, skipped, table, write
from bench.registry import BENCHMARKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs and smaller sizes; slow benchmarks only when named",
    )
    parser.add_argument("--runs", type=int, help="runs per figure (overrides the default)")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="NAME",
        help="leave a benchmark out (repeatable)",
    )
    parser.add_argument("--out", type=Path, help="results file (default bench/results/<date>.json)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    by_name = {b.name: b for b in BENCHMARKS}
    if args.list:
        for b in BENCHMARKS:
            print(f"{b.name:<18} {b.title}  [aim: {b.aim}]{'  (slow)' if b.slow else ''}")
        return 0
    unknown = sorted(set(args.names + args.skip) - set(by_name))
    if unknown:
        print(f"error: no benchmark named {', '.join(unknown)} (--list shows them)",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.runs is not None and args.runs < 1:
        print("error: --runs must be at least 1", file=sys.stderr)
        return 2
    run = header(args.quick)
    out = args.out or REPO / "bench" / "results" / (
        f"{run['date']}{'-quick' if args.quick else ''}.json"
    )
    with tempfile.TemporaryDirectory(prefix="postdeploy-bench-") as work:
        for benchmark in BENCHMARKS:
            if args.names and benchmark.name not in args.names:
                continue
            if benchmark.name in args.skip:
                run["benchmarks"][benchmark.name] = skipped(benchmark, "--skip")
            elif args.quick and benchmark.slow and not args.names:
                run["benchmarks"][benchmark.name] = skipped(
                    benchmark, "--quick leaves out the slow ones; name it to run it"
                )
            else:
                print(f"bench: {benchmark.name} …", file=sys.stderr, flush=True)
                folder = Path(work) / benchmark.name
                folder.mkdir()
                options = Options(quick=args.quick, runs=args.runs, work=folder)
                run["benchmarks"][benchmark.name] = measure(benchmark, options)
            write(out, run)  # after each one: an interrupted run keeps what it measured
    print(table(run, [b.name for b in BENCHMARKS]))
    print(f"\nresults: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
