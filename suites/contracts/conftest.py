"""Contract fixtures: the baseline (a missing or malformed one fails every check's setup:
an ERROR, so the stage is INCONCLUSIVE, never a pass) and the example media."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from postdeploy.contract.baseline import ContractBaseline, baseline_file, read_contract_baseline
from postdeploy.contract.examples import example_media
from postdeploy.errors import BaselineError


def _embedded(config: pytest.Config) -> bool:
    """Is the target the embedded reference? (Set by the stage, or no target configured.)"""
    if os.environ.get("POSTDEPLOY_EMBEDDED") == "1":
        return True
    return not (config.getoption("postdeploy_target") or os.environ.get("POSTDEPLOY_TARGET"))


@pytest.fixture(scope="session")
def contract_baseline(pytestconfig: pytest.Config) -> ContractBaseline:
    try:
        return read_contract_baseline(baseline_file(embedded=_embedded(pytestconfig)))
    except BaselineError as exc:
        pytest.fail(f"postdeploy: {exc}", pytrace=False)


@pytest.fixture(scope="module")
def example_values(
    postdeploy_user: httpx.Client, postdeploy_run_tag: str, postdeploy_run_sweep: None
) -> Iterator[dict[str, str]]:
    """One tagged item per kind, the ids the recorded examples' templates need."""
    with example_media(postdeploy_user, postdeploy_run_tag) as values:
        yield values
