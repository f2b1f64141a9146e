"""The measurement scripts under ``scripts/``, imported so their code runs here, not a copy.

``scripts/`` is not a package (each file is run as a program); these benchmarks reuse their
functions — the load-vs-Locust rounds, the watch's process-tree sampling — by loading the
file as a module.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from types import ModuleType

from bench.core import REPO


@cache
def script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (loaded once)."""
    path = REPO / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"postdeploy_scripts_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
