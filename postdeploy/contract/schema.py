"""A normalised view of one JSON/OpenAPI schema, so 3.0 and 3.1 compare alike.

What is normalised, and why (each of these is a spelling, not a change):

* ``$ref`` chains are followed (the ref name is kept to match union branches);
* ``nullable: true`` (3.0), ``type: [T, "null"]`` (3.1) and ``anyOf/oneOf [T, {type:
  null}]`` (what pydantic emits) all become ``nullable``; ``oneOf: [A]`` is A;
* ``allOf`` conjuncts are merged into one schema as a conjunction: properties and
  required united, types and enums intersected, and of two bounds the stricter kept — so
  an ``allOf`` member added to a request is seen for what it tightens (a ``allOf`` that
  refers to itself, directly or not, adds nothing the second time and is skipped);
* a schema with ``properties`` and no ``type`` is an object, one with ``items`` an array;
* 3.0's boolean ``exclusiveMaximum``/``exclusiveMinimum`` become 3.1's numeric bounds;
* ``true`` is the schema that accepts anything, ``false`` the one that accepts nothing.

Views are cached per document by the node they were made from, so the classifier can ask
for one as often as it likes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from postdeploy.contract.limits import MAX_SCHEMA_DEPTH
from postdeploy.contract.load import Spec, SpecError, SpecTooComplex
from postdeploy.contract.shape import schema_problem

__all__ = [
    "LOWER_BOUNDS",
    "SUBSCHEMA_KEYWORDS",
    "UPPER_BOUNDS",
    "Bound",
    "Discriminator",
    "SchemaView",
    "Union",
    "canonical",
    "merge",
    "ref_name",
    "view",
]

_NULL = frozenset({"null"})
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maxContains")
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minContains")
# keywords whose value is one sub-schema every valid instance (or part of it) must match
SUBSCHEMA_KEYWORDS = (
    "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "not",
    "contentSchema",
)  # fmt: skip
_DOC_ONLY = frozenset({"title", "description", "examples", "example", "$comment", "deprecated"})


@dataclass(frozen=True, slots=True)
class Bound:
    """A numeric bound; ``exclusive`` makes it strict."""

    value: float
    exclusive: bool = False


@dataclass(frozen=True, slots=True)
class Union:
    """A ``oneOf`` or ``anyOf``: its keyword and its branches (null branches folded out)."""

    keyword: str
    branches: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Discriminator:
    property: str | None
    mapping: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class SchemaView:
    """The parts of a schema the classifier compares.

    ``types is None`` means any type; an empty ``types`` means no value at all (the
    ``false`` schema). ``node_id`` names the resolved node, so comparisons can be
    remembered and recursion recognised.
    """

    types: frozenset[str] | None = None
    nullable: bool = False
    format: str | None = None
    enum: frozenset[str] | None = None  # JSON-encoded values, so lists/dicts compare
    properties: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: Any = True  # True (anything), False, or a schema node
    items: Any = None
    prefix_items: tuple[Any, ...] | None = None
    unions: list[Union] = field(default_factory=list)
    read_only: bool = False
    write_only: bool = False
    counts: dict[str, float] = field(default_factory=dict)  # maxLength, minItems, …
    maximum: Bound | None = None
    minimum: Bound | None = None
    patterns: frozenset[str] = frozenset()
    multiple_of: float | None = None
    unique_items: bool = False
    subschemas: dict[str, list[Any]] = field(default_factory=dict)  # contains, not, …
    conditionals: list[tuple[Any, Any, Any]] = field(default_factory=list)  # if, then, else
    dependent_required: frozenset[tuple[str, str]] = frozenset()
    dependent_schemas: dict[str, list[Any]] = field(default_factory=dict)
    pattern_properties: dict[str, list[Any]] = field(default_factory=dict)
    content: dict[str, str] = field(default_factory=dict)  # contentMediaType, contentEncoding
    discriminator: Discriminator | None = None
    ref: str | None = None
    title: str | None = None
    node_id: int = 0
    empty: bool = False  # nothing at all is declared (``{}``, ``true``, documentation only)
    # synthetic nodes made while merging: they live as long as the view, so ids stay unique
    keep: list[Any] = field(default_factory=list, repr=False)
    # for an alternative made of a union's branch: the nodes it was made of, so a branch
    # that leads back to one of them is not distributed again
    origins: frozenset[int] = frozenset()

    @property
    def alternatives(self) -> tuple[Any, ...]:
        """The branches of the first union (most schemas have at most one)."""
        return self.unions[0].branches if self.unions else ()

    @property
    def closed(self) -> bool:
        """Are properties not declared here rejected?"""
        return self.additional is False or self.subschemas.get("unevaluatedProperties") == [False]

    def clone(self) -> SchemaView:
        """A copy whose containers can be changed without touching this (cached) view."""
        other = copy.copy(self)
        other.properties = dict(self.properties)
        other.unions = list(self.unions)
        other.counts = dict(self.counts)
        other.subschemas = {k: list(v) for k, v in self.subschemas.items()}
        other.conditionals = list(self.conditionals)
        other.dependent_schemas = {k: list(v) for k, v in self.dependent_schemas.items()}
        other.pattern_properties = {k: list(v) for k, v in self.pattern_properties.items()}
        other.content = dict(self.content)
        other.keep = list(self.keep)
        return other


def canonical(value: Any) -> str:
    """A stable text for any JSON value (enum values, ``if`` conditions, fingerprints);
    ``1.0`` and ``1`` are one JSON Schema value, so they are one text."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    elif isinstance(value, list | dict):
        value = _integral(value)
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _integral(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_integral(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item, depth + 1) for key, item in value.items()}
    return value


def view(spec: Spec, node: Any, _chain: tuple[int, ...] = ()) -> SchemaView:
    """The normalised view of ``node`` (a schema, possibly a ``$ref``), cached per spec.

    Every ``$ref`` to a schema shares that schema's one view (so a component used a
    thousand times is normalised once); :func:`ref_name` says which name a node refers by.
    ``_chain`` holds the nodes whose ``allOf`` is being expanded, to recognise one that
    includes itself.
    """
    cached = spec.views.get(id(node))
    if cached is not None:
        return cached[1]
    target = spec.resolve(node)[0] if isinstance(node, dict) and "$ref" in node else node
    if id(target) in _chain:
        # a schema that is part of its own definition (through allOf or a one-branch
        # union) adds nothing the second time round; not cached: it is no view of its own
        return SchemaView(node_id=id(target), empty=True)
    if target is not node:
        result = view(spec, target, _chain)
    elif target is False:
        result = SchemaView(types=frozenset(), node_id=id(target))
    elif not isinstance(target, dict):
        result = SchemaView(node_id=id(target), empty=True)
    else:
        result = _view_of(spec, target, (*_chain, id(target)))
    spec.views[id(node)] = (node, result)
    return result


def ref_name(spec: Spec, node: Any) -> str | None:
    """The last ``$ref`` followed from ``node`` (``#/components/schemas/Cat``), if any."""
    return spec.resolve(node)[1] if isinstance(node, dict) and "$ref" in node else None


def _view_of(spec: Spec, node: dict[str, Any], chain: tuple[int, ...]) -> SchemaView:
    if len(chain) > MAX_SCHEMA_DEPTH:
        raise SpecTooComplex(f"{spec.source}: allOf nested more than {MAX_SCHEMA_DEPTH} deep")
    problem = schema_problem(node)
    if problem:
        raise SpecError(f"{spec.source}: {problem}")
    result = _own(node)
    result.node_id = id(node)
    keep = result.keep
    conjuncts = node.get("allOf")
    for conjunct in conjuncts if isinstance(conjuncts, list) else ():
        target, _ = spec.resolve(conjunct)
        if id(target) in chain:
            continue  # allOf through itself: A and A is A
        inner = view(spec, conjunct, chain)
        if any(_refers_back(spec, union, chain) for union in inner.unions):
            # the parent of a polymorphic family (Pet: oneOf [Cat, Dog]) included by a
            # child (Cat: allOf [Pet, …]): the child is one of the branches, so the union
            # says nothing more about it
            inner = inner.clone()
            inner.unions = [u for u in inner.unions if not _refers_back(spec, u, chain)]
        merge(result, inner, keep)
    if node.get("nullable") is True:
        result.nullable = True  # 3.0's idiom for a nullable $ref: allOf [$ref] + nullable
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list):
            continue
        kept = []
        for branch in branches:
            target, _ = spec.resolve(branch)
            if _is_null_branch(target):
                result.nullable = True  # {type: null} (+ maybe a title) is nullability
            else:
                kept.append(branch)
        if len(kept) == 1:
            # [T, null] or [T]: the union is T itself — spelled differently, same contract
            nullable = result.nullable
            inner = view(spec, kept[0], chain)
            merge(result, inner, keep)
            result.nullable = nullable or inner.nullable
            result.ref = result.ref or ref_name(spec, kept[0]) or inner.ref
        elif kept:
            result.unions.append(Union(keyword, tuple(kept)))
    result.empty = result.empty and not conjuncts and not result.unions
    return result


def _refers_back(spec: Spec, union: Union, chain: tuple[int, ...]) -> bool:
    return any(id(spec.resolve(branch)[0]) in chain for branch in union.branches)


def _is_null_branch(target: Any) -> bool:
    if not isinstance(target, dict):
        return False
    return _types(target) == _NULL and set(target) - _DOC_ONLY == {"type"}


def _types(node: dict[str, Any]) -> frozenset[str] | None:
    raw = node.get("type")
    if isinstance(raw, str):
        return frozenset([raw])
    if isinstance(raw, list):
        return frozenset(t for t in raw if isinstance(t, str))
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_COUNTS = frozenset((*UPPER_BOUNDS, *LOWER_BOUNDS))
_SUBSCHEMAS = frozenset(SUBSCHEMA_KEYWORDS)
_RARE = frozenset({
    "enum", "const", "required", "additionalProperties", "prefixItems", "readOnly",
    "writeOnly", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "pattern",
    "multipleOf", "uniqueItems", "if", "then", "else", "dependentRequired",
    "dependentSchemas", "patternProperties", "contentMediaType", "contentEncoding",
    "discriminator", "title", "nullable",
})  # fmt: skip


def _own(node: dict[str, Any]) -> SchemaView:
    """The node's own keywords. Most schemas use two or three of them, so the keywords
    present are looked at, not every keyword there is."""
    result = SchemaView()
    keys = node.keys()
    result.empty = not (keys - _DOC_ONLY)
    types = _types(node)
    if types is not None and "null" in types:
        result.nullable = True
        types = types - _NULL
    if types is None and ("properties" in node or "additionalProperties" in node):
        types = frozenset({"object"})
    if types is None and ("items" in node or "prefixItems" in node):
        types = frozenset({"array"})
    result.types = types
    fmt = node.get("format")
    result.format = fmt if isinstance(fmt, str) else None
    props = node.get("properties")
    result.properties = dict(props) if isinstance(props, dict) else {}
    result.items = node.get("items")
    for key in keys & _COUNTS:
        value = _number(node[key])
        if value is not None:
            result.counts[key] = value
    for key in keys & _SUBSCHEMAS:
        if node[key] is not True:
            result.subschemas[key] = [node[key]]
    if keys & _RARE:
        _rare(node, result)
    return result


def _rare(node: dict[str, Any], result: SchemaView) -> None:
    result.nullable = result.nullable or node.get("nullable") is True
    if isinstance(node.get("enum"), list):
        values = [v for v in node["enum"] if not (v is None and node.get("nullable"))]
        if None in values:
            result.nullable = True
            values = [v for v in values if v is not None]
        result.enum = frozenset(canonical(v) for v in values)
    if "const" in node:
        const = frozenset({canonical(node["const"])}) if node["const"] is not None else frozenset()
        result.nullable = result.nullable or node["const"] is None
        result.enum = const if result.enum is None else result.enum & const
    required = node.get("required")
    if isinstance(required, list):
        result.required = frozenset(r for r in required if isinstance(r, str))
    additional = node.get("additionalProperties", True)
    result.additional = False if additional is False else additional
    prefix = node.get("prefixItems")
    result.prefix_items = tuple(prefix) if isinstance(prefix, list) else None
    result.read_only = node.get("readOnly") is True
    result.write_only = node.get("writeOnly") is True
    result.maximum = _bound(node, "maximum", "exclusiveMaximum")
    result.minimum = _bound(node, "minimum", "exclusiveMinimum")
    pattern = node.get("pattern")
    result.patterns = frozenset([pattern]) if isinstance(pattern, str) else frozenset()
    result.multiple_of = _number(node.get("multipleOf"))
    result.unique_items = node.get("uniqueItems") is True
    if any(key in node for key in ("if", "then", "else")):
        result.conditionals.append((node.get("if"), node.get("then"), node.get("else")))
    dependent = node.get("dependentRequired")
    if isinstance(dependent, dict):
        result.dependent_required = frozenset(
            (key, name) for key, names in dependent.items() if isinstance(names, list)
            for name in names if isinstance(name, str)
        )  # fmt: skip
    for source, target in (("dependentSchemas", result.dependent_schemas),
                           ("patternProperties", result.pattern_properties)):  # fmt: skip
        mapping = node.get(source)
        if isinstance(mapping, dict):
            for key, child in mapping.items():
                target[key] = [child]
    for key in ("contentMediaType", "contentEncoding"):
        if isinstance(node.get(key), str):
            result.content[key] = node[key].lower()
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict):
        mapping = discriminator.get("mapping")
        pairs = sorted((str(k), str(v)) for k, v in mapping.items()) if isinstance(
            mapping, dict) else []  # fmt: skip
        name = discriminator.get("propertyName")
        result.discriminator = Discriminator(name if isinstance(name, str) else None, tuple(pairs))
    title = node.get("title")
    result.title = title if isinstance(title, str) else None


def _bound(node: dict[str, Any], inclusive_key: str, exclusive_key: str) -> Bound | None:
    exclusive = node.get(exclusive_key)
    strict = _number(exclusive)
    if strict is not None:
        return Bound(strict, exclusive=True)  # 3.1 spelling
    value = _number(node.get(inclusive_key))
    if value is not None:
        return Bound(value, exclusive=exclusive is True)  # 3.0 boolean spelling
    return None


def _stricter(a: Bound | None, b: Bound | None, *, upper: bool) -> Bound | None:
    if a is None or b is None:
        return a or b
    if a.value != b.value:
        return (a if a.value < b.value else b) if upper else (a if a.value > b.value else b)
    return a if a.exclusive else b


def _both(first: Any, second: Any, keep: list[Any]) -> Any:
    """One node that means both ``first`` and ``second`` (a synthetic allOf)."""
    if first is None or first is second:
        return second
    if second is None:
        return first
    node = {"allOf": [first, second]}
    keep.append(node)
    return node


def merge(into: SchemaView, other: SchemaView, keep: list[Any]) -> None:
    """Merge an ``allOf`` conjunct (or a union's only branch) into ``into``: both hold."""
    if into.types is None and other.types is None:
        into.nullable = into.nullable or other.nullable
    elif into.types is None:
        into.nullable = other.nullable
    elif other.types is not None:
        into.nullable = into.nullable and other.nullable
    if other.types is not None:
        into.types = other.types if into.types is None else (into.types & other.types)
    into.format = into.format or other.format
    if other.enum is not None:
        into.enum = other.enum if into.enum is None else into.enum & other.enum
    for name, prop in other.properties.items():
        into.properties[name] = _both(into.properties.get(name), prop, keep)
    into.required = into.required | other.required
    if other.additional is False or into.additional is False:
        into.additional = False
    elif isinstance(other.additional, dict):
        into.additional = _both(into.additional if isinstance(into.additional, dict) else None,
                                other.additional, keep)  # fmt: skip
    into.items = _both(into.items, other.items, keep)
    into.prefix_items = into.prefix_items if into.prefix_items is not None else other.prefix_items
    into.unions = [*into.unions, *other.unions]
    into.read_only = into.read_only or other.read_only
    into.write_only = into.write_only or other.write_only
    for key, value in other.counts.items():
        mine = into.counts.get(key)
        stricter = min if key in UPPER_BOUNDS else max
        into.counts[key] = value if mine is None else stricter(mine, value)
    into.maximum = _stricter(into.maximum, other.maximum, upper=True)
    into.minimum = _stricter(into.minimum, other.minimum, upper=False)
    into.patterns = into.patterns | other.patterns
    if other.multiple_of is not None:
        mine = into.multiple_of
        if mine is None or (mine / other.multiple_of) % 1 == 0:
            into.multiple_of = mine or other.multiple_of
        elif (other.multiple_of / mine) % 1 == 0:
            into.multiple_of = other.multiple_of
        else:
            into.multiple_of = mine * other.multiple_of  # a common multiple: both hold
    into.unique_items = into.unique_items or other.unique_items
    for key, nodes in other.subschemas.items():
        into.subschemas.setdefault(key, []).extend(nodes)
    into.conditionals = [*into.conditionals, *other.conditionals]
    into.dependent_required = into.dependent_required | other.dependent_required
    for mine_map, other_map in ((into.dependent_schemas, other.dependent_schemas),
                                (into.pattern_properties, other.pattern_properties)):  # fmt: skip
        for key, nodes in other_map.items():
            mine_map.setdefault(key, []).extend(nodes)
    for key, value in other.content.items():
        into.content.setdefault(key, value)
    into.discriminator = into.discriminator or other.discriminator
    into.title = into.title or other.title
    into.empty = into.empty and other.empty
