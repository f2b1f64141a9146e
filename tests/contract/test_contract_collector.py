"""The cycle collector is paused only while a spec is read and compared, and comes back
exactly as it was (issue 17: the pause is for speed, it must not leak into the caller)."""

from __future__ import annotations

import gc
import json

import pytest

from postdeploy.contract import SpecError, diff_specs, parse_spec
from postdeploy.contract.collector import collector_paused


@pytest.fixture
def collector_on() -> object:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_back_on_after(collector_on: object) -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error(collector_on: object) -> None:
    with pytest.raises(SpecError), collector_paused():
        raise SpecError("boom")
    assert gc.isenabled()


def test_left_off_for_a_caller_that_switched_it_off(collector_on: object) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_reading_and_comparing_leave_it_on(collector_on: object) -> None:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    diff_specs(parse_spec(json.dumps(doc), "a"), parse_spec(json.dumps(doc), "b"))
    assert gc.isenabled()
    with pytest.raises(SpecError):
        parse_spec("openapi: [unclosed", "bad")
    assert gc.isenabled()
