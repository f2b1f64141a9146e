"""A few generated operations against the model: seconds, production-safe, cleaned up."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from postdeploy.checks.model_run import ModelReport

pytestmark = pytest.mark.smoke


@pytest.mark.model_budget("1x10:262144", large=False)
def test_media_service_keeps_the_models_promises(
    model_check: Callable[[], ModelReport], model_run: object
) -> None:
    """A short generated sequence of operations matches the model"""
    report = model_check()
    assert report.counters.steps > 0, f"the model ran no step: {report.summary}"
