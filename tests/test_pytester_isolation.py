"""A pytester test must not leave httpx mapping a different httpcore than it imports.

The sequence that failed CI: a test using ``pytester`` makes the worker's first HTTP
request (httpx loads httpcore and caches its exception classes), pytester then drops
httpcore from ``sys.modules``, and a later connection error escaped as a raw
``httpcore.ConnectError``. ``tests/conftest.py`` imports httpcore up front; this runs the
same two tests in a fresh interpreter, in that order, with and without that import.
"""

from __future__ import annotations

import pytest

SEQUENCE = """
import httpx

def test_first_request_inside_pytester(pytester):
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/", timeout=2)

def test_later_connection_error_is_httpx_s():
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/", timeout=2)
"""


@pytest.mark.parametrize("preload", [True, False], ids=["conftest-preloads", "no-preload"])
def test_connection_errors_stay_httpx_errors_after_a_pytester_test(
    pytester: pytest.Pytester, preload: bool
) -> None:
    conftest = 'pytest_plugins = ["pytester"]\n'
    if preload:
        conftest = "import httpcore  # noqa: F401\n" + conftest
    pytester.makeconftest(conftest)
    pytester.makepyfile("import pytest\n" + SEQUENCE)
    run = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:postdeploy"
    )
    # Without the preload the second test fails: the guard is shown to be needed.
    run.assert_outcomes(passed=2 if preload else 1, failed=0 if preload else 1)
