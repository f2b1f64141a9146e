"""unimedia's command line run to completion: a failure reads as one line naming the
command, the success path returns quietly."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.config import process_environment
from postdeploy.errors import StageCrashed
from postdeploy.target.unimedia_commands import run_unimedia


def test_a_failed_command_is_a_stage_crash_naming_its_words_and_last_line() -> None:
    with pytest.raises(StageCrashed, match=r"^unimedia no-such-command failed: .*invalid choice"):
        run_unimedia("no-such-command", "--data", "/nowhere", env=process_environment())


def test_a_command_that_works_returns(tmp_path: Path) -> None:
    run_unimedia("seed-legacy", "--count", "3", "--data", str(tmp_path), env=process_environment())
    assert (tmp_path / "unimedia.db").is_file()
