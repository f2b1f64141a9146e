"""``junit.xml`` for CI systems: one testsuite per stage, one testcase per check.

A flaky check (failed only by a timeout, passed when retried) is a passing testcase with a
``<flakyFailure>`` child carrying the first attempt's failure — the element Maven
Surefire writes for a test that passed on a rerun, which Jenkins, GitLab and most JUnit
readers show as flaky rather than as a plain pass.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from postdeploy.findings import CheckOutcome
from postdeploy.gate import Verdict

__all__ = ["render_junit", "write_junit"]


def render_junit(verdict: Verdict) -> str:
    suites = ET.Element("testsuites", name=f"postdeploy {verdict.run_id}")
    for stage in verdict.stages:
        findings = {finding.origin: finding for finding in stage.findings}
        suite = ET.SubElement(
            suites, "testsuite", name=stage.name, tests=str(len(stage.checks)),
            failures=str(stage.count(CheckOutcome.FAILED)),
            errors=str(stage.count(CheckOutcome.ERROR)),
            skipped=str(stage.count(CheckOutcome.SKIPPED)),
            time=f"{stage.duration_s:.3f}",
        )  # fmt: skip
        for check in stage.checks:
            classname, _, name = check.check_id.rpartition("::")
            case = ET.SubElement(
                suite, "testcase", classname=classname or stage.name, name=name or check.check_id,
                time=f"{check.duration_s:.3f}",
            )  # fmt: skip
            if check.outcome is CheckOutcome.FAILED:
                finding = findings.get(check.check_id)
                message = (
                    f"[{finding.severity.value} {finding.trigger.value}] {finding.title}"
                    if finding
                    else check.message
                )
                failure = ET.SubElement(case, "failure", message=message)
                failure.text = finding.evidence if finding else check.message
            elif check.outcome is CheckOutcome.ERROR:
                ET.SubElement(case, "error", message=check.message)
            elif check.outcome is CheckOutcome.SKIPPED:
                ET.SubElement(case, "skipped", message=check.message)
            elif check.outcome is CheckOutcome.FLAKY:
                first = check.message.split("\n", 1)[0]
                flaky = ET.SubElement(case, "flakyFailure", message=first, type="timeout")
                flaky.text = check.message
                properties = ET.SubElement(case, "properties")
                ET.SubElement(properties, "property", name="flaky", value="true")
        if not stage.checks and stage.reason:
            case = ET.SubElement(suite, "testcase", classname=stage.name, name="stage")
            ET.SubElement(case, "error", message=stage.reason)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(verdict: Verdict, path: Path) -> Path:
    path.write_text(render_junit(verdict), encoding="utf-8")
    return path
