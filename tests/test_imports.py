"""Every module imports on its own, whichever is imported first.

``postdeploy/__init__`` imports nothing heavy (so the pytest plugin and the CLI start
fast); that removed an accidental import order that had hidden a cycle (load runner →
stages → load stage → load runner), found only when a test imported the runner first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("postdeploy", "unimedia")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
print("\n".join(failed))
"""


def _modules() -> list[str]:
    names = []
    for package in ("postdeploy", "unimedia"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first() -> None:
    modules = _modules()
    assert len(modules) > 50  # the walk found the packages
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", result.stdout
