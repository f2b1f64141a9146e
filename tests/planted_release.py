"""A scratch copy of this checkout's unimedia with a regression planted in its code: the
release under test of the previous-release proofs (nothing a fault name switches on)."""

from __future__ import annotations

import shutil
from pathlib import Path

from postdeploy.target.previous_release import ReleaseCode

REPO = Path(__file__).resolve().parents[1]


def planted_unimedia(root: Path, edits: dict[str, tuple[str, str]]) -> ReleaseCode:
    """``unimedia/`` copied under ``root``, each ``{path: (old, new)}`` replaced once; the
    copy as a release (the working tree's version, a commit that says what it is)."""
    shutil.copytree(
        REPO / "unimedia", root / "unimedia", ignore=shutil.ignore_patterns("__pycache__")
    )
    for path, (old, new) in edits.items():
        text = (root / path).read_text()
        assert text.count(old) == 1, f"{path} changed: plant the regression anew"
        (root / path).write_text(text.replace(old, new))
    return ReleaseCode(root=root, version="2.0.0", commit="planted-by-the-test")
