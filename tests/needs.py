"""Tests that need an external tool: skipped on a developer machine, failed in CI."""

from __future__ import annotations

import os

import pytest

__all__ = ["require_tool"]


def require_tool(available: bool, what: str) -> None:
    """Skip a test whose external tool is missing — but fail in CI, which must install it."""
    if available:
        return
    message = f"{what} is not installed (make tools / make test installs it)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
