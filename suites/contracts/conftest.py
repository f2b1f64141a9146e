"""Contract fixtures: the baseline (a missing or malformed one fails every check's setup:
an ERROR, so the stage is INCONCLUSIVE, never a pass) and the example media."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from postdeploy.config import Config
from postdeploy.contract.baseline import ContractBaseline, baseline_file, read_contract_baseline
from postdeploy.contract.examples import example_media
from postdeploy.errors import BaselineError


@pytest.fixture(scope="session")
def contract_baseline(postdeploy_config: Config) -> ContractBaseline:
    """The recorded contract; for the embedded reference target (started by this session or
    by the stage's parent run) the frozen one shipped with the code when none is recorded."""
    path = baseline_file(
        postdeploy_config.baseline_dir, embedded=postdeploy_config.reference_target
    )
    try:
        return read_contract_baseline(path)
    except BaselineError as exc:
        pytest.fail(f"postdeploy: {exc}", pytrace=False)


@pytest.fixture(scope="module")
def example_values(
    postdeploy_user: httpx.Client, postdeploy_run_tag: str, postdeploy_run_sweep: None
) -> Iterator[dict[str, str]]:
    """One tagged item per kind, the ids the recorded examples' templates need."""
    with example_media(postdeploy_user, postdeploy_run_tag) as values:
        yield values
