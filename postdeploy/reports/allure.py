"""The run-level files of ``allure-results/``: environment, executor, categories — and,
through :mod:`postdeploy.reports.allure_results`, the results of every stage that is not
pytest and of the verdict itself.

allure-pytest writes one result per check (with the labels and trigger notes of
:mod:`postdeploy.pytest.allure`); what a single test cannot know is written here, once per
run, from the verdict:

* ``environment.properties``: target, release, profile, run id — no secrets (the URL is
  redacted by :mod:`postdeploy.redact`; account passwords are never in the verdict);
* ``executor.json``: who ran it and a link back to the go/no-go page;
* ``categories.json``: one category per rollback trigger, matching the note
  ``rollback trigger: <name>`` that the plugin adds to every failing check's message, then
  "could not run" for broken checks without a trigger. Allure 2 reads this file; Allure 3's
  Awesome report takes categories from its configuration, so :func:`allure_categories` is
  also what ``postdeploy report --allure`` passes there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from postdeploy.findings import RollbackTrigger
from postdeploy.gate import Verdict
from postdeploy.pytest.allure import NOTE_PREFIX
from postdeploy.redact import redact_url
from postdeploy.reports.allure_results import write_allure_results
from postdeploy.reports.wording import TRIGGER_NAME, TRIGGER_WORDS, decision_label

__all__ = [
    "RESULTS_DIR",
    "allure_categories",
    "category_name",
    "environment_properties",
    "write_allure_metadata",
]

RESULTS_DIR = "allure-results"
GO_NO_GO_FROM_ALLURE = "../report.html"  # the Allure report is built into <run>/allure-report
NOT_RUN = "Could not run (not checked)"


def category_name(trigger: RollbackTrigger) -> str:
    return f"Rollback trigger: {TRIGGER_NAME[trigger]}"


def allure_categories() -> list[dict[str, Any]]:
    """Categories in Allure 2's format (Allure 3 accepts the same keys in its config).

    ``[\\s\\S]*`` rather than ``(?s).*``: Allure 2 (Java) matches the whole message, Allure 3
    (JavaScript) searches it, and only this spelling means "anything" to both.
    """
    categories: list[dict[str, Any]] = [
        {
            "name": category_name(trigger),
            "description": TRIGGER_WORDS[trigger],
            "messageRegex": rf"[\s\S]*{NOTE_PREFIX}{trigger.value}\b[\s\S]*",
            "matchedStatuses": ["failed", "broken"],
        }
        for trigger in RollbackTrigger
    ]
    categories.append(
        {
            "name": NOT_RUN,
            "description": "The check broke before it could judge the release (setup "
            "failed, target unreachable): the verdict cannot be GO.",
            "matchedStatuses": ["broken"],
        }
    )
    return categories


def environment_properties(verdict: Verdict) -> dict[str, str]:
    target = verdict.target
    return {
        "target": redact_url(target.url),  # already redacted; once more costs nothing
        "target.embedded": "yes" if target.embedded else "no",
        "release.live": target.live_version or "unknown",
        "release.expected": target.expected_version or "not configured",
        "profile": verdict.profile,
        "run": verdict.run_id,
        "verdict": decision_label(verdict.decision),
    }


def write_allure_metadata(verdict: Verdict, run_dir: Path, *, dry_run: bool = False) -> list[Path]:
    """Write the three run-level files into ``run_dir/allure-results``, and the verdict's
    and every stage's results. ``dry_run``: the verdict's result and the report's name say
    the decision gated nothing (shadow mode), as report.html and summary.md do."""
    results = run_dir / RESULTS_DIR
    results.mkdir(parents=True, exist_ok=True)
    environment = results / "environment.properties"
    environment.write_text(
        "".join(
            f"{_escape(key, key=True)}={_escape(value)}\n"
            for key, value in environment_properties(verdict).items()
        ),
        encoding="utf-8",
    )
    executor = results / "executor.json"
    label = decision_label(verdict.decision) + (" (dry run)" if dry_run else "")
    executor.write_text(
        json.dumps(
            {
                "name": "postdeploy",
                "type": "postdeploy",
                "buildName": f"{verdict.run_id}: {label}",
                "buildUrl": GO_NO_GO_FROM_ALLURE,
                "reportName": f"postdeploy {label} · {verdict.target.live_version or 'unknown'}",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    categories = results / "categories.json"
    categories.write_text(json.dumps(allure_categories(), indent=2), encoding="utf-8")
    # Every stage's checks and the verdict itself, beside allure-pytest's results.
    return [
        environment,
        executor,
        categories,
        *write_allure_results(verdict, run_dir, results, dry_run=dry_run),
    ]


def _escape(text: str, *, key: bool = False) -> str:
    """Java .properties escaping: backslashes, line breaks, non-ASCII; separators in keys."""
    out = []
    for char in text:
        if char == "\\" or (key and char in "=: #!"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) > 0x7E or ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)
