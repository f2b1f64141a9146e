"""The table of docs/guarantees.md and the tests of this folder agree, row for row.

A row is covered by a test here that names its id — ``row("C01", …)`` (a parametrised case
whose id is the row's) or ``@covers("S06")`` — or, when its test column names another
test file (``tests/contract``: the contract engineers' tests of ``contract diff``), by
that file existing with tests in it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parents[1]
TABLE = REPO / "docs" / "guarantees.md"
ROW = re.compile(r"^\| (?P<id>[A-Z]\d{2}) \|(?P<rest>.*)\|\s*$")
GROUPS = ("Configuration", "Target", "Baselines and snapshots", "Tools", "Hostile data", "Signals")


def table_rows() -> dict[str, str]:
    """row id → its test column."""
    rows: dict[str, str] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match["id"] not in rows, f"row {match['id']} twice"
            rows[match["id"]] = match["rest"].rsplit("|", 1)[-1].strip()
    return rows


def rows_with_tests() -> dict[str, list[str]]:
    """row id → the tests of this folder that name it."""
    found: dict[str, list[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("row", "covers")
            ):
                for arg in node.args if node.func.id == "covers" else node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, []).append(path.name)
    return found


def test_the_table_is_long_enough_and_grouped() -> None:
    rows = table_rows()
    assert len(rows) >= 60, len(rows)
    text = TABLE.read_text(encoding="utf-8")
    for group in GROUPS:
        assert re.search(rf"^## {group}", text, re.M), f"no group {group!r}"


def test_every_row_has_a_test() -> None:
    tested = rows_with_tests()
    missing = []
    for row_id, where in table_rows().items():
        if where.startswith("tests/contract"):
            folder = REPO / "tests" / "contract"
            assert list(folder.glob("test_*.py")), f"{row_id}: {folder} has no tests"
            continue
        if row_id not in tested:
            missing.append(row_id)
    assert not missing, f"rows of docs/guarantees.md without a test: {missing}"


def test_every_test_names_a_row_of_the_table() -> None:
    unknown = sorted(set(rows_with_tests()) - set(table_rows()))
    assert not unknown, f"tests name rows that docs/guarantees.md does not have: {unknown}"
