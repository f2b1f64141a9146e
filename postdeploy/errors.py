"""Errors postdeploy raises when it *cannot check*, never when it found something wrong.

A finding is data (see :mod:`postdeploy.findings`); an exception means a check could not
run, which the gate turns into INCONCLUSIVE, never GO. The CLI prints any
:class:`PostdeployError` as one line on stderr; anything else is a bug.

    PostdeployError
     ├── ConfigError            bad postdeploy.toml, environment or flags
     ├── TargetError            the target answered, but not like the service we verify
     │    ├── TargetUnreachable refused, DNS failure or no answer within the timeout
     │    └── AuthError         a configured account could not log in
     ├── EmbeddedTargetError    the embedded unimedia could not be started
     ├── BaselineError          a baseline is missing, malformed or does not match
     ├── BrowserUnavailable     no Chromium could be started (postdeploy.checks.browser)
     ├── ToolMissing            an external command-line tool is not installed
     ├── MonitoringError        no Prometheus, or it cannot answer a query
     └── StageCrashed           a stage could not produce a result
          └── ScannerError      an external scanner (ZAP) was unreachable, refused the
                                API key, answered nonsense or did not finish in time
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BaselineError",
    "BrowserUnavailable",
    "ConfigError",
    "EmbeddedTargetError",
    "MonitoringError",
    "PostdeployError",
    "ScannerError",
    "StageCrashed",
    "TargetError",
    "TargetUnreachable",
    "ToolMissing",
]


class PostdeployError(Exception):
    """Base of every error postdeploy reports to the user as one line."""


class ConfigError(PostdeployError):
    """The configuration (file, environment, flags) is missing something or malformed."""


class TargetError(PostdeployError):
    """The target answered, but not as the service under verification should."""


class TargetUnreachable(TargetError):
    """No usable connection to the target: refused, unresolvable or timed out."""


class AuthError(TargetError):
    """A configured account was refused at login (wrong password or unknown user)."""


class EmbeddedTargetError(PostdeployError):
    """The embedded reference service did not start."""


class BaselineError(PostdeployError):
    """A baseline to compare with is missing, malformed or recorded differently."""


class MonitoringError(PostdeployError):
    """Prometheus is missing, unreachable or cannot answer a query: the metrics are unseen."""


class StageCrashed(PostdeployError):
    """A stage could not run to the end, so it has no trustworthy result."""


class ScannerError(StageCrashed):
    """An external scanner (ZAP) could not scan: the stage has no result, never a pass."""


class BrowserUnavailable(PostdeployError):
    """No browser could be started for a check or a report test that needs one."""


class ToolMissing(PostdeployError):
    """An external tool (e.g. the Allure command line) is not installed; says how to get it."""
