"""Mutation score of the functional checks over unimedia's request-handling code.

A benchmark, not CI (issue 22 §3). cosmic-ray mutates one module of a *scratch copy* of
this checkout at a time, and the test command starts a unimedia from that copy and runs the
functional suites against it; a mutant the suites notice is killed.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/mutation_score.py --sample 40 --seed 1

Two rounds over the same sampled mutants, so one run gives the score before and after the
model-based checks:

* ``before``: ``pytest suites -m "smoke or integration or contract"`` without the model and
  malformed-write checks, stopping at the first failure (``-x``);
* ``after``: only the mutants that survived ``before``, against the model and
  malformed-write checks alone (what ``before`` ran could not kill them anyway).

Sampling: cosmic-ray enumerates every mutant; mutants inside fault-planting code (a branch
under ``faults.active(...)``, which only runs with ``UNIMEDIA_FAULTS`` set) are dropped as
unobservable on the clean service; of the rest, ``--sample`` are drawn with ``--seed``,
stratified by module (in proportion to each module's mutants, at least one each). Results
go to ``bench/results/mutation-<label>.json`` and ``.md``; the table is printed. Survivors
judged equivalent (no observable difference) are listed in ``EQUIVALENT`` below with the
reason, and the score counts non-equivalent mutants only.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
MODULES = (
    "unimedia/api/v2.py", "unimedia/api/content.py", "unimedia/api/uploads.py",
    "unimedia/api/deps.py", "unimedia/api/auth.py", "unimedia/api/v1/images.py",
    "unimedia/api/v1/videos.py", "unimedia/api/v1/documents.py", "unimedia/api/v1/schemas.py",
    "unimedia/service.py", "unimedia/storage.py", "unimedia/auth.py", "unimedia/filenames.py",
    "unimedia/ui/routes.py", "unimedia/ui/views.py",
)  # fmt: skip
NEW_CHECKS = "test_model or test_malformed"
#: (module, line, operator) → why the mutant cannot be told apart from the original by any
#: client. Filled from the survivors of real runs; see docs/mutation-testing.md.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("unimedia/auth.py", 22, "core/NumberReplacer"): (
        "scrypt's block size r 8 → 9: every hash records its own parameters, so new hashes "
        "verify as before; only the cost of a login changes"
    ),
    ("unimedia/filenames.py", 14, "core/ReplaceBinaryOperator_BitOr_Sub"): (
        "`str | None` → `str - None` in an annotation: with `from __future__ import "
        "annotations` it is a string nobody evaluates (not a FastAPI route)"
    ),
    ("unimedia/ui/routes.py", 69, "core/ReplaceBinaryOperator_BitOr_Div"): (
        "`str | None` → `str / None` in the annotation of a helper, not a route: a string "
        "nobody evaluates"
    ),
}


@dataclass
class Mutant:
    job_id: str
    module: str
    line: int
    operator: str
    occurrence: int
    before: str = "pending"  # killed / survived / incompetent / skipped
    after: str = "pending"
    seconds: float = 0.0
    diff: str = ""

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.module, self.line, self.operator)

    @property
    def killed(self) -> bool:
        return "killed" in (self.before, self.after) or "incompetent" in (self.before, self.after)


def _fault_lines(path: Path) -> set[int]:
    """Lines inside ``if …faults.active(…)…:`` blocks (and the conditions themselves)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "active" in {
            n.func.attr
            for n in ast.walk(node.test)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }:
            end = max(getattr(n, "end_lineno", node.lineno) for n in node.body)
            lines.update(range(node.lineno, end + 1))
    return lines


def _scratch_copy() -> Path:
    """The tracked files of this working tree (uncommitted changes included)."""
    scratch = Path(tempfile.mkdtemp(prefix="postdeploy-mutation-"))
    git = shutil.which("git") or "git"
    listed = subprocess.run([git, "ls-files"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.splitlines()  # fmt: skip
    for name in listed:
        source = REPO / name
        if source.is_file():
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return scratch


def _test_command(paths: str, selection: str, seed: int, budget: str) -> str:
    python = sys.executable
    return (
        f"{python} -m pytest {paths} -x -q -p no:cacheprovider"
        f" -m 'smoke or integration or contract' -k '{selection}'"
        f" --postdeploy-model-seed {seed} --postdeploy-model-budget {budget}"
        " --postdeploy-model-shrink-seconds 1"
    )


def _config(scratch: Path, command: str, timeout: float) -> Path:
    path = scratch / "bench-cosmic-ray.toml"
    modules = ", ".join(f'"{m}"' for m in MODULES)
    path.write_text(
        f'[cosmic-ray]\nmodule-path = [{modules}]\ntimeout = {timeout}\n'
        f'excluded-modules = []\ntest-command = "{command}"\n'
        '[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )  # fmt: skip
    return path


def _env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env["PYTHONPATH"] = str(scratch)  # the scratch copy's postdeploy and unimedia come first
    return env


def _cosmic(scratch: Path, *args: str) -> None:
    cosmic = Path(sys.executable).with_name("cosmic-ray")
    subprocess.run([str(cosmic), *args], cwd=scratch, env=_env(scratch), check=True)


def _sample(scratch: Path, session: Path, size: int, seed: int) -> list[Mutant]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    fault_lines = {m: _fault_lines(scratch / m) for m in MODULES}
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = list(db.work_items)
        observable = [
            i for i in items
            if i.mutations[0].start_pos[0] not in fault_lines[str(i.mutations[0].module_path)]
        ]  # fmt: skip
        by_module: dict[str, list] = {}
        for item in observable:
            by_module.setdefault(str(item.mutations[0].module_path), []).append(item)
        rng = random.Random(seed)  # noqa: S311 -- a sample, replayable by seed
        chosen = []
        for _module, module_items in sorted(by_module.items()):
            share = max(1, round(size * len(module_items) / len(observable)))
            chosen += rng.sample(module_items, min(share, len(module_items)))
        chosen_ids = {i.job_id for i in chosen}
        skipped = [i.job_id for i in items if i.job_id not in chosen_ids]
        db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
    print(f"{len(items)} mutants; {len(items) - len(observable)} in fault-planting code; "
          f"sampled {len(chosen)} of {len(observable)}")  # fmt: skip
    return [
        Mutant(i.job_id, str(i.mutations[0].module_path), i.mutations[0].start_pos[0],
               i.mutations[0].operator_name, i.mutations[0].occurrence)
        for i in chosen
    ]  # fmt: skip


def _outcomes(session: Path) -> dict[str, tuple[str, str]]:
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        return {
            job_id: (
                "skipped" if result.test_outcome is None else str(result.test_outcome.value),
                result.diff or "",
            )
            for job_id, result in db.results
        }


def _round(scratch: Path, label: str, command: str, timeout: float, todo: list[Mutant],
           seed: int, size: int) -> dict[str, tuple[str, str]]:  # fmt: skip
    """Init a session, keep only ``todo`` (or sample when it is empty), exec it."""
    config = _config(scratch, command, timeout)
    session = scratch / f"bench-{label}.sqlite"
    _cosmic(scratch, "init", str(config), str(session))
    if not todo:
        todo.extend(_sample(scratch, session, size, seed))
    else:
        from cosmic_ray.work_db import WorkDB, use_db
        from cosmic_ray.work_item import WorkerOutcome, WorkResult

        wanted = {(m.module, m.operator, m.occurrence) for m in todo}
        ids = {}
        with use_db(str(session), WorkDB.Mode.open) as db:
            others = []
            for item in db.work_items:
                mutation = item.mutations[0]
                key = (str(mutation.module_path), mutation.operator_name, mutation.occurrence)
                if key in wanted:
                    ids[key] = item.job_id
                else:
                    others.append(item.job_id)
            db.set_multiple_results(others, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
        for mutant in todo:
            mutant.job_id = ids[(mutant.module, mutant.operator, mutant.occurrence)]
    if todo:
        _cosmic(scratch, "exec", str(config), str(session))
    return _outcomes(session)


def _baseline(scratch: Path, command: str) -> None:
    started = time.monotonic()
    done = subprocess.run(command, shell=True, cwd=scratch, env=_env(scratch), check=False,  # noqa: S602
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"error: the unmutated code fails the test command:\n{done.stdout[-2000:]}")
    print(f"baseline passes in {time.monotonic() - started:.0f} s: {command}")


def _score(mutants: list[Mutant], field: str) -> tuple[int, int, int]:
    counted = [m for m in mutants if m.key not in EQUIVALENT and m.before != "skipped"]
    if field == "before":
        killed = sum(m.before in ("killed", "incompetent") for m in counted)
    else:
        killed = sum(m.killed for m in counted)
    return killed, len(counted), len(mutants) - len(counted)


def _table(mutants: list[Mutant]) -> str:
    lines = ["| module | mutants | killed before | killed after |", "|---|---|---|---|"]
    for module in sorted({m.module for m in mutants}):
        group = [m for m in mutants if m.module == module and m.key not in EQUIVALENT]
        before = sum(m.before in ("killed", "incompetent") for m in group)
        after = sum(m.killed for m in group)
        lines.append(f"| {module} | {len(group)} | {before} | {after} |")
    kb, n, eq = _score(mutants, "before")
    ka, _, _ = _score(mutants, "after")
    pct = lambda k: f"{100 * k / n:.0f} %" if n else "n/a"  # noqa: E731
    lines.append(
        f"| **all** ({eq} equivalent left out) | {n} | {kb} ({pct(kb)}) | {ka} ({pct(ka)}) |"
    )
    survivors = [m for m in mutants if not m.killed]
    if survivors:
        lines += ["", "Survivors:", "", "| module:line | operator | equivalent? |", "|---|---|---|"]
        for m in survivors:
            lines.append(f"| {m.module}:{m.line} | {m.operator} | {EQUIVALENT.get(m.key, 'no')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40, help="mutants to run (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="sampling and model seed")
    parser.add_argument("--budget", default="4x20:1100000", help="the model's budget")
    parser.add_argument("--timeout", type=float, default=300.0, help="per mutant, seconds")
    parser.add_argument("--label", default="sample", help="results file name part")
    parser.add_argument(
        "--rerun",
        metavar="RESULTS_JSON",
        help="only run the new checks again on that run's survivors (after the checks grew)",
    )
    args = parser.parse_args()
    if shutil.which("cosmic-ray", path=str(Path(sys.executable).parent)) is None:
        sys.exit("error: cosmic-ray is not installed: .venv/bin/pip install -e '.[bench]'")
    started = time.monotonic()
    scratch = _scratch_copy()
    print(f"scratch copy: {scratch}; load average {os.getloadavg()[0]:.1f}")
    before_cmd = _test_command("suites", f"not ({NEW_CHECKS})", args.seed, args.budget)
    after_cmd = _test_command("suites/integration", NEW_CHECKS, args.seed, args.budget)
    if not args.rerun:
        _baseline(scratch, before_cmd)
    _baseline(scratch, after_cmd)
    mutants: list[Mutant] = []
    if args.rerun:
        earlier = json.loads(Path(args.rerun).read_text())
        mutants = [Mutant(**m) for m in earlier["mutants"]]
        survivors = [m for m in mutants if not m.killed]
    else:
        outcomes = _round(
            scratch, "before", before_cmd, args.timeout, mutants, args.seed, args.sample
        )
        for m in mutants:
            m.before, m.diff = outcomes.get(m.job_id, ("skipped", ""))
            m.after = m.before
        survivors = [m for m in mutants if m.before == "survived"]
    if survivors:
        outcomes = _round(scratch, "after", after_cmd, args.timeout, survivors, args.seed, 0)
        for m in survivors:
            m.after = outcomes.get(m.job_id, ("skipped", ""))[0]
    elapsed = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    kb, n, eq = _score(mutants, "before")
    ka, _, _ = _score(mutants, "after")
    report = {
        "command": " ".join(sys.argv), "sample": len(mutants), "seed": args.seed,
        "budget": args.budget, "elapsed_s": round(elapsed), "load_average": os.getloadavg(),
        "before_command": before_cmd, "after_command": after_cmd,
        "counted": n, "equivalent_left_out": eq, "killed_before": kb, "killed_after": ka,
        "operators": Counter(m.operator.split("/")[-1] for m in mutants),
        "mutants": [asdict(m) for m in mutants],
    }  # fmt: skip
    (RESULTS / f"mutation-{args.label}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = _table(mutants)
    (RESULTS / f"mutation-{args.label}.md").write_text(
        f"# Mutation score ({args.label})\n\n`{report['command']}` — {len(mutants)} mutants in "
        f"{elapsed / 60:.0f} min, load average {os.getloadavg()[0]:.1f}\n\n{table}\n"
    )
    print(table)
    print(f"{elapsed / 60:.1f} min; results in {RESULTS}")
    shutil.rmtree(scratch, ignore_errors=True)
    if n and math.isfinite(elapsed):
        print(f"score before {100 * kb / n:.0f} %, after {100 * ka / n:.0f} % of {n} mutants")


if __name__ == "__main__":
    main()
