"""What every baseline file is: one JSON object with a ``kind`` and a ``version``, written
atomically beside the code that a team commits it with.

One reader for all of them, so a missing, unreadable or foreign file reads the same
whichever baseline it was meant to be (a :class:`~postdeploy.errors.BaselineError` naming
the file and what to do), and one writer, so a run killed mid-write never leaves half a
baseline where the next run would read it.
"""

from __future__ import annotations

import json
from collections.abc import Container
from pathlib import Path
from typing import Any

from postdeploy.errors import BaselineError

__all__ = ["read_baseline_document", "write_baseline_document"]


def write_baseline_document(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a ``.partial`` beside it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def read_baseline_document(
    path: Path, *, kind: str, versions: Container[int], what: str, stage: str
) -> dict[str, Any]:
    """The JSON object at ``path``, checked to be a ``kind`` baseline of a readable version.

    ``what`` names it in messages ("load baseline"); ``stage`` is the ``baseline record``
    stage that writes one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"no {what} at {path}: record one from the last good release with "
            f"`postdeploy baseline record --stage {stage}`"
        ) from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: not a readable JSON baseline: {exc}") from None
    found = document.get("kind") if isinstance(document, dict) else None
    if found != kind:
        raise BaselineError(f"{path}: not a {what} (kind={found!r})")
    if document.get("version") not in versions:
        raise BaselineError(f"{path}: {what} version {document.get('version')!r} unknown")
    return document
