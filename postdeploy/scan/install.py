"""Where Wapiti is: the configured executable, else ``wapiti`` on PATH, else tools/wapiti/.

``make wapiti`` (``scripts/install-wapiti.sh``) installs it into ``tools/wapiti/`` of a
source checkout, a virtual environment of its own. Not finding it is not an error: the
security stage then reports the scan as not checked and says how to install it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["HOW_TO_INSTALL", "TOOLS_WAPITI", "find_wapiti"]

TOOLS_WAPITI = Path(__file__).resolve().parents[2] / "tools" / "wapiti" / "bin" / "wapiti"
HOW_TO_INSTALL = (
    "install it with `make wapiti` (its own environment in tools/wapiti/), or point "
    "POSTDEPLOY_WAPITI_PATH at a wapiti executable"
)


def find_wapiti(configured: Path | None = None) -> Path | None:
    """The Wapiti executable to run, or ``None`` when there is none.

    A configured path is used as is (the configuration checked that it is executable).
    """
    if configured is not None:
        return configured
    found = shutil.which("wapiti")
    if found:
        return Path(found)
    if TOOLS_WAPITI.is_file() and os.access(TOOLS_WAPITI, os.X_OK):
        return TOOLS_WAPITI
    return None
