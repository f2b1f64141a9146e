"""On the embedded target the load stage compares with the previous release, not itself.

A regression that lives in unimedia's code — not a catalogue fault, nothing that
``UNIMEDIA_FAULTS`` switches on — is planted in a scratch copy of unimedia, and the load
stage runs from that copy: the release under test is the copy's unimedia, the reference
the pinned previous release (``releases/``). Before issue 22 §2 both sides ran the copy's
code and the slowdown cancelled out (measured with this plant: the listing judged within
tolerance, docs/embedded-target.md). The clean side of the proof — the same run without
the plant is GO — is ``scripts/previous_release_proof.py`` and ``make verify``: a clean
run lasts until every critical endpoint is shown within tolerance, too long for a test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postdeploy.config import LoadSettings, TargetSettings
from postdeploy.findings import RollbackTrigger, StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.stages.load import LoadStage

REPO = Path(__file__).resolve().parents[2]

# A regression that stops the rounds early; the maximum only matters on a very busy machine.
UNTIL_DECIDED = "10u60s"
LISTING = "    page = service.list(viewer=user, kind=kind, tag=tag, owner=owner, limit=limit"
# A listing 30 ms slower: about four times its median here, a query gone bad.
PLANT = "    __import__('time').sleep(0.03)  # planted by the test: a slower listing query\n"


def scratch_copy(tmp_path: Path) -> Path:
    """A scratch copy of this checkout's unimedia (the working tree as it is, committed or
    not) with the listing slowed down in its code. The stage runs in-process, so of the
    checkout only unimedia/ is needed in the copy: the release under test is started from
    the current directory (scripts/previous_release_proof.py copies the whole of what
    `postdeploy verify` uses)."""
    scratch = tmp_path / "scratch"
    shutil.copytree(
        REPO / "unimedia", scratch / "unimedia", ignore=shutil.ignore_patterns("__pycache__")
    )
    handler = scratch / "unimedia" / "api" / "v2.py"
    text = handler.read_text()
    assert text.count(LISTING) == 1, "the listing handler moved: plant the slowdown anew"
    handler.write_text(text.replace(LISTING, PLANT + LISTING))
    return scratch


def test_a_code_level_slowdown_is_no_go_against_the_previous_release(
    tmp_path: Path, base_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = scratch_copy(tmp_path)
    # The stage in-process, from the copy, as `postdeploy verify --stages load` run there
    # would start it (scripts/previous_release_proof.py does exactly that, 25 s longer):
    # the candidate is `python -m unimedia` in the current directory — the copy's planted
    # code — and the reference the pinned previous release.
    monkeypatch.chdir(scratch)
    context = StageContext(
        target=TargetSettings(url="http://127.0.0.1:9"), run_id="planted",
        run_dir=tmp_path / "run", embedded=True, baseline_dir=tmp_path / "no-baselines",
        load=LoadSettings(profile=UNTIL_DECIDED), environment=base_env(),
    )  # fmt: skip
    result = LoadStage().run(context)
    # only the candidate ran the planted code: a reference from the same tree would be as
    # slow, and the stage would pass (what it did before issue 22 §2)
    assert result.status is StageStatus.FAILED, (result.reason, result.findings)
    assert result.findings
    assert {f.trigger for f in result.findings} == {RollbackTrigger.PERFORMANCE_DEGRADATION}
    titles = [finding.title for finding in result.findings]
    assert any(title.startswith("GET /api/v2/media:") for title in titles), titles
    evidence = "\n".join(finding.evidence for finding in result.findings)
    assert "the previous release, unimedia" in evidence
    assert "started from its pinned copy" in evidence


def test_without_the_previous_release_the_stage_cannot_judge(tmp_path: Path) -> None:
    stage = LoadStage(previous_release=tmp_path / "releases" / "previous.json")
    context = StageContext(
        target=TargetSettings(url="http://127.0.0.1:9"), run_id="t", run_dir=tmp_path / "run",
        embedded=True, baseline_dir=tmp_path / "no-baselines",
    )  # fmt: skip
    result = stage.run(context)
    assert result.status is StageStatus.ERROR
    assert result.reason.startswith("no previous release at ")
    assert "\n" not in result.reason
    assert not (tmp_path / "run" / "stages" / "load" / "candidate.log").exists(), (
        "nothing is started (no fall back to the working tree) when the reference is missing"
    )
