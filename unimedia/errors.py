"""Exceptions unimedia raises outside of HTTP handling.

    UnimediaError
    └── ConfigError          bad settings, accounts file or fault switch: exit 2 at startup
        └── FaultSpecError   UNIMEDIA_FAULTS names an unknown fault or has bad syntax

HTTP errors are :class:`unimedia.problems.ProblemError`; they never leave the app.
"""

from __future__ import annotations


class UnimediaError(Exception):
    """Base of every error unimedia raises on purpose."""


class ConfigError(UnimediaError):
    """The service cannot start with the configuration it was given."""


class FaultSpecError(ConfigError):
    """``UNIMEDIA_FAULTS`` could not be parsed; the message names the bad part."""
