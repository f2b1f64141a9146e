"""On the embedded target the contract stage judges the release against the previous
release's contract, not against a contract that ships beside the release's own code.

A frozen contract in the working tree can change with the code: a release that removes a
field of a legacy response and re-freezes the file is judged against itself and passes.
Planted here in a scratch copy of unimedia (no catalogue fault): the images API's ``owner``
field removed. Against a contract recorded from that same release the stage passes (the
comparison before issue 22 §2); against the pinned previous release (``releases/``), which
the stage starts and records, it fails on the missing field.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from planted_release import REPO, planted_unimedia

from postdeploy.config import TargetSettings
from postdeploy.contract.record import record_contract
from postdeploy.findings import RollbackTrigger, StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.stages.contracts import ContractStage
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.previous_release import ReleaseCode

SCHEMAS = "unimedia/api/v1/schemas.py"
IMAGE_OUT = "class ImageOut(_Frozen):"
FIELD = "    owner: str\n"
VALUE = "            owner=media.owner,\n"


def release_without_the_image_owner(tmp_path: Path) -> ReleaseCode:
    """This checkout's unimedia with ``owner`` gone from the legacy images' answers."""
    schemas = (REPO / SCHEMAS).read_text()
    _, found, tail = schemas.partition(IMAGE_OUT)
    assert found, "ImageOut moved: plant the removed field anew"
    body = tail.partition("\nclass ")[0]
    assert FIELD in body, "ImageOut changed: plant the removed field anew"
    assert VALUE in body, "ImageOut changed: plant the removed field anew"
    planted = body.replace(FIELD, "", 1).replace(VALUE, "", 1)
    return planted_unimedia(tmp_path / "planted", {SCHEMAS: (found + body, found + planted)})


def test_an_api_break_shipped_with_its_own_contract_fails_against_the_previous_release(
    tmp_path: Path, base_env
) -> None:
    code = release_without_the_image_owner(tmp_path)
    with EmbeddedUnimedia(faults="", code=code, log_path=tmp_path / "candidate.log") as release:
        # what a contract frozen in the working tree amounts to: recorded from the release
        own = tmp_path / "recorded-from-the-release"
        record_contract(release, own / "contract.json")
        context = StageContext(
            target=release, run_id="planted", run_dir=tmp_path / "run-own", embedded=True,
            baseline_dir=own, environment=base_env(),
        )  # fmt: skip
        itself = ContractStage().run(context)
        previous = ContractStage().run(
            dataclasses.replace(
                context, run_dir=tmp_path / "run-previous", baseline_dir=tmp_path / "none"
            )
        )
    assert itself.status is StageStatus.PASSED, (itself.reason, itself.findings)
    assert previous.status is StageStatus.FAILED, (previous.reason, previous.findings)
    assert {f.trigger for f in previous.findings} == {RollbackTrigger.CRITICAL_ERROR}
    evidence = "\n".join(f"{f.title}\n{f.evidence}" for f in previous.findings)
    assert "owner" in evidence, evidence
    # judged against the recording of the previous release, not a file of the working tree
    assert "stages/contracts/previous-release/contract.json (release 2.0.0)" in evidence
    assert "baselines/contract.json" not in evidence
    assert "stages/contracts/previous-release/contract.json" in previous.artifacts


def test_without_the_previous_release_the_stage_cannot_judge(tmp_path: Path, base_env) -> None:
    stage = ContractStage(previous_release=tmp_path / "releases" / "previous.json")
    context = StageContext(
        target=TargetSettings(url="http://127.0.0.1:9"), run_id="t", run_dir=tmp_path / "run",
        embedded=True, baseline_dir=tmp_path / "none", environment=base_env(),
    )  # fmt: skip
    result = stage.run(context)
    assert result.status is StageStatus.ERROR
    assert result.reason.startswith("cannot record the previous release's contract: no previous")
    assert "\n" not in result.reason
    assert not (tmp_path / "run" / "stages" / "contracts" / "pytest.log").exists()
