"""API contracts: read OpenAPI documents, classify their differences, record baselines.

``load`` reads documents (bounded: ``limits``) and checks their ``shape``, ``schema``
normalises schemas, ``operations`` matches operations across releases, ``diff`` and
``schema_diff`` classify differences by the rules in ``rules``; ``ignore`` applies a file
of accepted changes and ``render`` prints them for ``postdeploy contract diff``. The
contract stage (``suites/contracts``) builds on the same functions, so the pipeline and
``postdeploy verify`` judge a change alike.
"""

from __future__ import annotations

from postdeploy.contract.changes import Change, Direction
from postdeploy.contract.diff import diff_specs
from postdeploy.contract.load import Spec, SpecError, SpecTooComplex, load_spec, parse_spec
from postdeploy.contract.rules import RULES, Level, Rule

__all__ = [
    "RULES",
    "Change",
    "Direction",
    "Level",
    "Rule",
    "Spec",
    "SpecError",
    "SpecTooComplex",
    "diff_specs",
    "load_spec",
    "parse_spec",
]
