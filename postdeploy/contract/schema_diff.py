"""Compare two schemas as what clients send (requests) or receive (responses).

The same change is safe on one side and breaking on the other: a new enum value is more a
server accepts, and more a client must understand. Every comparison names its rule (see
:mod:`postdeploy.contract.rules`) and the JSON path where it happened.

Bounded, whatever the input (issue 16): a pair of schemas compared once is remembered with
what it reported, and the same pair met again elsewhere reports the same changes at its
own path without being walked again (so a component used by a thousand operations, or a
YAML alias reached a billion ways, is walked once); a pair already being compared further
up is recursion and stops there; and both the nesting depth and the total work — pairs
compared plus changes reported — are limited (:mod:`postdeploy.contract.limits`): past
them the diff is :class:`~postdeploy.contract.load.SpecTooComplex`, never a hang.

Unions are compared branch by branch, after distributing the rest of the schema over the
branches (``base and (A or B)`` is ``(base and A) or (base and B)``), so wrapping an object into
``oneOf`` is compared for what it accepts, not reported as every property removed. A
request branch that disappeared is breaking only when no new branch accepts what it did;
a response branch that appeared, only when no old branch allowed it; and a request value
that two ``oneOf`` branches now accept is rejected (``request-one-of-overlap``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from postdeploy.contract.changes import Change, Direction, json_path
from postdeploy.contract.limits import MAX_SCHEMA_DEPTH, MAX_STEPS
from postdeploy.contract.load import Spec, SpecError, SpecTooComplex
from postdeploy.contract.rules import Level
from postdeploy.contract.schema import (
    LOWER_BOUNDS,
    UPPER_BOUNDS,
    Bound,
    SchemaView,
    canonical,
    merge,
    ref_name,
    view,
)

__all__ = ["ANY", "SchemaDiffer"]

# format pairs where the second accepts every value of the first
_FORMAT_WIDENINGS = {("int32", "int64"), ("float", "double")}
_CONTAINS = ("minContains", "maxContains")
_TRIVIAL_PATTERNS = frozenset({"", ".*", "^.*$", "^.*", ".*$", "(.*)", "^(.*)$"})
_FAMILY = {
    "contains": "contains", "propertyNames": "property-rules",
    "unevaluatedProperties": "property-rules", "unevaluatedItems": "tuple",
    "not": "conditional", "contentSchema": "content",
}  # fmt: skip
_MAX_PAIRINGS = 256  # branch pairs tried when matching unions by what they accept
ANY: dict[str, Any] = {}  # the schema that says nothing: what a missing sub-schema means


class SchemaDiffer:
    """Compares schemas of ``old`` and ``new``; collects :class:`Change`\\ s in ``changes``."""

    def __init__(self, old: Spec, new: Spec, *, max_steps: int = MAX_STEPS) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.operation = ""
        self.steps = 0
        self.max_steps = max_steps
        # pairs compared to the end: where, what they reported (and both views, kept alive
        # so that the ids in the key stay theirs)
        self._done: dict[tuple[int, int, Direction], tuple[str, list[Change], Any]] = {}
        # pairs being compared, by their place on the stack; and per stack frame, the
        # lowest place a recursion inside it went back to
        self._active: dict[tuple[int, int, Direction], int] = {}
        self._stack: list[list[Any]] = []
        self._effective: dict[tuple[int, int], tuple[Any, SchemaView]] = {}
        self._keep: list[Any] = []  # nodes made here, alive while their ids are keys
        self._ref_free: dict[int, tuple[Any, bool, str]] = {}  # id → (node, no $ref, JSON)
        self._old_self: SchemaDiffer | None = None  # the old document against itself
        self._visible_cache: dict[tuple[int, bool], tuple[SchemaView, dict[str, Any]]] = {}

    def add(self, rule: str, path: str, message: str, old: Any = None, new: Any = None) -> None:
        self.changes.append(Change(rule, self.operation, path, message, old, new))

    # --- entry points -----------------------------------------------------------------

    def compare(
        self, old_node: Any, new_node: Any, where: str, direction: Direction, depth: int = 0
    ) -> None:
        """Every difference between two schema nodes (``None``: not declared, skipped)."""
        if old_node is None or new_node is None or self._same_data(old_node, new_node):
            return
        self.compare_views(view(self.old, old_node), view(self.new, new_node), where,
                           direction, depth)  # fmt: skip

    def _same_data(self, old_node: Any, new_node: Any) -> bool:
        """Written alike and referring to nothing: then nothing in it can have changed.
        Checked as data, at C speed — but never on a document with shared nodes (an alias
        bomb is small only as long as nobody expands it)."""
        if self.old.shared or self.new.shared or type(old_node) is not dict or "$ref" in old_node:
            return False  # (a $ref itself, the usual use site, refers to something)
        key = id(old_node)
        known = self._ref_free.get(key)
        if known is None:
            text = json.dumps(old_node)
            known = self._ref_free[key] = (old_node, '"$ref"' not in text, text)
        # == first (C speed); then the JSON texts, since True == 1 in Python (see _alike)
        return known[1] and old_node == new_node and json.dumps(new_node) == known[2]

    def compare_views(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        key = (old.node_id, new.node_id, direction)
        done = self._done.get(key)
        if done is not None:
            self._replay(done, where)
            return
        position = self._active.get(key)
        if position is not None:
            # recursion: this pair is being compared further up; what lies between that
            # comparison and this one is incomplete without it, so it is not remembered
            frame = self._stack[-1]
            frame[1] = min(frame[1], position)
            return
        if depth > MAX_SCHEMA_DEPTH:
            raise SpecTooComplex(
                f"{self.new.source}: schemas nested more than {MAX_SCHEMA_DEPTH} deep at {where}"
            )
        self._count(1)
        before = len(self.changes)
        index = len(self._stack)
        self._active[key] = index
        self._stack.append([key, index])
        try:
            self._compare(old, new, where, direction, depth)
        finally:
            del self._active[key]
            _, reached = self._stack.pop()
            if self._stack:
                self._stack[-1][1] = min(self._stack[-1][1], reached)
        if reached >= index:
            # complete: the same pair elsewhere gets the same changes, at its own path
            self._done[key] = (where, self.changes[before:], (old, new))

    def _replay(self, done: tuple[str, list[Change], Any], where: str) -> None:
        base, changes, _ = done
        self._count(len(changes))
        cut = len(base)
        self.changes.extend(
            Change(c.rule, self.operation, where + c.path[cut:], c.message, c.old, c.new)
            for c in changes
        )

    def _count(self, steps: int) -> None:
        if self.steps + max(steps, 1) > self.max_steps:
            raise SpecTooComplex(
                f"{self.old.source} → {self.new.source}: more than {self.max_steps} schema "
                "comparisons (aliases or $refs that multiply); not compared"
            )
        self.steps += max(steps, 1)

    def compare_parameter(self, old_node: Any, new_node: Any, where: str) -> None:
        """A parameter's schema (request side). On the wire every query, path, header and
        cookie value is text: a scalar type that became ``string`` accepts every value old
        clients sent ("5" is a string), so it is a widening, not a type change."""
        if old_node is None or new_node is None or self._same_data(old_node, new_node):
            return  # written alike, referring to nothing: as in compare()
        old, new = view(self.old, old_node), view(self.new, new_node)
        scalars = {"integer", "number", "boolean", "string"}
        if (
            new.types == frozenset({"string"})
            and old.types
            and old.types <= scalars
            and (old.types != new.types and not old.unions and not new.unions)
        ):
            shown = _show_types(old.types)
            self.add("request-type-widened", json_path(where, "type"),
                     f"type {shown} → string: a parameter is text on the wire, every old "
                     "value is still accepted", shown, "string")  # fmt: skip
            as_text = old.clone()
            as_text.types, as_text.format = new.types, new.format
            holder = object()
            as_text.node_id = id(holder)
            self._effective[(id(holder), -1)] = ((holder, old), as_text)
            old = as_text
        self.compare_views(old, new, where, Direction.REQUEST, 0)

    def dry_run(self, action: Callable[[], None]) -> list[Change]:
        """What ``action`` would report, without reporting it."""
        saved, self.changes = self.changes, []
        try:
            action()
            return self.changes
        finally:
            self.changes = saved

    # --- one pair ---------------------------------------------------------------------

    def _compare(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        self._compare_discriminator(old, new, where, request)
        if old.unions or new.unions:
            self._compare_unions(old, new, where, direction, depth)
            return
        self._compare_types(old, new, where, request)
        self._compare_nullable(old, new, where, request)
        self._compare_format(old, new, where, request)
        self._compare_enum(old, new, where, request)
        self._compare_constraints(old, new, where, request)
        self._compare_properties(old, new, where, direction, depth)
        if old.items is not None or new.items is not None:
            self.compare(_or_any(old.items), _or_any(new.items), json_path(where, "items"),
                         direction, depth + 1)  # fmt: skip
        if isinstance(old.additional, dict) or isinstance(new.additional, dict):
            self.compare(
                old.additional if isinstance(old.additional, dict) else ANY,
                new.additional if isinstance(new.additional, dict) else ANY,
                json_path(where, "additionalProperties"), direction, depth + 1,
            )  # fmt: skip
        self._compare_keywords(old, new, where, direction, depth)

    def _compare_types(self, old: SchemaView, new: SchemaView, where: str, request: bool) -> None:
        if old.types == new.types:
            return
        at = json_path(where, "type")
        shown_old, shown_new = _show_types(old.types), _show_types(new.types)
        if request:
            lost = _uncovered(old.types, new.types)
            rule = "request-type-changed" if lost else "request-type-widened"
        else:
            gained = _uncovered(new.types, old.types)
            rule = "response-type-changed" if gained else "response-type-narrowed"
        self.add(rule, at, f"type {shown_old} → {shown_new}", shown_old, shown_new)

    def _compare_nullable(
        self, old: SchemaView, new: SchemaView, where: str, request: bool
    ) -> None:
        if old.nullable == new.nullable:
            return
        at = json_path(where, "nullable")
        if request:
            rule = "request-became-not-nullable" if old.nullable else "request-became-nullable"
        else:
            rule = "response-became-nullable" if new.nullable else "response-became-not-nullable"
        text = "now nullable" if new.nullable else "no longer nullable"
        self.add(rule, at, text, old.nullable, new.nullable)

    def _compare_format(self, old: SchemaView, new: SchemaView, where: str, request: bool) -> None:
        if old.format == new.format:
            return
        at = json_path(where, "format")
        message = f"format {old.format or '(none)'} → {new.format or '(none)'}"
        if request:
            if new.format is None or (old.format, new.format) in _FORMAT_WIDENINGS:
                rule = "request-format-removed"
            else:
                rule = "request-format-changed"
        elif old.format is None or (new.format, old.format) in _FORMAT_WIDENINGS:
            rule = "response-format-added"
        else:
            rule = "response-format-changed"
        self.add(rule, at, message, old.format, new.format)

    def _compare_enum(self, old: SchemaView, new: SchemaView, where: str, request: bool) -> None:
        if old.enum == new.enum:
            return
        at = json_path(where, "enum")
        removed = sorted((old.enum or frozenset()) - (new.enum or frozenset()))
        added = sorted((new.enum or frozenset()) - (old.enum or frozenset()))
        narrower = new.enum is not None and (old.enum is None or bool(removed))
        wider = old.enum is not None and (new.enum is None or bool(added))
        shown_old = _shown_enum(old.enum)
        shown_new = _shown_enum(new.enum)
        message = "enum " + ", ".join(
            part for part in (
                f"values removed {[json.loads(v) for v in removed]}" if removed and new.enum
                else "",
                f"values added {[json.loads(v) for v in added]}" if added and old.enum else "",
                "introduced" if old.enum is None else "",
                "dropped" if new.enum is None else "",
            ) if part
        )  # fmt: skip
        if request:
            if narrower:
                self.add("request-enum-narrowed", at, message, shown_old, shown_new)
            elif wider:
                self.add("request-enum-widened", at, message, shown_old, shown_new)
        elif wider:
            self.add("response-enum-widened", at, message, shown_old, shown_new)
        elif narrower:
            self.add("response-enum-narrowed", at, message, shown_old, shown_new)

    def _compare_constraints(
        self, old: SchemaView, new: SchemaView, where: str, request: bool
    ) -> None:
        def report(keyword: str, tightened: bool, was: Any, now: Any, family: str = "") -> None:
            side = "request" if request else "response"
            kind = family or "constraint"
            rule = f"{side}-{kind}-{'tightened' if tightened else 'loosened'}"
            self.add(rule, json_path(where, keyword), f"{keyword} {was} → {now}", was, now)

        for key in UPPER_BOUNDS:
            was, now = old.counts.get(key), new.counts.get(key)
            if was != now:
                family = "contains" if key in _CONTAINS else ""
                report(key, now is not None and (was is None or now < was), _n(was), _n(now),
                       family)  # fmt: skip
        for key in LOWER_BOUNDS:
            was, now = old.counts.get(key), new.counts.get(key)
            if was != now:
                family = "contains" if key in _CONTAINS else ""
                report(key, now is not None and (was is None or now > was), _n(was), _n(now),
                       family)  # fmt: skip
        if old.maximum != new.maximum:
            report("maximum", _stricter(new.maximum, old.maximum, upper=True),
                   _b(old.maximum), _b(new.maximum))  # fmt: skip
        if old.minimum != new.minimum:
            report("minimum", _stricter(new.minimum, old.minimum, upper=False),
                   _b(old.minimum), _b(new.minimum))  # fmt: skip
        old_patterns = old.patterns - _TRIVIAL_PATTERNS
        new_patterns = new.patterns - _TRIVIAL_PATTERNS
        if old_patterns != new_patterns:
            gone, came = sorted(old_patterns - new_patterns), sorted(new_patterns - old_patterns)
            was = gone[0] if len(gone) == 1 else (gone or None)
            now = came[0] if len(came) == 1 else (came or None)
            if gone and came:
                # two different regular expressions are, in general, neither wider nor
                # narrower: an old value may fail the new one (request) and a new value the
                # old one (response) — breaking on both sides
                report("pattern", request, was, now)
            else:
                report("pattern", bool(came), was, now)
        if old.multiple_of != new.multiple_of:
            # multiples of 4 are multiples of 2, not the other way round
            tighter = new.multiple_of is not None and (
                old.multiple_of is None or (old.multiple_of / new.multiple_of) % 1 != 0
            )
            report("multipleOf", tighter, _n(old.multiple_of), _n(new.multiple_of))
        if old.unique_items != new.unique_items:
            report("uniqueItems", new.unique_items, old.unique_items, new.unique_items)

    def _compare_properties(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        # readOnly properties never appear in requests, writeOnly ones never in responses
        old_props = self._visible(self.old, old, request)
        new_props = self._visible(self.new, new, request)
        side = "request" if request else "response"
        if request and old.additional is not False and new.additional is False:
            self.add("request-additional-properties-forbidden",
                     json_path(where, "additionalProperties"),
                     "unknown properties are now rejected", True, False)  # fmt: skip
        added = sorted(new_props.keys() - old_props.keys())
        for name in sorted(old_props.keys() - new_props.keys()):
            at = json_path(where, "properties", name)
            if request:
                rule = (
                    "request-property-removed-closed" if new.closed else "request-property-removed"
                )
                self.add(rule, at, f"request property {name!r} removed", name, None)
            else:
                twin = self._twin(old_props[name], new_props, added)
                hint = f" (renamed to {twin!r}?)" if twin else ""
                self.add("response-property-removed", at,
                         f"response property {name!r} removed{hint}", name, twin)  # fmt: skip
        for name in added:
            at = json_path(where, "properties", name)
            if request and name in new.required:
                self.add("request-property-added-required", at,
                         f"new required request property {name!r}", None, name)  # fmt: skip
            else:
                self.add(f"{side}-property-added", at, f"new {side} property {name!r}",
                         None, name)  # fmt: skip
        # a required name without a declared property is a requirement all the same
        for name in sorted((new.required - old.required) - new_props.keys()):
            if request and name not in old_props and not _hidden(self.new, new, name, request):
                self.add("request-property-became-required", json_path(where, "required"),
                         f"request property {name!r} is now required", False, True)  # fmt: skip
        for name in sorted(old_props.keys() & new_props.keys()):
            was, now = name in old.required, name in new.required
            if was != now:
                rule = f"{side}-property-became-{'required' if now else 'optional'}"
                self.add(rule, json_path(where, "required"),
                         f"{side} property {name!r} is now {'required' if now else 'optional'}",
                         was, now)  # fmt: skip
            old_prop, new_prop = old_props[name], new_props[name]
            if _same_leaf(old_prop, new_prop):
                continue  # most properties: the same few keywords, nothing referred to
            self.compare(old_prop, new_prop, json_path(where, "properties", name), direction,
                         depth + 1)  # fmt: skip

    def _visible(self, spec: Spec, schema: SchemaView, request: bool) -> dict[str, Any]:
        key = (id(schema), request)
        found = self._visible_cache.get(key)
        if found is None:
            found = self._visible_cache[key] = (schema, _visible(spec, schema, request))
        return found[1]

    def _twin(self, removed: Any, candidates: dict[str, Any], added: list[str]) -> str | None:
        """A newly added property with the same schema: the likely new name of ``removed``."""
        fingerprint = _fingerprint(view(self.old, removed))
        twins = [n for n in added if _fingerprint(view(self.new, candidates[n])) == fingerprint]
        return twins[0] if len(twins) == 1 else None

    # --- JSON Schema 2020-12 keywords --------------------------------------------------

    def _family(self, family: str, tightened: bool, request: bool, at: str, message: str,
                old: Any = None, new: Any = None) -> None:  # fmt: skip
        side = "request" if request else "response"
        self.add(f"{side}-{family}-{'tightened' if tightened else 'loosened'}", at, message,
                 old, new)  # fmt: skip

    def _compare_keywords(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        if not (_has_keywords(old) or _has_keywords(new)):
            return
        request = direction is Direction.REQUEST
        for keyword, family in _FAMILY.items():
            if keyword not in old.subschemas and keyword not in new.subschemas:
                continue
            olds = [n for n in old.subschemas.get(keyword, []) if not _says_nothing(self.old, n)]
            news = [n for n in new.subschemas.get(keyword, []) if not _says_nothing(self.new, n)]
            at = json_path(where, keyword)
            if keyword == "not":
                self._compare_not(olds, news, at, direction, depth)
                continue
            self._compare_conjuncts(olds, news, at, family, keyword, direction, depth)
        self._compare_conditionals(old, new, where, direction, depth)
        self._compare_dependencies(old, new, where, direction, depth)
        self._compare_pattern_properties(old, new, where, direction, depth)
        self._compare_prefix_items(old, new, where, direction, depth)
        for key in ("contentMediaType", "contentEncoding"):
            was, now = old.content.get(key), new.content.get(key)
            if was != now:
                changed = was is not None and now is not None
                tightened = request if changed else now is not None
                self._family("content", tightened, request, json_path(where, key),
                             f"{key} {was or '(none)'} → {now or '(none)'}", was, now)  # fmt: skip

    def _compare_conjuncts(
        self, olds: list[Any], news: list[Any], at: str, family: str, keyword: str,
        direction: Direction, depth: int,
    ) -> None:  # fmt: skip
        """Sub-schemas that must all hold: pair them in order, report the rest."""
        request = direction is Direction.REQUEST
        for old_node, new_node in zip(olds, news, strict=False):
            self.compare(old_node, new_node, at, direction, depth + 1)
        for _extra in news[len(olds) :]:
            self._family(family, True, request, at, f"{keyword} added", None, keyword)
        for _extra in olds[len(news) :]:
            self._family(family, False, request, at, f"{keyword} removed", keyword, None)

    def _compare_not(
        self, olds: list[Any], news: list[Any], at: str, direction: Direction, depth: int
    ) -> None:
        """``not S``: accepting less under S accepts more under ``not S`` — compared with the
        direction turned around, and reported as one conditional change."""
        request = direction is Direction.REQUEST
        if len(olds) == len(news) == 1:
            found = self.dry_run(lambda: self.compare(olds[0], news[0], at, direction.flipped,
                                                      depth + 1))  # fmt: skip
            if found:
                # the flipped comparison breaks exactly when this side is tightened (request)
                # or loosened (response)
                broken = any(change.breaking for change in found)
                tightened = broken if request else not broken
                self._family("conditional", tightened, request, at,
                             f"not: {found[0].message}", None, None)  # fmt: skip
            return
        if len(news) > len(olds):
            self._family("conditional", True, request, at, "not added", None, "not")
        elif len(olds) > len(news):
            self._family("conditional", False, request, at, "not removed", "not", None)

    def _compare_conditionals(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        for index in range(max(len(old.conditionals), len(new.conditionals))):
            at = json_path(where, "if")
            if index >= len(old.conditionals):
                self._family("conditional", True, request, at, "if/then/else added", None, "if")
                continue
            if index >= len(new.conditionals):
                self._family("conditional", False, request, at, "if/then/else removed", "if",
                             None)  # fmt: skip
                continue
            (old_if, old_then, old_else) = old.conditionals[index]
            (new_if, new_then, new_else) = new.conditionals[index]
            if not self._same_condition(old_if, new_if, at, depth):
                # a different condition sends old values into other branches: neither wider
                # nor narrower in general, so breaking on both sides
                self._family("conditional", request, request, at, "if condition changed",
                             None, None)  # fmt: skip
                continue
            for keyword, was, now in (("then", old_then, new_then), ("else", old_else, new_else)):
                olds = [] if was is None or _says_nothing(self.old, was) else [was]
                news = [] if now is None or _says_nothing(self.new, now) else [now]
                self._compare_conjuncts(olds, news, json_path(where, keyword), "conditional",
                                        keyword, direction, depth)  # fmt: skip

    def _same_condition(self, old_if: Any, new_if: Any, at: str, depth: int) -> bool:
        """Do two ``if`` schemas hold for the same values? Neither accepts more than the
        other, seen from both sides (so ``const: x`` and ``enum: [x]`` are one condition)."""
        if old_if is None or new_if is None:
            return old_if is None and new_if is None
        return not any(
            self.dry_run(lambda d=direction: self.compare(old_if, new_if, at, d, depth + 1))
            for direction in Direction
        )

    def _compare_dependencies(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        at = json_path(where, "dependentRequired")
        added = sorted(new.dependent_required - old.dependent_required)
        removed = sorted(old.dependent_required - new.dependent_required)
        if added:
            shown = ", ".join(f"{key} → {name}" for key, name in added)
            self._family("dependencies", True, request, at, f"dependentRequired added: {shown}",
                         None, [list(pair) for pair in added])  # fmt: skip
        if removed:
            shown = ", ".join(f"{key} → {name}" for key, name in removed)
            self._family("dependencies", False, request, at,
                         f"dependentRequired removed: {shown}",
                         [list(pair) for pair in removed], None)  # fmt: skip
        for key in sorted(old.dependent_schemas.keys() | new.dependent_schemas.keys()):
            self._compare_conjuncts(
                old.dependent_schemas.get(key, []), new.dependent_schemas.get(key, []),
                json_path(where, "dependentSchemas", key), "dependencies",
                f"dependentSchemas {key!r}", direction, depth,
            )  # fmt: skip

    def _compare_pattern_properties(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        for pattern in sorted(old.pattern_properties.keys() | new.pattern_properties.keys()):
            at = json_path(where, "patternProperties", pattern)
            olds, news = old.pattern_properties.get(pattern), new.pattern_properties.get(pattern)
            if olds and news:
                for old_node, new_node in zip(olds, news, strict=False):
                    self.compare(old_node, new_node, at, direction, depth + 1)
            elif news:
                # in a closed schema a pattern *admits* names; in an open one it constrains them
                self._family("property-rules", not new.closed, request, at,
                             f"patternProperties {pattern!r} added", None, pattern)  # fmt: skip
            else:
                self._family("property-rules", old.closed, request, at,
                             f"patternProperties {pattern!r} removed", pattern, None)  # fmt: skip

    def _compare_prefix_items(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        olds, news = old.prefix_items or (), new.prefix_items or ()
        for index, (old_node, new_node) in enumerate(zip(olds, news, strict=False)):
            self.compare(old_node, new_node, json_path(where, "prefixItems", index), direction,
                         depth + 1)  # fmt: skip
        if len(news) > len(olds):
            self._family("tuple", True, request, json_path(where, "prefixItems"),
                         f"prefixItems positions {len(olds)}→{len(news)}", len(olds),
                         len(news))  # fmt: skip
        elif len(olds) > len(news):
            self._family("tuple", False, request, json_path(where, "prefixItems"),
                         f"prefixItems positions {len(olds)}→{len(news)}", len(olds),
                         len(news))  # fmt: skip

    def _compare_discriminator(
        self, old: SchemaView, new: SchemaView, where: str, request: bool
    ) -> None:
        was, now = old.discriminator, new.discriminator
        if was is None or now is None or was == now:
            return  # added or removed: documentation of a dispatch the branches already imply
        side = "request" if request else "response"
        at = json_path(where, "discriminator")
        if was.property != now.property:
            self.add(f"{side}-discriminator-changed", json_path(at, "propertyName"),
                     f"discriminator property {was.property!r} → {now.property!r}",
                     was.property, now.property)  # fmt: skip
            return
        old_map, new_map = dict(was.mapping), dict(now.mapping)
        # requests: the server must still know every value old clients send;
        # responses: clients must still know every value the server sends
        known, offered = (old_map, new_map) if request else (new_map, old_map)
        lost = sorted(k for k in known if k not in offered or (
            offered[k] != known[k] and not self._same_target(old_map.get(k), new_map.get(k))
        ))  # fmt: skip
        if lost:
            self.add(f"{side}-discriminator-changed", json_path(at, "mapping"),
                     f"discriminator values {lost} {'no longer' if request else 'newly'} "
                     "mapped as before", sorted(old_map), sorted(new_map))  # fmt: skip

    def _same_target(self, old_ref: str | None, new_ref: str | None) -> bool:
        """Do two mapping values name the same schema, renamed or not?"""
        if old_ref is None or new_ref is None:
            return False
        nodes = []
        for spec, ref in ((self.old, old_ref), (self.new, new_ref)):
            node = {"$ref": ref if ref.startswith("#") else f"#/components/schemas/{ref}"}
            try:
                spec.resolve(node)
            except SpecError:
                return False
            nodes.append(node)
        self._keep.extend(nodes)
        return not any(
            self.dry_run(lambda d=direction: self.compare(nodes[0], nodes[1], "$", d))
            for direction in Direction
        )

    # --- unions -----------------------------------------------------------------------

    def _branches(self, spec: Spec, schema: SchemaView) -> list[SchemaView]:
        """The schema as a list of alternatives: its first union's branches, each with the
        rest of the schema merged in (a schema without a union is one alternative: itself).
        Nullability is compared once for the whole union (:func:`_union_nullable`), so the
        alternatives here never accept null."""
        branches = schema.unions[0].branches if schema.unions else (None,)
        origins = schema.origins | {schema.node_id}
        result = []
        for index, branch in enumerate(branches):
            key = (id(schema), index)
            if (
                key not in self._effective
                and not schema.nullable
                and (branch is None or (len(schema.unions) == 1 and _bare(schema)))
            ):
                # nothing to merge in: the alternative is the branch's own (shared) view, so
                # a union used in a thousand places compares its branches once
                inner = schema if branch is None else view(spec, branch)
                cyclic = inner.node_id in origins and branch is not None
                if not (inner.nullable or inner.discriminator or inner.unions or cyclic):
                    self._effective[key] = ((schema, inner), inner)
            if key not in self._effective:
                base = schema.clone()
                inner = schema
                if branch is not None:
                    base.unions = base.unions[1:]
                    base.discriminator = None
                    inner = view(spec, branch)
                    if inner.node_id in origins or any(
                        view(spec, b).node_id in origins for u in inner.unions for b in u.branches
                    ):
                        # a branch that leads back to what it is a branch of: itself, once
                        inner = inner.clone()
                        inner.unions = []
                    merge(base, inner, base.keep)
                    base.discriminator = None  # compared once, for the whole union
                    base.origins = origins | {inner.node_id}
                    base.ref = ref_name(spec, branch) or inner.ref
                    base.title = inner.title or schema.title
                base.nullable = False
                holder = object()  # a unique identity for this branch-with-its-base
                base.node_id = id(holder)
                self._effective[key] = ((holder, schema, inner), base)
            result.append(self._effective[key][1])
        return result

    def _compare_unions(
        self, old: SchemaView, new: SchemaView, where: str, direction: Direction, depth: int
    ) -> None:
        request = direction is Direction.REQUEST
        was = SchemaView(nullable=_union_nullable(self.old, old))
        now = SchemaView(nullable=_union_nullable(self.new, new))
        self._compare_nullable(was, now, where, request)
        old_branches = self._branches(self.old, old)
        new_branches = self._branches(self.new, new)
        old_keyword = old.unions[0].keyword if old.unions else None
        new_keyword = new.unions[0].keyword if new.unions else None
        keyword = new_keyword or old_keyword or "oneOf"
        old_refs = _branch_refs(self.old, old, old_branches)
        new_refs = _branch_refs(self.new, new, new_branches)
        pairs, lost, gained = _match_branches(old_branches, new_branches, old_refs, new_refs)
        tries = len(old_branches) * len(new_branches) <= _MAX_PAIRINGS
        for old_index, new_index in pairs:
            at = json_path(where, keyword, new_index) if new_keyword else where
            branch, partner = old_branches[old_index], new_branches[new_index]
            if not (request and tries and len(new_branches) > 1):
                self.compare_views(branch, partner, at, direction, depth + 1)
                continue
            found = self.dry_run(lambda b=branch, p=partner, a=at: self.compare_views(
                b, p, a, direction, depth + 1))  # fmt: skip
            if any(change.breaking for change in found) and self._partitioned(
                branch, new_branches, direction, depth, at
            ):
                found = [change for change in found if not change.breaking]
            self.changes.extend(found)
        for index in lost:
            label = _branch_label(old_branches[index], index, old_refs[index])
            at = json_path(where, old_keyword, index) if old_keyword else where
            if tries and request and self._covered(old_branches[index], new_branches,
                                                   direction, depth, at):  # fmt: skip
                continue  # another branch accepts what it did
            rule = "request-union-branch-removed" if request else "response-union-branch-removed"
            self.add(rule, at, f"{old_keyword or keyword} branch {label} removed", label, None)
        for index in gained:
            label = _branch_label(new_branches[index], index, new_refs[index])
            if tries and not request and self._allowed(new_branches[index], old_branches,
                                                       direction, depth):  # fmt: skip
                continue  # an old branch already allowed it
            rule = "request-union-branch-added" if request else "response-union-branch-added"
            self.add(rule, json_path(where, keyword, index), f"{keyword} branch {label} added",
                     None, label)  # fmt: skip
        if request and tries and new_keyword == "oneOf" and len(new_branches) > 1:
            # which new branches could newly take an old value twice: all of them when the
            # old schema was no oneOf; else only a gained branch beside the old one's partner
            partner = dict(pairs)
            for index, branch in enumerate(old_branches):
                if old_keyword == "oneOf":
                    candidates = [*gained, *([partner[index]] if index in partner else [])]
                else:
                    candidates = list(range(len(new_branches)))
                if len(candidates) < 2 or (branch.types is not None and not branch.types):
                    continue
                takers = [j for j in candidates
                          if self._accepts(branch, new_branches[j], direction, depth)
                          is not None]  # fmt: skip
                if len(takers) >= 2 and not (
                    old_keyword == "oneOf" and self._overlapped_before(old_branches, index, depth)
                ):
                    labels = [_branch_label(new_branches[j], j, new_refs[j]) for j in takers]
                    self.add("request-one-of-overlap", json_path(where, "oneOf"),
                             f"values of {_branch_label(branch, index, old_refs[index])} now match "
                             f"{' and '.join(labels)}: oneOf rejects them", None,
                             labels)  # fmt: skip
                    break

    def _overlapped_before(self, olds: list[SchemaView], index: int, depth: int) -> bool:
        """Did another old oneOf branch already take the values of ``olds[index]``? Then
        the old contract rejected them too (or its servers did not read oneOf strictly):
        not a change this release made."""
        if self._old_self is None:
            self._old_self = SchemaDiffer(self.old, self.old, max_steps=self.max_steps)
        twin = self._old_self
        for other, branch in enumerate(olds):
            if other == index:
                continue
            found = twin.dry_run(lambda b=branch: twin.compare_views(
                olds[index], b, "$", Direction.REQUEST, depth + 1))  # fmt: skip
            if not any(change.breaking for change in found):
                return True
        return False

    def _accepts(
        self, old: SchemaView, new: SchemaView, direction: Direction, depth: int, at: str = "$"
    ) -> list[Change] | None:
        """Does ``new`` take every value of ``old``? The (non-breaking) differences if so."""
        found = self.dry_run(lambda: self.compare_views(old, new, at, direction, depth + 1))
        return None if any(change.breaking for change in found) else found

    def _covered(
        self, branch: SchemaView, others: list[SchemaView], direction: Direction, depth: int,
        at: str,
    ) -> bool:  # fmt: skip
        """Some branch of ``others`` takes every value of ``branch``; its warnings stand."""
        for other in others:
            found = self._accepts(branch, other, direction, depth, at)
            if found is not None:
                self.changes.extend(c for c in found if c.level is Level.WARNING)
                return True
        return self._partitioned(branch, others, direction, depth, at)

    def _partitioned(
        self, branch: SchemaView, news: list[SchemaView], direction: Direction, depth: int,
        at: str,
    ) -> bool:  # fmt: skip
        """Do several new branches together take every value of ``branch``, split by the
        values of one enum (``kind: [a, b]`` into a branch for ``a`` and one for ``b``)?"""
        place: str | None = None
        wanted: set[str] = set()
        offered: set[str] = set()
        for other in news:
            found = self.dry_run(lambda o=other: self.compare_views(branch, o, at, direction,
                                                                    depth + 1))  # fmt: skip
            broken = [change for change in found if change.breaking]
            if not broken:
                return True
            if len(broken) != 1 or broken[0].rule != "request-enum-narrowed":
                continue
            (change,) = broken
            if change.old is None or (place is not None and change.path != place):
                continue
            place = change.path
            wanted = {canonical(v) for v in change.old}
            offered |= {canonical(v) for v in change.new or ()}
        return place is not None and wanted <= offered

    def _allowed(
        self, branch: SchemaView, olds: list[SchemaView], direction: Direction, depth: int
    ) -> bool:
        return any(self._accepts(old, branch, direction, depth) is not None for old in olds)


# --- helpers ---------------------------------------------------------------------------


def _has_keywords(schema: SchemaView) -> bool:
    """Does the schema use any of the JSON Schema 2020-12 keywords compared below?"""
    return bool(
        schema.subschemas or schema.conditionals or schema.dependent_required
        or schema.dependent_schemas or schema.pattern_properties or schema.prefix_items
        or schema.content
    )  # fmt: skip


def _union_nullable(spec: Spec, schema: SchemaView) -> bool:
    """May the whole schema be null: said at the top, or by any branch of its union?"""
    if schema.nullable or not schema.unions:
        return schema.nullable
    return any(view(spec, branch).nullable for branch in schema.unions[0].branches)


def _or_any(node: Any) -> Any:
    return ANY if node is None else node


def _says_nothing(spec: Spec, node: Any) -> bool:
    return node is True or view(spec, node).empty


# keywords of a schema that refers to nothing and contains no other schema
_LEAF_KEYWORDS = frozenset({
    "type", "format", "enum", "const", "nullable", "readOnly", "writeOnly", "deprecated",
    "maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties",
    "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "pattern", "multipleOf",
    "uniqueItems", "title", "description", "example", "examples", "default", "$comment",
    "contentMediaType", "contentEncoding", "xml", "externalDocs",
})  # fmt: skip


def _same_leaf(old: Any, new: Any) -> bool:
    """Two equal schemas that contain and refer to no other schema: nothing to compare."""
    return isinstance(old, dict) and old.keys() <= _LEAF_KEYWORDS and _alike(old, new)


def _alike(old: Any, new: Any) -> bool:
    """Equal as JSON, not only as Python: ``True == 1 == 1.0`` in Python, so ``enum: [true]``
    and ``enum: [1]`` compare equal with ``==`` while they are different contracts. ``==``
    first (C speed, and almost always False when something changed), then the JSON texts
    (in document order: the same keys in another order count as not alike, and are then
    compared keyword by keyword, which is slower but never wrong)."""
    return old == new and json.dumps(old) == json.dumps(new)


def _visible(spec: Spec, schema: SchemaView, request: bool) -> dict[str, Any]:
    hidden = "readOnly" if request else "writeOnly"
    visible = {}
    for name, node in schema.properties.items():
        if isinstance(node, dict) and node.keys() <= _LEAF_KEYWORDS:
            if node.get(hidden) is True:
                continue
        else:
            prop = view(spec, node)
            if (request and prop.read_only) or (not request and prop.write_only):
                continue
        visible[name] = node
    return visible


def _hidden(spec: Spec, schema: SchemaView, name: str, request: bool) -> bool:
    node = schema.properties.get(name)
    if node is None:
        return False
    prop = view(spec, node)
    return (request and prop.read_only) or (not request and prop.write_only)


def _uncovered(types: frozenset[str] | None, by: frozenset[str] | None) -> bool:
    """True when some value of ``types`` is not a value of ``by`` (None: any type)."""
    if by is None:
        return False
    if types is None:
        return True
    return any(t not in by and not (t == "integer" and "number" in by) for t in types)


def _show_types(types: frozenset[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types)) or "none"


def _shown_enum(values: frozenset[str] | None) -> list[Any] | None:
    if values is None:
        return None
    return [json.loads(v) for v in sorted(values)]


def _stricter(new: Bound | None, old: Bound | None, *, upper: bool) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    if new.value != old.value:
        return new.value < old.value if upper else new.value > old.value
    return new.exclusive and not old.exclusive


def _n(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _b(bound: Bound | None) -> str | None:
    if bound is None:
        return None
    return f"{_n(bound.value)}{' (exclusive)' if bound.exclusive else ''}"


def _fingerprint(schema: SchemaView) -> str:
    return canonical([sorted(schema.types or []), schema.nullable, schema.format,
                      sorted(schema.enum or [])])  # fmt: skip


def _bare(schema: SchemaView) -> bool:
    """Does the schema say nothing besides its union (and a discriminator, a title)?"""
    return (
        schema.types is None and schema.format is None and schema.enum is None
        and not schema.properties and not schema.required and schema.additional is True
        and schema.items is None and schema.prefix_items is None and not schema.counts
        and schema.maximum is None and schema.minimum is None and not schema.patterns
        and schema.multiple_of is None and not schema.unique_items and not schema.subschemas
        and not schema.conditionals and not schema.dependent_required
        and not schema.dependent_schemas and not schema.pattern_properties
        and not schema.content and not schema.read_only and not schema.write_only
    )  # fmt: skip


def _branch_refs(spec: Spec, schema: SchemaView, branches: list[SchemaView]) -> list[str | None]:
    """The name each alternative refers by (``Cat`` for ``$ref: …/Cat``), if any."""
    if not schema.unions:
        return [schema.ref]
    return [ref_name(spec, node) or branch.ref
            for node, branch in zip(schema.unions[0].branches, branches, strict=True)]  # fmt: skip


def _branch_label(schema: SchemaView, index: int, ref: str | None = None) -> str:
    ref = ref or schema.ref
    if ref:
        return ref.rsplit("/", 1)[-1]
    if schema.title:
        return schema.title
    return f"#{index} ({_show_types(schema.types)})"


def _match_branches(
    old: list[SchemaView], new: list[SchemaView], old_refs: list[str | None],
    new_refs: list[str | None],
) -> tuple[list[tuple[int, int]], list[int], list[int]]:  # fmt: skip
    """Pair union branches by ref name, then title, then shape; the rest are lost/gained."""
    pairs: list[tuple[int, int]] = []
    free_old, free_new = list(range(len(old))), list(range(len(new)))

    def pair_by(key: Callable[[SchemaView], str | None]) -> None:
        for i in list(free_old):
            k = key(old[i])
            if k is None:
                continue
            for j in free_new:
                if key(new[j]) == k:
                    pairs.append((i, j))
                    free_old.remove(i)
                    free_new.remove(j)
                    break

    names = {
        id(v): r.rsplit("/", 1)[-1]
        for v, r in (*zip(old, old_refs, strict=True), *zip(new, new_refs, strict=True))
        if r
    }
    pair_by(lambda v: names.get(id(v)))
    pair_by(lambda v: v.title)
    # shape: first with what each branch requires (branches alike but for it, reordered,
    # pair with their own), then without
    pair_by(lambda v: _fingerprint(v) + json.dumps([sorted(v.properties), sorted(v.required)]))
    pair_by(lambda v: _fingerprint(v) + json.dumps(sorted(v.properties)))
    if len(free_old) == 1 and len(free_new) == 1:
        pairs.append((free_old.pop(), free_new.pop()))
    return sorted(pairs), free_old, free_new
