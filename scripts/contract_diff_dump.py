"""Every change ``contract diff`` reports, written out, so a speed change can be shown to
change no classification (issue 17). A proof script, not a test.

For every corpus pair (``tests/contract/corpus/``), each side against itself, and each
pair reversed, and for the benchmark pair (``scripts/contract_diff_benchmark.py``, in JSON
and in YAML), it writes one line per change — rule, operation, path, message, old and new
values — or the error a pair raised. Run it before and after a change and compare::

    .venv/bin/python scripts/contract_diff_dump.py --out /tmp/before.txt
    # … change the classifier …
    .venv/bin/python scripts/contract_diff_dump.py --out /tmp/after.txt
    cmp /tmp/before.txt /tmp/after.txt
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "contract"), str(ROOT / "scripts")]

from contract_diff_benchmark import generate, next_release  # noqa: E402
from corpus import load_cases  # noqa: E402

from postdeploy.contract import Spec, SpecError, diff_specs, parse_spec  # noqa: E402


def _write(out: TextIO, label: str, pair: Callable[[], tuple[Spec, Spec]]) -> int:
    """One pair's changes, each as a JSON line under its label; the error if it raised."""
    out.write(f"== {label}\n")
    try:
        old, new = pair()
        changes = diff_specs(old, new)
    except SpecError as exc:
        out.write(f"error {type(exc).__name__}: {exc}\n")
        return 0
    for change in changes:
        fields = [change.rule, change.operation, change.path, change.message, change.old,
                  change.new]  # fmt: skip
        out.write(json.dumps(fields, sort_keys=True, default=repr) + "\n")
    return len(changes)


def _corpus_pairs() -> Iterator[tuple[str, Callable[[], tuple[Spec, Spec]]]]:
    for case in load_cases():

        def side(text: str, name: str) -> Callable[[], Spec]:
            return lambda: parse_spec(text, name)

        old, new = side(case.old, f"{case.id} (old)"), side(case.new, f"{case.id} (new)")
        yield f"{case.id} old→new", lambda o=old, n=new: (o(), n())
        yield f"{case.id} new→old", lambda o=old, n=new: (n(), o())
        yield f"{case.id} old→old", lambda o=old: (o(), o())
        yield f"{case.id} new→new", lambda n=new: (n(), n())


def _benchmark_pairs(size_mb: float) -> Iterator[tuple[str, Callable[[], tuple[Spec, Spec]]]]:
    old: dict[str, Any] = generate(size_mb)
    new = next_release(old)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    texts = {
        "json": (json.dumps(old), json.dumps(new)),
        "yaml": (yaml.dump(old, Dumper=dumper, sort_keys=False),
                 yaml.dump(new, Dumper=dumper, sort_keys=False)),
    }  # fmt: skip
    for fmt, (old_text, new_text) in texts.items():
        yield f"benchmark {fmt} old→new", lambda o=old_text, n=new_text: (
            parse_spec(o, "old"), parse_spec(n, "new"))  # fmt: skip
        yield f"benchmark {fmt} new→old", lambda o=old_text, n=new_text: (
            parse_spec(n, "new"), parse_spec(o, "old"))  # fmt: skip
        yield f"benchmark {fmt} old→old", lambda o=old_text: (
            parse_spec(o, "old"), parse_spec(o, "old"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size-mb", type=float, default=5.0, help="of the benchmark pair")
    args = parser.parse_args()
    total = pairs = 0
    with args.out.open("w", encoding="utf-8") as out:
        for label, pair in (*_corpus_pairs(), *_benchmark_pairs(args.size_mb)):
            total += _write(out, label, pair)
            pairs += 1
    print(f"{pairs} pairs, {total} changes written to {args.out}")


if __name__ == "__main__":
    main()
