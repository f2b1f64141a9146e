"""Build the Allure HTML report of a finished run with the Allure 3 command line.

Why Allure 3 (npm package ``allure``): it needs only Node.js, which the project already
uses for its tools, where Allure 2 needs a Java runtime; its Awesome report can be one
self-contained ``index.html`` that opens from disk, and its history is one JSON-lines file
that each build appends to. The project installs it locally (``make tools`` →
``npm install --prefix tools``, pinned by ``tools/package-lock.json``), never globally.

History: every build appends one line to ``<report dir>/allure-history.jsonl`` (beside the
run directories), so successive runs written into the same report directory show trends.

Categories: Allure 3's Awesome report reads categories from its configuration, not from
``allure-results/categories.json`` (which only Allure 2 reads), so the same definitions
(:func:`~postdeploy.reports.allure.allure_categories`) are passed in the configuration.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from postdeploy.config import tool_path_from_environment
from postdeploy.errors import PostdeployError, ToolMissing
from postdeploy.reports.allure import RESULTS_DIR, allure_categories

__all__ = [
    "ALLURE_ENV",
    "HISTORY_FILE",
    "REPORT_DIR",
    "AllureBuild",
    "build_allure_report",
    "find_allure",
]

log = logging.getLogger(__name__)

ALLURE_ENV = "POSTDEPLOY_ALLURE"
REPORT_DIR = "allure-report"
HISTORY_FILE = "allure-history.jsonl"
TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"
HOW_TO_GET = (
    "install it with `make tools` (npm install --prefix tools) or `npm install -g allure`, "
    f"or set {ALLURE_ENV}"
)
_VERSION = re.compile(r"^(\d+)\.\d+")
BUILD_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class AllureBuild:
    """Where the built report is and which Allure built it."""

    index: Path
    version: str
    history: Path


def find_allure() -> tuple[Path, str]:
    """The Allure 3 executable and its version; :class:`ToolMissing` when there is none.

    ``allure`` on ``PATH`` is accepted only if it answers ``--version`` like Allure (Debian's
    ``allure`` package is an unrelated game).
    """
    explicit = tool_path_from_environment(ALLURE_ENV)
    if explicit and not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
        # Named but not there: say so, rather than quietly building with another Allure.
        raise ToolMissing(f"{ALLURE_ENV}={explicit}: no Allure command line there: {HOW_TO_GET}")
    candidates = [Path(explicit)] if explicit else []
    candidates.append(TOOLS_DIR / "node_modules" / ".bin" / "allure")
    on_path = shutil.which("allure")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            continue
        version = _version_of(candidate)
        if version is None and explicit and candidate == Path(explicit):
            raise ToolMissing(f"{ALLURE_ENV}={explicit} does not answer like Allure: {HOW_TO_GET}")
        if version is None:
            log.debug("%s does not answer like Allure; skipped", candidate)
            continue
        if not version.startswith("3."):
            raise ToolMissing(
                f"{candidate} is Allure {version}; postdeploy builds with Allure 3: {HOW_TO_GET}"
            )
        return candidate, version
    raise ToolMissing(f"the Allure 3 command line is not installed: {HOW_TO_GET}")


def build_allure_report(
    run_dir: Path, *, history: Path | None = None, single_file: bool = True
) -> AllureBuild:
    """Build ``run_dir/allure-report/index.html`` from ``run_dir/allure-results``.

    ``single_file=False``: a folder of files, which a browser can show only over HTTP."""
    results = run_dir / RESULTS_DIR
    if not results.is_dir():
        raise PostdeployError(f"no Allure results in {run_dir} (expected {results})")
    executable, version = find_allure()
    output = run_dir / REPORT_DIR
    history = history or run_dir.resolve().parent / HISTORY_FILE
    config = run_dir / "allurerc.json"
    config.write_text(
        json.dumps(
            {
                "name": f"postdeploy {run_dir.resolve().name}",
                "output": str(output.resolve()),
                "historyPath": str(history.resolve()),
                "categories": allure_categories(),
                "plugins": {
                    "awesome": {"options": {"singleFile": single_file, "reportLanguage": "en"}}
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    if output.exists():
        shutil.rmtree(output)
    try:
        completed = subprocess.run(  # noqa: S603 - a located executable, argv built here
            [
                str(executable),
                "generate",
                "--config",
                str(config.resolve()),
                str(results.resolve()),
            ],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
            cwd=run_dir,
        )
    except subprocess.TimeoutExpired as exc:
        raise PostdeployError(f"allure generate did not finish in {BUILD_TIMEOUT_S:.0f} s") from exc
    index = output / "index.html"
    if completed.returncode != 0 or not index.is_file():
        lines = (completed.stderr or completed.stdout).strip().splitlines() or ["no output"]
        raise PostdeployError(f"allure generate failed ({completed.returncode}): {lines[-1]}")
    return AllureBuild(index=index, version=version, history=history)


def _version_of(executable: Path) -> str | None:
    try:
        completed = subprocess.run(  # noqa: S603 - a located executable, fixed argument
            [str(executable), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (completed.stdout.strip().splitlines() or [""])[0].strip()
    return first if completed.returncode == 0 and _VERSION.match(first) else None
