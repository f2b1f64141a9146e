"""The media service against its model: generated sequences of every operation through
every API, each answer compared with what must be true (docs/model-checks.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from postdeploy.checks.model_run import ModelReport

pytestmark = pytest.mark.integration


@pytest.mark.model_budget("8x25:6291456")
def test_media_service_keeps_the_models_promises(
    model_check: Callable[[], ModelReport], model_run: object
) -> None:
    """Every answer to generated operations matches the model"""
    report = model_check()
    assert report.counters.steps > 0, f"the model ran no step: {report.summary}"
