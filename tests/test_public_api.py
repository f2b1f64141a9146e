"""The public API is what ``postdeploy.__all__`` says, no more and no less (as httpx pins its
exported members): a name that disappears or appears is a deliberate change, made here."""

from __future__ import annotations

import subprocess
import sys

import pytest

import postdeploy

PUBLIC = {
    "CheckOutcome", "CheckResult", "Config", "Decision", "Finding", "PostdeployError",
    "RollbackTrigger", "RunOutcome", "Severity", "Stage", "StageContext", "StageResult",
    "StageStatus", "Verdict", "fails_as", "load_config", "run",
}  # fmt: skip


def test_all_is_pinned() -> None:
    assert set(postdeploy.__all__) == PUBLIC
    assert sorted(postdeploy.__all__) == postdeploy.__all__


def test_every_public_name_resolves_and_lives_where_it_says() -> None:
    for name in postdeploy.__all__:
        value = getattr(postdeploy, name)
        assert getattr(value, "__module__", "").startswith("postdeploy."), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        postdeploy.NoSuchThing  # noqa: B018 - the lookup is the test


def test_importing_the_package_imports_nothing_heavy() -> None:
    """The plugin and the CLI import ``postdeploy`` first; the runner, the stages and SciPy
    come only with the first name that needs them."""
    probe = (
        "import sys, postdeploy; "
        "print(sorted(m for m in sys.modules if m.startswith(('postdeploy.', 'scipy'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]", out
