"""The baselines the verification compares with exist and were recorded from the release
that is live now — the release a NO_GO would roll back to.

A baseline recorded from an older release makes "as good as before" mean "as good as two
releases ago"; a missing one makes the stage INCONCLUSIVE after the deploy, when it is too
late to record it. ``postdeploy preflight --record`` records them from the live release.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from postdeploy.baseline.store import read_load_baseline
from postdeploy.contract.baseline import read_contract_baseline
from postdeploy.errors import PostdeployError
from postdeploy.readiness.model import CheckState, ReadinessCheck

__all__ = ["baseline_checks"]


def baseline_checks(
    *, live_version: str | None, contract_file: Path, load_file: Path | None,
    load_profile: str,
) -> list[ReadinessCheck]:  # fmt: skip
    """``load_file=None``: the load stage needs no file here (the embedded target measures
    a fresh reference beside the release)."""
    checks = [
        _check(
            "baselines:contract", "the contract baseline is the live release's", contract_file,
            lambda path: read_contract_baseline(path).release, live_version,
            "postdeploy preflight --record (or postdeploy baseline record --stage contracts)",
        )
    ]  # fmt: skip
    if load_file is None:
        checks.append(ReadinessCheck(
            "baselines:load", "the load baseline is the live release's", CheckState.SKIPPED,
            "the embedded target's load stage loads a fresh reference beside the release",
        ))  # fmt: skip
    else:
        checks.append(_check(
            "baselines:load", f"the load baseline ({load_profile}) is the live release's",
            load_file, lambda path: read_load_baseline(path, profile=load_profile).release,
            live_version,
            f"postdeploy preflight --record (or postdeploy baseline record --stage load "
            f"--load-profile {load_profile})",
        ))  # fmt: skip
    return checks


def _check(
    check_id: str, title: str, path: Path, release_of: Callable[[Path], str | None],
    live: str | None, fix: str,
) -> ReadinessCheck:  # fmt: skip
    if not path.exists():
        return ReadinessCheck(check_id, title, CheckState.FAILED, f"{path} does not exist", fix)
    try:
        release = release_of(path)
    except PostdeployError as exc:
        return ReadinessCheck(check_id, title, CheckState.FAILED, str(exc), fix)
    if live is None:
        return ReadinessCheck(
            check_id,
            title,
            CheckState.ERROR,
            f"{path.name} is from {release}; the live version is unknown",
        )
    if release != live:
        return ReadinessCheck(check_id, title, CheckState.FAILED,
                              f"{path} was recorded from {release or 'an unknown release'}, "
                              f"{live} is live", fix)  # fmt: skip
    return ReadinessCheck(check_id, title, CheckState.PASSED, f"{path.name}: release {release}")
