"""A few generated operations against the model: seconds, production-safe, cleaned up."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from postdeploy.checks.model_run import ModelReport

pytestmark = pytest.mark.smoke


# Three tours: the whole workflow through every API (and every listing's edges once), then
# twice more on a store that already holds items. Ten took 2.4 s of a 9 s smoke run; the
# integration stage's 8x25 is where the generated sequences go deep (docs/model-checks.md).
@pytest.mark.model_budget("1x3:262144", large=False)
def test_media_service_keeps_the_models_promises(
    model_check: Callable[[], ModelReport], model_run: object
) -> None:
    """A short generated sequence of operations matches the model"""
    report = model_check()
    assert report.counters.steps > 0, f"the model ran no step: {report.summary}"
