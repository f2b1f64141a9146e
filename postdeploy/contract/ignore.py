"""Accepted changes: ``postdeploy contract diff --ignore FILE``.

A team that decides to live with a breaking change (the client that read the field is
gone; the partner agreed) lists it once, and the pipeline stops failing on it — still
shown, as ``ignored``, never hidden. One entry a line, the rule and the JSON path of the
change, as ``contract diff`` prints them, and a reason after ``#``::

    # v1 listing drops legacy_url — agreed with the mobile team, ticket API-231
    response-property-removed  $.paths["/api/v1/images"].get.responses["200"]*.legacy_url
    request-parameter-removed  *                       # every parameter we drop this release

``*`` matches any run of characters (and is the only wildcard: a JSON path's brackets are
literal), in the path and in the rule. Entries are matched by rule and path rather than by
the message text, which changes with every wording fix (oasdiff's ignore file matches the
message, and its users report lines that stop matching, oasdiff#215). An entry that
matches nothing is reported (a stale acceptance should be removed, not left to accept the
next change by accident).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from postdeploy.contract.changes import Change
from postdeploy.contract.rules import RULES
from postdeploy.errors import ConfigError

__all__ = ["Accepted", "IgnoreEntry", "apply_ignores", "read_ignore_file"]

_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    rule: str
    path: str
    line: int
    reason: str

    def matches(self, change: Change) -> bool:
        return _glob(self.rule).fullmatch(change.rule) is not None and (
            _glob(self.path).fullmatch(change.path) is not None
        )


@dataclass(frozen=True, slots=True)
class Accepted:
    """The changes that still count, the ignored ones, and entries that matched nothing."""

    counted: list[Change]
    ignored: list[Change]
    unused: list[IgnoreEntry]


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def read_ignore_file(path: Path) -> list[IgnoreEntry]:
    """The entries of ``path``; a malformed line is a :class:`ConfigError` naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read ignore file {path}: {exc.strerror or exc}") from None
    if len(data) > _MAX_BYTES:
        raise ConfigError(f"ignore file {path}: larger than {_MAX_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"ignore file {path}: not UTF-8") from None
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content, _, reason = raw.partition(" #")
        content = "" if content.lstrip().startswith("#") else content.strip()
        if not content:
            continue
        fields = content.split(None, 1)
        if len(fields) != 2:
            raise ConfigError(
                f"ignore file {path}:{number}: expected '<rule> <JSON path>', got {content!r:.80}"
            )
        rule, where = fields[0], fields[1].strip()
        if "*" not in rule and rule not in RULES:
            raise ConfigError(f"ignore file {path}:{number}: unknown rule {rule!r:.60}")
        if not (where.startswith("$") or where.startswith("*")):
            raise ConfigError(
                f"ignore file {path}:{number}: the path must be a JSON path ($…) or *"
            )
        entries.append(IgnoreEntry(rule, where, number, reason.strip()))
    return entries


def apply_ignores(changes: Iterable[Change], entries: list[IgnoreEntry]) -> Accepted:
    counted, ignored, used = [], [], set()
    for change in changes:
        match = next((entry for entry in entries if entry.matches(change)), None)
        if match is None:
            counted.append(change)
        else:
            ignored.append(change)
            used.add(match.line)
    return Accepted(counted, ignored, [entry for entry in entries if entry.line not in used])
