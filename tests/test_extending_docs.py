"""``docs/extending.md`` builds and runs as written: its check, its stage through the entry-point
group and through ``run(config, stages=…)``, and a broken plugin's one-line error.

The files come out of the page's code blocks (each starts with ``# file: NAME``), so the
page cannot drift from what works. Every example also runs against a fault, to show it
can fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "extending.md"
BLOCK = re.compile(r"```(?:python|toml)\n# file: (\S+)\n(.*?)```", re.S)


def _write_examples(directory: Path) -> dict[str, Path]:
    files = {}
    for name, body in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        path = directory / name
        path.write_text(body, encoding="utf-8")
        files[name] = path
    return files


def _install_entry_points(
    directory: Path, pyproject: Path, name: str = "readiness-example"
) -> None:
    """What ``pip install`` of a package with that pyproject leaves for importlib.metadata."""
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["entry-points"]
    dist = directory / f"{name.replace('-', '_')}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = []
    for group, points in declared.items():
        lines.append(f"[{group}]")
        lines += [f"{key} = {value}" for key, value in points.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def examples(tmp_path: Path) -> dict[str, Path]:
    files = _write_examples(tmp_path)
    assert set(files) == {
        "test_thumbnails.py", "readiness_budget.py", "verify_with_readiness.py", "pyproject.toml",
    }  # fmt: skip
    return files


def _env(directory: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTDEPLOY_", "UNIMEDIA_"))}
    env["PYTHONPATH"] = str(directory)
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.mark.parametrize(("faults", "passes"), [("", True), ("listing_drops_records", False)])
def test_the_check_runs_with_the_plugin_and_fails_on_a_fault(
    examples: dict[str, Path], tmp_path: Path, faults: str, passes: bool
) -> None:
    result = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_thumbnails.py"],
        tmp_path,
        _env(tmp_path, UNIMEDIA_FAULTS=faults),
    )
    assert (result.returncode == 0) is passes, result.stdout[-3000:] + result.stderr[-2000:]
    if not passes:
        assert "a fresh upload is not listed" in result.stdout


def test_the_stage_runs_from_its_entry_point(examples: dict[str, Path], tmp_path: Path) -> None:
    _install_entry_points(tmp_path, examples["pyproject.toml"])
    reports = tmp_path / "reports"
    result = _run(
        [sys.executable, "-m", "postdeploy", "verify", "--stages", "smoke,readiness",
         "--report-dir", str(reports)],
        tmp_path, _env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads((reports / "latest" / "verdict.json").read_text(encoding="utf-8"))
    stages = {stage["name"]: stage["status"] for stage in verdict["stages"]}
    assert stages == {"smoke": "passed", "readiness": "passed"}


def test_the_stage_runs_from_a_program_and_can_fail(
    examples: dict[str, Path], tmp_path: Path
) -> None:
    env = _env(tmp_path, POSTDEPLOY_REPORT_DIR=str(tmp_path / "reports"))
    result = _run([sys.executable, "verify_with_readiness.py"], tmp_path, env)
    assert result.stdout.strip().splitlines()[-1:] == ["GO"], result.stdout + result.stderr
    strict = (
        examples["verify_with_readiness.py"]
        .read_text(encoding="utf-8")
        .replace("ReadinessBudgetStage()", "ReadinessBudgetStage(budget_ms=0.0)")
    )
    (tmp_path / "strict.py").write_text(strict, encoding="utf-8")
    result = _run([sys.executable, "strict.py"], tmp_path, env)
    assert result.stdout.strip().splitlines()[-1:] == ["NO_GO"], result.stdout + result.stderr


def test_a_broken_plugin_is_one_line_and_exit_2(examples: dict[str, Path], tmp_path: Path) -> None:
    module = tmp_path / "broken_stage.py"
    module.write_text("class Broken:\n    name = 'broken'\n    def run(self, context): ...\n")
    pyproject = tmp_path / "broken.toml"
    pyproject.write_text(
        '[project.entry-points."postdeploy.stages"]\nbroken = "broken_stage:Broken"\n'
    )
    _install_entry_points(tmp_path, pyproject, name="broken-example")
    result = _run(
        [sys.executable, "-m", "postdeploy", "verify", "--report-dir", str(tmp_path / "r")],
        tmp_path, _env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "broken" in errors[0]
    assert "exclusive" in errors[0]
    assert "Traceback" not in result.stderr
