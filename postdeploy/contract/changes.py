"""One classified difference (:class:`Change`), the two sides of an API (:class:`Direction`),
and how a place in a document is named (:func:`json_path`)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postdeploy.contract.rules import RULES, Level

__all__ = ["Change", "Direction", "json_path"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Direction(StrEnum):
    REQUEST = "request"  # what clients send: the server may accept more, never less
    RESPONSE = "response"  # what clients receive: the server may send less, never more

    @property
    def flipped(self) -> Direction:
        return Direction.RESPONSE if self is Direction.REQUEST else Direction.REQUEST


@dataclass(frozen=True, slots=True)
class Change:
    """One classified difference, with where it is and what it was and became."""

    rule: str
    operation: str
    path: str
    message: str
    old: Any = None
    new: Any = None

    @property
    def level(self) -> Level:
        return RULES[self.rule].level

    @property
    def breaking(self) -> bool:
        return self.level is Level.BREAKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level.label,
            "breaking": self.breaking,
            "operation": self.operation,
            "path": self.path,
            "message": self.message,
            "old": self.old,
            "new": self.new,
        }


def json_path(base: str, *keys: str | int) -> str:
    """``$.paths["/a/{id}"].get…``: dotted where a key is an identifier, bracketed elsewhere
    (list positions as ``[0]``)."""
    return base + "".join(map(_segment, keys))


@functools.lru_cache(maxsize=65536)
def _segment(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    text = str(key)
    return f".{text}" if _IDENTIFIER.match(text) else f"[{json.dumps(text)}]"
