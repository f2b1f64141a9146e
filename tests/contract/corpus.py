"""The labelled corpus of spec pairs (``tests/contract/corpus/*.yaml``), read into cases.

Each file is a list of cases, written for this project (its licence); where a scenario is
modelled on a case a peer's maintainers wrote down (oasdiff, OpenAPITools/openapi-diff, both
Apache-2.0), its ``source`` names that case — the scenario, never a copied file. A case:

``id``
    unique within its file; the test id is ``<file>/<id>`` (``@3.0`` for a 3.0 twin).
``label``
    what an old client meets: ``breaking``, ``warning`` (nothing fails, something is
    silently lost), ``safe`` (changes, none of them harmful), ``unchanged`` (nothing that
    matters changed: no change may be reported at all) or ``unreadable`` (exit 2).
``rule``
    a rule the classifier must report (required but for ``unchanged``/``unreadable``).
``twin``
    also run the pair rewritten in OpenAPI 3.0 spelling (``nullable``, boolean exclusive
    bounds, ``enum`` for ``const``), to show both dialects are judged alike (``rule30``:
    the rule to expect there, where 3.0 can only say it another way).
``wrong``
    a case the classifier still gets wrong, and why (it runs as a strict xfail).
``why``, ``source``
    the reasoning, and where the scenario comes from (default: our own).

The pair itself: ``request: [old schema, new schema]`` (a JSON request body of ``POST
/items``), ``response: [...]`` (the 200 body of ``GET /items/{id}``), ``parameter:
[old, new]`` (a parameter of ``GET /items``; ``null`` for none), ``schemas`` (components
shared by both sides), or whole documents ``old``/``new`` (``openapi`` and ``info`` filled
in), or ``old_text``/``new_text`` parsed as they are.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from postdeploy.contract import Spec, parse_spec

CORPUS = Path(__file__).parent / "corpus"
LABELS = ("breaking", "warning", "safe", "unchanged", "unreadable")
JSON = "application/json"


@dataclass(frozen=True)
class Case:
    id: str
    label: str
    rule: str | None
    version: str
    old: str  # the documents as text, exactly what parse_spec reads
    new: str
    wrong: str | None
    why: str
    source: str

    def specs(self) -> tuple[Spec, Spec]:
        return parse_spec(self.old, f"{self.id} (old)"), parse_spec(self.new, f"{self.id} (new)")


def _document(raw: dict[str, Any], version: str, schemas: dict[str, Any] | None) -> dict:
    doc = {"openapi": version, "info": {"title": "corpus", "version": "1"}, "paths": {}}
    doc.update(copy.deepcopy(raw))
    if schemas:
        doc.setdefault("components", {}).setdefault("schemas", {}).update(copy.deepcopy(schemas))
    return doc


def _shorthand(case: dict[str, Any], side: int) -> dict[str, Any] | None:
    if "request" in case:
        schema = case["request"][side]
        return {"paths": {"/items": {"post": {
            "requestBody": {"required": True, "content": {JSON: {"schema": schema}}},
            "responses": {"201": {"description": "created"}},
        }}}}  # fmt: skip
    if "response" in case:
        schema = case["response"][side]
        return {"paths": {"/items/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {JSON: {"schema": schema}}}},
        }}}}  # fmt: skip
    if "parameter" in case:
        param = case["parameter"][side]
        operation: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
        if param is not None:
            operation["parameters"] = [param]
        return {"paths": {"/items": {"get": operation}}}
    return None


def to_30(node: Any) -> Any:
    """The same contract in OpenAPI 3.0 spelling (what a 3.0 author would have written)."""
    if isinstance(node, list):
        return [to_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: to_30(value) for key, value in node.items()}
    for keyword in ("anyOf", "oneOf"):
        branches = result.get(keyword)
        if isinstance(branches, list) and {"type": "null"} in branches:
            rest = [b for b in branches if b != {"type": "null"}]
            del result[keyword]
            if len(rest) == 1:
                inner = rest[0]
                if "$ref" in inner:
                    result["allOf"] = [inner]
                else:
                    result = {**inner, **result}
            else:
                result[keyword] = rest
            result["nullable"] = True
    types = result.get("type")
    if isinstance(types, list):
        real = [t for t in types if t != "null"]
        if len(real) == 1:
            result["type"] = real[0]
        else:
            del result["type"]
            result["anyOf"] = [{"type": t} for t in real]
        if "null" in types:
            result["nullable"] = True
    if "const" in result:
        result["enum"] = [result.pop("const")]
    for bound, inclusive in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        value = result.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            result[inclusive] = value
            result[bound] = True
    if isinstance(result.get("examples"), list) and "type" in result:
        result["example"] = result.pop("examples")[0]
    return result


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document)


def load_cases() -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for path in sorted(CORPUS.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in entries:
            name = f"{path.stem}/{entry['id']}"
            assert name not in seen, f"duplicate case {name}"
            seen.add(name)
            label = entry["label"]
            assert label in LABELS, f"{name}: label {label!r}"
            assert entry.get("rule") or label in ("unchanged", "unreadable"), f"{name}: no rule"
            common = {
                "label": label, "rule": entry.get("rule"), "wrong": entry.get("wrong"),
                "why": entry.get("why", ""), "source": entry.get("source", "own"),
            }  # fmt: skip
            if "old_text" in entry:
                cases.append(Case(id=name, version="as written", old=entry["old_text"],
                                  new=entry["new_text"], **common))  # fmt: skip
                continue
            version = str(entry.get("openapi", "3.1.0"))
            sides = []
            for side, key in ((0, "old"), (1, "new")):
                raw = _shorthand(entry, side) if key not in entry else entry[key]
                assert raw is not None, f"{name}: no {key} document"
                schemas = entry.get("schemas") or entry.get(f"{key}_schemas")
                sides.append(_document(raw, version, schemas))
            cases.append(Case(id=name, version=version, old=_text(sides[0]), new=_text(sides[1]),
                              **common))  # fmt: skip
            if entry.get("twin"):
                old30, new30 = (to_30(side) for side in sides)
                old30["openapi"] = new30["openapi"] = "3.0.3"
                twin_common = {**common, "rule": entry.get("rule30", common["rule"])}
                cases.append(Case(id=f"{name}@3.0", version="3.0.3", old=_text(old30),
                                  new=_text(new30), **twin_common))  # fmt: skip
    return cases
