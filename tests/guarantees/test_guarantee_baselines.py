"""docs/guarantees.md, "Baselines and snapshots": a baseline or snapshot that cannot be read
leaves its stage unjudged — one line on stderr, INCONCLUSIVE — and never passes it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from guarantee_support import assert_inconclusive, row

LOAD = {
    "kind": "postdeploy-load-baseline",
    "version": 1,
    "profile": "standard",
    "recorded_at": "2026-11-01T00:00:00+00:00",
}


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        row("B01", None, "no load baseline at"),
        row("B02", b"{not json", "not a readable JSON baseline"),
        row("B03", json.dumps({**LOAD, "version": 99}).encode(), "baseline version 99 unknown"),
        row("B04", json.dumps({**LOAD, "endpoints": {}}).encode(), "the baseline has no endpoints"),
        row(
            "B05",
            json.dumps({"kind": "postdeploy-contract-baseline"}).encode(),
            "not a load baseline",
        ),
    ],
)
def test_load_baseline_that_cannot_be_judged_against(
    invoke, shared_target, tmp_path: Path, content: bytes | None, mentions: str
) -> None:
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    if content is not None:
        (baselines / "load-standard.json").write_bytes(content)
    result = invoke(
        "verify", "--stages", "load", env=shared_target.env(POSTDEPLOY_BASELINE_DIR=str(baselines))
    )
    assert_inconclusive(result, mentions=mentions)
    assert result.errors[0].startswith("error: not checked: load: ")


@pytest.mark.parametrize("case", [row("B06", b"\x00garbage{")])
def test_garbage_contract_baseline(invoke, shared_target, tmp_path: Path, case: bytes) -> None:
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    (baselines / "contract.json").write_bytes(case)
    result = invoke(
        "verify",
        "--stages",
        "contracts",
        env=shared_target.env(POSTDEPLOY_BASELINE_DIR=str(baselines)),
    )
    assert_inconclusive(result, mentions="not a readable JSON baseline")
    assert result.errors[0].startswith("error: not checked: contracts")
    stage = result.verdict["stages"][0]
    assert stage["checks"], "the checks ran and errored"
    assert not [c for c in stage["checks"] if c["outcome"] == "passed"]


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        row("B07", None, "no data snapshot at"),
        row("B08", b'{"kind": "something else"}\n', "not a postdeploy data snapshot"),
    ],
)
def test_data_snapshot_that_cannot_be_compared(
    invoke, shared_target, tmp_path: Path, content: bytes | None, mentions: str
) -> None:
    snapshot = tmp_path / "before.jsonl"
    if content is not None:
        snapshot.write_bytes(content)
    result = invoke(
        "verify", "--stages", "data", env=shared_target.env(POSTDEPLOY_SNAPSHOT=str(snapshot))
    )
    assert_inconclusive(result, mentions=mentions)
    assert result.errors[0].startswith("error: not checked: data")


def _empty_sqlite(path: Path) -> str:
    sqlite3.connect(path).close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        row(
            "B09",
            ["garbage.jsonl", "--compare", "--database-url", "DB"],
            "garbage.jsonl: malformed snapshot header",
        ),
        row("B10", ["missing.jsonl", "--compare", "--database-url", "DB"], "no data snapshot at"),
        row(
            "B11",
            ["s.jsonl", "--database-url", "postgresql://snap:db-pass-5150@127.0.0.1:9/media"],
            "its driver is not installed",
        ),
        row(
            "B12",
            ["s.jsonl", "--database-url", "DB"],
            "neither unimedia's media table nor the legacy",
        ),
    ],
)
def test_snapshot_command_bad_input(invoke, tmp_path: Path, args: list[str], mentions: str) -> None:
    (tmp_path / "garbage.jsonl").write_bytes(b"\xff\xfe not a snapshot\n")
    database = _empty_sqlite(tmp_path / "empty.db")
    result = invoke("snapshot", *[database if a == "DB" else a for a in args])
    assert result.exit_code == 2, result.stdout + result.stderr  # never 1: "data loss"
    assert "Traceback" not in result.stdout + result.stderr
    assert len(result.errors) == 1, result.stderr
    assert mentions in result.errors[0]
    assert "db-pass-5150" not in result.stdout + result.stderr
