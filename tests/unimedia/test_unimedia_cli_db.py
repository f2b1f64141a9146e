"""``unimedia seed-legacy`` and ``unimedia db …`` as real processes: Phase 2 by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import unimedia

REPO_ROOT = Path(unimedia.__file__).resolve().parent.parent


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("UNIMEDIA_")}
    environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), environ.get("PYTHONPATH")])
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "unimedia", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


def test_seed_refuse_upgrade_downgrade_cycle(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    seeded = _run("seed-legacy", "--count", "40", "--data", data, "--log-level", "warning")
    assert seeded.returncode == 0, seeded.stderr
    assert "seeded 40 legacy records" in seeded.stderr
    assert _run("db", "current", "--data", data).stdout == "0001_legacy\n"

    refused = _run("serve", "--port", "0", "--data", data)
    assert refused.returncode == 2
    assert refused.stdout == ""
    errors = [line for line in refused.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "unimedia db upgrade" in errors[0]

    upgraded = _run("db", "upgrade", "--data", data, "--log-level", "warning")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "media=40" in upgraded.stderr
    assert _run("db", "current", "--data", data).stdout == "0003_legacy_numbers\n"

    downgraded = _run("db", "downgrade", "--data", data, "--log-level", "warning")
    assert downgraded.returncode == 0, downgraded.stderr
    assert _run("db", "current", "--data", data).stdout == "0001_legacy\n"


def test_db_commands_need_a_database(tmp_path: Path) -> None:
    result = _run("db", "current")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "unimedia: error: give --data DIR or --database-url URL"
    ]
    bad = _run("db", "upgrade", "--database-url", "nosuchdb://x")
    assert bad.returncode == 2
    assert "unusable database URL" in bad.stderr


def test_seed_count_is_checked(tmp_path: Path) -> None:
    result = _run("seed-legacy", "--count", "0", "--data", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "--count" in result.stderr
