"""Helpers of the guarantees tests: rows of docs/guarantees.md as pytest ids, one CLI call.

``row("C01", …)`` is a ``pytest.param`` whose id is the row's id, ``@covers("S04")`` marks
a test as the test of a row; ``test_guarantee_table.py`` reads both (by AST) and fails when
a row of the table has no test.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from postdeploy.cli import cli

__all__ = ["CliResult", "assert_inconclusive", "covers", "invoke", "row"]


def row(row_id: str, *values: Any, marks: Any = ()) -> Any:
    """One row of the table as a parametrised case."""
    return pytest.param(*values, id=row_id, marks=marks)


def covers(*row_ids: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Name the rows a test proves (read by the table's meta-test)."""

    def mark(test: Callable[..., Any]) -> Callable[..., Any]:
        test.guarantee_rows = row_ids  # type: ignore[attr-defined]
        return test

    return mark


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def verdict(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "latest" / "verdict.json").read_text())

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]

    @property
    def run_dir(self) -> Path:
        return (self.report_dir / "latest").resolve()


def _clean(env: Mapping[str, str | None]) -> dict[str, str | None]:
    """This process's POSTDEPLOY_/UNIMEDIA_ settings removed, then ``env``."""
    cleared: dict[str, str | None] = {
        key: None for key in os.environ if key.startswith(("POSTDEPLOY_", "UNIMEDIA_"))
    }
    cleared.update(env)
    return cleared


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., CliResult]]:
    """Run a postdeploy command in this process (click's runner), in ``tmp_path``, with a
    clean environment; ``verify``/``load``/``watch`` get ``--report-dir tmp_path/reports``
    unless the test gives one. Signal handlers the command installs are put back."""
    monkeypatch.chdir(tmp_path)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run(
        *args: str, env: Mapping[str, str | None] | None = None, report_dir: bool = True
    ) -> CliResult:
        reports = tmp_path / "reports"
        extra: list[str] = []
        if report_dir and args[0] in ("verify", "load", "watch") and "--report-dir" not in args:
            extra = ["--report-dir", str(reports)]
        result = CliRunner().invoke(cli, [*args, *extra], env=_clean(env or {}))
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr, reports)

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def assert_inconclusive(result: CliResult, *, mentions: str, report: bool = True) -> None:
    """Exit 2, one ``error:`` line naming ``mentions``, no traceback, and (``report``) an
    INCONCLUSIVE verdict.json whose not_checked says why."""
    shown = result.stdout + result.stderr
    assert result.exit_code == 2, shown
    assert "Traceback" not in shown
    assert len(result.errors) == 1, result.stderr
    assert mentions in result.errors[0], result.errors[0]
    assert "VERDICT: INCONCLUSIVE" in result.stdout
    if report:
        verdict = result.verdict
        assert verdict["decision"] == "INCONCLUSIVE"
        assert verdict["not_checked"], "the verdict must say what was not checked"
        assert any(mentions in item["why"] for item in verdict["not_checked"]), verdict[
            "not_checked"
        ]
