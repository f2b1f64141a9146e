"""A normalised view of one JSON/OpenAPI schema, so 3.0 and 3.1 compare alike.

What is normalised, and why (each of these is a spelling, not a change):

* ``$ref`` chains are followed (the ref name is kept to match union branches and stop
  recursion);
* ``nullable: true`` (3.0), ``type: [T, "null"]`` (3.1) and ``anyOf/oneOf [T, {type:
  null}]`` (what pydantic emits) all become ``nullable``;
* ``allOf`` conjuncts are merged into one schema (properties and required united, types
  intersected);
* a schema with ``properties`` and no ``type`` is an object;
* 3.0's boolean ``exclusiveMaximum``/``exclusiveMinimum`` become 3.1's numeric bounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from postdeploy.contract.load import Spec

__all__ = ["ANY_TYPES", "Bound", "SchemaView", "view"]

ANY_TYPES: frozenset[str] | None = None
_NULL = frozenset({"null"})
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties")


@dataclass(frozen=True, slots=True)
class Bound:
    """A numeric bound; ``exclusive`` makes it strict."""

    value: float
    exclusive: bool = False


@dataclass(slots=True)
class SchemaView:
    """The parts of a schema the classifier compares. ``types is None`` means any type."""

    types: frozenset[str] | None = None
    nullable: bool = False
    format: str | None = None
    enum: frozenset[str] | None = None  # JSON-encoded values, so lists/dicts compare
    properties: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: Any = True  # True (anything), False, or a schema node
    items: Any = None
    alternatives: list[Any] = field(default_factory=list)
    read_only: bool = False
    write_only: bool = False
    counts: dict[str, float] = field(default_factory=dict)  # maxLength, minItems, …
    maximum: Bound | None = None
    minimum: Bound | None = None
    pattern: str | None = None
    multiple_of: float | None = None
    unique_items: bool = False
    ref: str | None = None
    title: str | None = None


def view(spec: Spec, node: Any, depth: int = 0) -> SchemaView:
    """The normalised view of ``node`` (a schema, possibly a ``$ref``)."""
    node, ref = spec.resolve(node)
    if node is True or node is None or not isinstance(node, dict):
        return SchemaView(ref=ref)
    result = _own(spec, node)
    result.ref = ref
    for conjunct in node.get("allOf", ()) if depth < 32 else ():
        _merge(result, view(spec, conjunct, depth + 1))
    if node.get("nullable") is True:
        result.nullable = True  # 3.0's idiom for a nullable $ref: allOf [$ref] + nullable
    branches = [*node.get("oneOf", ()), *node.get("anyOf", ())]
    kept = []
    for branch in branches:
        target, _ = spec.resolve(branch)
        if isinstance(target, dict) and _types(target) == _NULL and len(target) <= 2:
            result.nullable = True  # {type: null} (+ maybe a title) is nullability
        else:
            kept.append(branch)
    if len(kept) == 1 and branches:
        # [T, null]: the union is T itself, nullable — spelled differently, same contract
        inner = view(spec, kept[0], depth + 1)
        inner.nullable = inner.nullable or result.nullable
        _merge(result, inner)
        result.nullable = inner.nullable
        result.ref = result.ref or inner.ref
    else:
        result.alternatives = kept
    return result


def _types(node: dict[str, Any]) -> frozenset[str] | None:
    raw = node.get("type")
    if raw is None:
        return None
    return frozenset([raw] if isinstance(raw, str) else raw)


def _own(spec: Spec, node: dict[str, Any]) -> SchemaView:
    result = SchemaView()
    types = _types(node)
    if types is not None and "null" in types:
        result.nullable = True
        types = types - _NULL or None
    if types is None and ("properties" in node or "additionalProperties" in node):
        types = frozenset({"object"})
    if types is None and "items" in node:
        types = frozenset({"array"})
    result.types = types
    result.nullable = result.nullable or node.get("nullable") is True
    result.format = node.get("format")
    if "enum" in node and isinstance(node["enum"], list):
        values = [v for v in node["enum"] if not (v is None and node.get("nullable"))]
        if None in values:
            result.nullable = True
            values = [v for v in values if v is not None]
        result.enum = frozenset(json.dumps(v, sort_keys=True) for v in values)
    if "const" in node:
        result.enum = frozenset({json.dumps(node["const"], sort_keys=True)})
    props = node.get("properties")
    result.properties = dict(props) if isinstance(props, dict) else {}
    required = node.get("required")
    result.required = frozenset(required) if isinstance(required, list) else frozenset()
    additional = node.get("additionalProperties", True)
    result.additional = False if additional is False else additional
    result.items = node.get("items")
    result.read_only = node.get("readOnly") is True
    result.write_only = node.get("writeOnly") is True
    for key in (*UPPER_BOUNDS, *LOWER_BOUNDS):
        if isinstance(node.get(key), int | float):
            result.counts[key] = float(node[key])
    result.maximum = _bound(node, "maximum", "exclusiveMaximum")
    result.minimum = _bound(node, "minimum", "exclusiveMinimum")
    result.pattern = node.get("pattern")
    multiple = node.get("multipleOf")
    result.multiple_of = float(multiple) if isinstance(multiple, int | float) else None
    result.unique_items = node.get("uniqueItems") is True
    result.title = node.get("title")
    return result


def _bound(node: dict[str, Any], inclusive_key: str, exclusive_key: str) -> Bound | None:
    exclusive = node.get(exclusive_key)
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        return Bound(float(exclusive), exclusive=True)  # 3.1 spelling
    value = node.get(inclusive_key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Bound(float(value), exclusive=exclusive is True)  # 3.0 boolean spelling
    return None


def _merge(into: SchemaView, other: SchemaView) -> None:
    """Merge an ``allOf`` conjunct (or a union's only branch) into ``into``."""
    if other.types is not None:
        into.types = other.types if into.types is None else (into.types & other.types)
    into.nullable = into.nullable and other.nullable if into.types else other.nullable
    into.format = into.format or other.format
    if other.enum is not None:
        into.enum = other.enum if into.enum is None else into.enum & other.enum
    for name, prop in other.properties.items():
        if name in into.properties and into.properties[name] != prop:
            into.properties[name] = {"allOf": [into.properties[name], prop]}
        else:
            into.properties[name] = prop
    into.required = into.required | other.required
    if other.additional is False:
        into.additional = False
    into.items = into.items if into.items is not None else other.items
    into.alternatives = into.alternatives or other.alternatives
    into.read_only = into.read_only or other.read_only
    into.write_only = into.write_only or other.write_only
    for key, value in other.counts.items():
        into.counts.setdefault(key, value)
    into.maximum = into.maximum or other.maximum
    into.minimum = into.minimum or other.minimum
    into.pattern = into.pattern or other.pattern
    into.multiple_of = into.multiple_of or other.multiple_of
    into.unique_items = into.unique_items or other.unique_items
    into.title = into.title or other.title
