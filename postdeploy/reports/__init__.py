"""Reports render the verdict; they never recompute it.

``verdict.json`` is canonical; ``junit.xml``, ``report.html`` and ``summary.md`` are views
of the same :class:`~postdeploy.gate.Verdict`.
"""

from __future__ import annotations

from pathlib import Path

from postdeploy.gate import Verdict
from postdeploy.reports.allure import write_allure_metadata
from postdeploy.reports.html import write_html
from postdeploy.reports.junit import write_junit
from postdeploy.reports.markdown import write_markdown
from postdeploy.reports.verdict_json import verdict_to_dict, write_verdict_json

__all__ = ["verdict_to_dict", "write_reports"]


def write_reports(verdict: Verdict, run_dir: Path, *, dry_run: bool = False) -> list[Path]:
    """Write every report of ``verdict`` into ``run_dir``; return their paths.

    ``dry_run``: shadow mode — the decision is what the gate *would* have said; the
    reports say so beside it (the exit code was 0 whatever it is).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_verdict_json(verdict, run_dir / "verdict.json", dry_run=dry_run),
        write_junit(verdict, run_dir / "junit.xml"),
        write_html(verdict, run_dir / "report.html", dry_run=dry_run),
        write_markdown(verdict, run_dir / "summary.md", dry_run=dry_run),
        *write_allure_metadata(verdict, run_dir, dry_run=dry_run),
    ]
