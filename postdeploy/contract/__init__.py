"""API contracts: read OpenAPI documents, classify their differences, record baselines.

``load`` reads and resolves documents, ``schema`` normalises schemas, ``diff`` classifies
differences by the rules in ``rules``; ``render`` prints them for ``postdeploy contract
diff``. The contract stage (:mod:`postdeploy.stages.contract_stage`) builds on the same
functions.
"""

from __future__ import annotations

from postdeploy.contract.diff import Change, Direction, diff_specs
from postdeploy.contract.load import Spec, SpecError, load_spec, parse_spec
from postdeploy.contract.rules import RULES, Rule

__all__ = [
    "RULES",
    "Change",
    "Direction",
    "Rule",
    "Spec",
    "SpecError",
    "diff_specs",
    "load_spec",
    "parse_spec",
]
