"""How much work one ``contract diff`` may do, so hostile input cannot hang or crash it.

A spec is data from outside: a YAML document whose properties alias each other nine deep
is a few hundred bytes that walk as a billion nodes, and a JSON document nested 100 000
deep overflows any recursive reader. Every bound below turns such input into a
:class:`SpecTooComplex` — exit 2, one ``error:`` line, "could not be compared" — instead
of a hang or a traceback (whose exit code a pipeline would read as a verdict; issue 16).

The figures leave room for real documents: the largest public API descriptions are a few
tens of MB with schemas a few dozen levels deep; the 5 MB benchmark spec
(``scripts/contract_diff_benchmark.py``) takes about a tenth of :data:`MAX_STEPS`.
"""

from __future__ import annotations

__all__ = ["MAX_DOCUMENT_BYTES", "MAX_NESTING", "MAX_SCHEMA_DEPTH", "MAX_STEPS"]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # one spec file
MAX_NESTING = 512  # mappings and lists inside each other, anywhere in a document
MAX_SCHEMA_DEPTH = 100  # schemas inside schemas (inline or through $refs) on one path
MAX_STEPS = 250_000  # schema pairs compared in one diff (aliases and $refs multiply)
