"""What a run says about its target, safe to put in any report (no secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postdeploy.config import TargetSettings

__all__ = ["TargetInfo", "describe_target"]


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """The target as reports show it: where, which release was expected and which is live."""

    url: str
    embedded: bool
    expected_version: str | None
    live_version: str | None
    accounts: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "embedded": self.embedded,
            "expected_version": self.expected_version,
            "live_version": self.live_version,
            "accounts": [{"username": name, "role": role} for name, role in self.accounts],
        }


def describe_target(
    settings: TargetSettings,
    *,
    url: str | None = None,
    live_version: str | None = None,
    embedded: bool | None = None,
) -> TargetInfo:
    """Reduce settings to what may be shown: URL, versions, account names and roles."""
    return TargetInfo(
        url=url or settings.url or "(embedded unimedia, not started)",
        embedded=settings.embedded if embedded is None else embedded,
        expected_version=settings.expected_version,
        live_version=live_version,
        accounts=tuple((account.username, account.role) for account in settings.accounts),
    )
