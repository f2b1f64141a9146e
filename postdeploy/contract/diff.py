"""Classify every difference between two OpenAPI documents as breaking or not.

``diff_specs(old, new)`` walks both documents operation by operation (paths matched with
their parameter names ignored: ``/a/{id}`` and ``/a/{media_id}`` are one path to a client),
merges path- and operation-level parameters, follows ``$ref``\\ s, and compares request
schemas as what clients *send* and response schemas as what clients *receive* — the same
change (say, a new enum value) is safe on one side and breaking on the other. Each
:class:`Change` names its rule (see :mod:`postdeploy.contract.rules`) and the JSON path
where it happened, with the old and the new value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postdeploy.contract.load import Spec
from postdeploy.contract.rules import RULES
from postdeploy.contract.schema import LOWER_BOUNDS, UPPER_BOUNDS, Bound, SchemaView, view

__all__ = ["Change", "Direction", "diff_specs"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PARAM = re.compile(r"\{[^}/]*\}")
# format pairs where the second accepts every value of the first
_FORMAT_WIDENINGS = {("int32", "int64"), ("float", "double")}
_MAX_DEPTH = 64


class Direction(StrEnum):
    REQUEST = "request"  # what clients send: the server may accept more, never less
    RESPONSE = "response"  # what clients receive: the server may send less, never more


@dataclass(frozen=True, slots=True)
class Change:
    """One classified difference, with where it is and what it was and became."""

    rule: str
    operation: str
    path: str
    message: str
    old: Any = None
    new: Any = None

    @property
    def breaking(self) -> bool:
        return RULES[self.rule].breaking

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "breaking": self.breaking,
            "operation": self.operation,
            "path": self.path,
            "message": self.message,
            "old": self.old,
            "new": self.new,
        }


def json_path(base: str, *keys: str | int) -> str:
    """``$.paths['/a/{id}'].get…``: dotted where a key is an identifier, bracketed elsewhere."""
    parts = [base]
    for key in keys:
        text = str(key)
        parts.append(f".{text}" if _IDENTIFIER.match(text) else f"[{json.dumps(text)}]")
    return "".join(parts)


def diff_specs(old: Spec, new: Spec) -> list[Change]:
    """Every difference between ``old`` and ``new`` that matters to a client, classified."""
    return _Differ(old, new).run()


@dataclass(frozen=True, slots=True)
class _Operation:
    path: str  # as written in its document
    method: str
    node: dict[str, Any]
    parameters: dict[tuple[str, str], tuple[dict[str, Any], str]]  # key → (param, json path)
    security: list[dict[str, list[str]]]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def where(self) -> str:
        return json_path("$", "paths", self.path, self.method)


class _Differ:
    def __init__(self, old: Spec, new: Spec) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._operation = ""

    # --- operations -------------------------------------------------------------------

    def run(self) -> list[Change]:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        old_paths = {key[0] for key in old_ops}
        new_paths = {key[0] for key in new_ops}
        for key in sorted(old_ops.keys() | new_ops.keys()):
            before, after = old_ops.get(key), new_ops.get(key)
            if after is None and before is not None:
                self._operation = before.label
                rule = "path-removed" if key[0] not in new_paths else "operation-removed"
                self._add(rule, before.where, f"{before.label} is gone", before.label, None)
            elif before is None and after is not None:
                self._operation = after.label
                rule = "path-added" if key[0] not in old_paths else "operation-added"
                self._add(rule, after.where, f"new {after.label}", None, after.label)
            elif before is not None and after is not None:
                self._operation = after.label
                self._compare_operation(before, after)
        return self.changes

    def _add(self, rule: str, path: str, message: str, old: Any = None, new: Any = None) -> None:
        self.changes.append(Change(rule, self._operation, path, message, old, new))

    def _compare_operation(self, before: _Operation, after: _Operation) -> None:
        if after.node.get("deprecated") is True and before.node.get("deprecated") is not True:
            self._add("operation-deprecated", json_path(after.where, "deprecated"),
                      "now deprecated", False, True)  # fmt: skip
        self._compare_parameters(before, after)
        self._compare_request_body(before, after)
        self._compare_responses(before, after)
        self._compare_security(before, after)

    def _compare_parameters(self, before: _Operation, after: _Operation) -> None:
        for key in sorted(before.parameters.keys() | after.parameters.keys()):
            old = before.parameters.get(key)
            new = after.parameters.get(key)
            if new is None and old is not None:
                self._add("request-parameter-removed", old[1],
                          f"{key[0]} parameter {old[0].get('name')!r} no longer declared",
                          old[0].get("name"), None)  # fmt: skip
                continue
            if old is None and new is not None:
                name = new[0].get("name")
                if new[0].get("required") is True:
                    self._add("request-parameter-added-required", new[1],
                              f"new required {key[0]} parameter {name!r}", None, name)  # fmt: skip
                else:
                    self._add("request-parameter-added", new[1],
                              f"new optional {key[0]} parameter {name!r}", None, name)  # fmt: skip
                continue
            if old is None or new is None:
                continue  # unreachable: both handled above; keeps the type checker honest
            (old_param, _), (new_param, where) = old, new
            was, now = old_param.get("required") is True, new_param.get("required") is True
            if now and not was:
                self._add("request-parameter-became-required", json_path(where, "required"),
                          f"{key[0]} parameter {new_param.get('name')!r} is now required",
                          False, True)  # fmt: skip
            elif was and not now:
                self._add("request-parameter-became-optional", json_path(where, "required"),
                          f"{key[0]} parameter {new_param.get('name')!r} is now optional",
                          True, False)  # fmt: skip
            self._compare_schema(
                _param_schema(old_param), _param_schema(new_param),
                json_path(where, "schema"), Direction.REQUEST,
            )  # fmt: skip

    def _compare_request_body(self, before: _Operation, after: _Operation) -> None:
        old_body, _ = self.old.resolve(before.node.get("requestBody"))
        new_body, _ = self.new.resolve(after.node.get("requestBody"))
        where = json_path(after.where, "requestBody")
        if not isinstance(new_body, dict):
            if isinstance(old_body, dict):
                self._add("request-body-removed", where, "request body no longer declared")
            return
        required = new_body.get("required") is True
        if not isinstance(old_body, dict):
            rule = "request-body-added-required" if required else "request-body-added"
            self._add(rule, where, "request body " + ("required" if required else "added"))
            return
        if required and old_body.get("required") is not True:
            self._add("request-body-became-required", json_path(where, "required"),
                      "request body is now required", False, True)  # fmt: skip
        old_content = old_body.get("content") or {}
        new_content = new_body.get("content") or {}
        for media in sorted(old_content.keys() - new_content.keys()):
            self._add("request-media-type-removed", json_path(where, "content", media),
                      f"{media} no longer accepted", media, None)  # fmt: skip
        for media in sorted(new_content.keys() - old_content.keys()):
            self._add("request-media-type-added", json_path(where, "content", media),
                      f"{media} now accepted", None, media)  # fmt: skip
        for media in sorted(old_content.keys() & new_content.keys()):
            self._compare_schema(
                (old_content[media] or {}).get("schema"), (new_content[media] or {}).get("schema"),
                json_path(where, "content", media, "schema"), Direction.REQUEST,
            )  # fmt: skip

    def _compare_responses(self, before: _Operation, after: _Operation) -> None:
        old_responses = before.node.get("responses") or {}
        new_responses = after.node.get("responses") or {}
        base = json_path(after.where, "responses")
        for status in sorted(set(old_responses) - set(new_responses), key=str):
            rule = f"response-{'success-' if _success(status) else ''}status-removed"
            self._add(rule, json_path(base, str(status)), f"status {status} no longer returned",
                      str(status), None)  # fmt: skip
        for status in sorted(set(new_responses) - set(old_responses), key=str):
            self._add("response-status-added", json_path(base, str(status)),
                      f"new status {status}", None, str(status))  # fmt: skip
        for status in sorted(set(old_responses) & set(new_responses), key=str):
            old, _ = self.old.resolve(old_responses[status])
            new, _ = self.new.resolve(new_responses[status])
            if isinstance(old, dict) and isinstance(new, dict):
                self._compare_response(str(status), old, new, json_path(base, str(status)))

    def _compare_response(
        self, status: str, old: dict[str, Any], new: dict[str, Any], where: str
    ) -> None:
        success = _success(status)
        old_content, new_content = old.get("content") or {}, new.get("content") or {}
        for media in sorted(old_content.keys() - new_content.keys()):
            if success:
                self._add("response-media-type-removed", json_path(where, "content", media),
                          f"{media} no longer returned", media, None)  # fmt: skip
        for media in sorted(new_content.keys() - old_content.keys()):
            self._add("response-media-type-added", json_path(where, "content", media),
                      f"{media} now returned", None, media)  # fmt: skip
        for media in sorted(old_content.keys() & new_content.keys()):
            self._compare_schema(
                (old_content[media] or {}).get("schema"), (new_content[media] or {}).get("schema"),
                json_path(where, "content", media, "schema"), Direction.RESPONSE,
            )  # fmt: skip
        old_headers = {k.lower(): v for k, v in (old.get("headers") or {}).items()}
        new_headers = {k.lower(): v for k, v in (new.get("headers") or {}).items()}
        for name in sorted(old_headers.keys() - new_headers.keys()):
            if success:
                self._add("response-header-removed", json_path(where, "headers", name),
                          f"header {name} no longer returned", name, None)  # fmt: skip
        for name in sorted(new_headers.keys() - old_headers.keys()):
            self._add("response-header-added", json_path(where, "headers", name),
                      f"new header {name}", None, name)  # fmt: skip
        for name in sorted(old_headers.keys() & new_headers.keys()):
            old_h, _ = self.old.resolve(old_headers[name])
            new_h, _ = self.new.resolve(new_headers[name])
            if not (isinstance(old_h, dict) and isinstance(new_h, dict)):
                continue
            if success and old_h.get("required") is True and new_h.get("required") is not True:
                self._add("response-header-became-optional",
                          json_path(where, "headers", name, "required"),
                          f"header {name} is no longer required", True, False)  # fmt: skip
            self._compare_schema(old_h.get("schema"), new_h.get("schema"),
                                 json_path(where, "headers", name, "schema"),
                                 Direction.RESPONSE)  # fmt: skip

    def _compare_security(self, before: _Operation, after: _Operation) -> None:
        where = json_path(after.where, "security")
        for alternative in before.security:
            if not any(_satisfies(alternative, option) for option in after.security):
                self._add("security-requirement-changed", where,
                          f"credentials {_show(alternative)} no longer accepted; now "
                          f"{' or '.join(_show(o) for o in after.security)}",
                          before.security, after.security)  # fmt: skip
                break
        else:
            if any(
                not any(_satisfies(option, old) for old in before.security)
                for option in after.security
            ):
                self._add("security-requirement-relaxed", where, "a new way to authenticate",
                          before.security, after.security)  # fmt: skip
        used = {name for alternative in before.security for name in alternative}
        old_schemes = (self.old.document.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new.document.get("components") or {}).get("securitySchemes") or {}
        for name in sorted(used & set(new_schemes) & set(old_schemes)):
            old_s, _ = self.old.resolve(old_schemes[name])
            new_s, _ = self.new.resolve(new_schemes[name])
            if _scheme_identity(old_s) != _scheme_identity(new_s):
                self._add("security-scheme-changed",
                          json_path("$", "components", "securitySchemes", name),
                          f"security scheme {name!r} changed",
                          _scheme_identity(old_s), _scheme_identity(new_s))  # fmt: skip

    # --- schemas ----------------------------------------------------------------------

    def _compare_schema(
        self,
        old_node: Any,
        new_node: Any,
        where: str,
        direction: Direction,
        stack: frozenset[tuple[str | None, str | None]] = frozenset(),
    ) -> None:
        if old_node is None or new_node is None or len(stack) > _MAX_DEPTH:
            return  # an undeclared schema promises nothing to compare
        old, new = view(self.old, old_node), view(self.new, new_node)
        if old.ref is not None or new.ref is not None:
            pair = (old.ref, new.ref)
            if pair in stack:
                return  # recursive schema: this pair is already being compared above
            stack = stack | {pair}
        request = direction is Direction.REQUEST
        self._compare_types(old, new, where, request)
        self._compare_nullable(old, new, where, request)
        self._compare_format(old, new, where, request)
        self._compare_enum(old, new, where, request)
        self._compare_constraints(old, new, where, request)
        self._compare_properties(old, new, where, direction, stack)
        if old.items is not None and new.items is not None:
            self._compare_schema(old.items, new.items, json_path(where, "items"), direction, stack)
        if isinstance(old.additional, dict) and isinstance(new.additional, dict):
            at = json_path(where, "additionalProperties")
            self._compare_schema(old.additional, new.additional, at, direction, stack)
        if old.alternatives or new.alternatives:
            self._compare_alternatives(old, old_node, new, new_node, where, direction, stack)

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
        self._add(rule, at, f"type {shown_old} → {shown_new}", shown_old, shown_new)

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
        self._add(rule, at, text, old.nullable, new.nullable)

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
        self._add(rule, at, message, old.format, new.format)

    def _compare_enum(self, old: SchemaView, new: SchemaView, where: str, request: bool) -> None:
        if old.enum == new.enum:
            return
        at = json_path(where, "enum")
        removed = sorted((old.enum or frozenset()) - (new.enum or frozenset()))
        added = sorted((new.enum or frozenset()) - (old.enum or frozenset()))
        narrower = new.enum is not None and (old.enum is None or bool(removed))
        wider = old.enum is not None and (new.enum is None or bool(added))
        shown_old = sorted(json.loads(v) for v in old.enum) if old.enum is not None else None
        shown_new = sorted(json.loads(v) for v in new.enum) if new.enum is not None else None
        gone = [json.loads(v) for v in removed]
        came = [json.loads(v) for v in added]
        message = "enum " + ", ".join(
            part for part in (
                f"values removed {gone}" if removed and new.enum else "",
                f"values added {came}" if added and old.enum else "",
                "introduced" if old.enum is None else "",
                "dropped" if new.enum is None else "",
            ) if part
        )  # fmt: skip
        if request:
            if narrower:
                self._add("request-enum-narrowed", at, message, shown_old, shown_new)
            elif wider:
                self._add("request-enum-widened", at, message, shown_old, shown_new)
        elif wider:
            self._add("response-enum-widened", at, message, shown_old, shown_new)
        elif narrower:
            self._add("response-enum-narrowed", at, message, shown_old, shown_new)

    def _compare_constraints(
        self, old: SchemaView, new: SchemaView, where: str, request: bool
    ) -> None:
        def report(keyword: str, tightened: bool, was: Any, now: Any) -> None:
            side = "request" if request else "response"
            rule = f"{side}-constraint-{'tightened' if tightened else 'loosened'}"
            self._add(rule, json_path(where, keyword), f"{keyword} {was} → {now}", was, now)

        for key in UPPER_BOUNDS:
            was, now = old.counts.get(key), new.counts.get(key)
            if was != now:
                report(key, now is not None and (was is None or now < was), _n(was), _n(now))
        for key in LOWER_BOUNDS:
            was, now = old.counts.get(key), new.counts.get(key)
            if was != now:
                report(key, now is not None and (was is None or now > was), _n(was), _n(now))
        if old.maximum != new.maximum:
            report("maximum", _stricter(new.maximum, old.maximum, upper=True),
                   _b(old.maximum), _b(new.maximum))  # fmt: skip
        if old.minimum != new.minimum:
            report("minimum", _stricter(new.minimum, old.minimum, upper=False),
                   _b(old.minimum), _b(new.minimum))  # fmt: skip
        if old.pattern != new.pattern:
            if old.pattern is not None and new.pattern is not None:
                # a different regular expression is, in general, neither wider nor narrower
                report("pattern", request, old.pattern, new.pattern)
                if not request:
                    report("pattern", False, old.pattern, new.pattern)
            else:
                report("pattern", new.pattern is not None, old.pattern, new.pattern)
        if old.multiple_of != new.multiple_of:
            tighter = new.multiple_of is not None and (
                old.multiple_of is None or (new.multiple_of / old.multiple_of) % 1 != 0
                or new.multiple_of > old.multiple_of
            )  # fmt: skip
            report("multipleOf", tighter, _n(old.multiple_of), _n(new.multiple_of))
        if old.unique_items != new.unique_items:
            report("uniqueItems", new.unique_items, old.unique_items, new.unique_items)

    def _compare_properties(
        self,
        old: SchemaView,
        new: SchemaView,
        where: str,
        direction: Direction,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        request = direction is Direction.REQUEST
        # readOnly properties never appear in requests, writeOnly ones never in responses
        old_props = _visible(self.old, old, request)
        new_props = _visible(self.new, new, request)
        side = "request" if request else "response"
        if request and old.additional is not False and new.additional is False:
            self._add("request-additional-properties-forbidden",
                      json_path(where, "additionalProperties"),
                      "unknown properties are now rejected", True, False)  # fmt: skip
        added = sorted(new_props.keys() - old_props.keys())
        for name in sorted(old_props.keys() - new_props.keys()):
            at = json_path(where, "properties", name)
            if request:
                closed = new.additional is False
                rule = "request-property-removed-closed" if closed else "request-property-removed"
                self._add(rule, at, f"request property {name!r} removed", name, None)
            else:
                twin = self._twin(old_props[name], new_props, added)
                hint = f" (renamed to {twin!r}?)" if twin else ""
                self._add("response-property-removed", at,
                          f"response property {name!r} removed{hint}", name, twin)  # fmt: skip
        for name in added:
            at = json_path(where, "properties", name)
            if request and name in new.required:
                self._add("request-property-added-required", at,
                          f"new required request property {name!r}", None, name)  # fmt: skip
            else:
                self._add(f"{side}-property-added", at, f"new {side} property {name!r}",
                          None, name)  # fmt: skip
        for name in sorted(old_props.keys() & new_props.keys()):
            at = json_path(where, "properties", name)
            was, now = name in old.required, name in new.required
            if was != now:
                rule = f"{side}-property-became-{'required' if now else 'optional'}"
                self._add(rule, json_path(where, "required"),
                          f"{side} property {name!r} is now {'required' if now else 'optional'}",
                          was, now)  # fmt: skip
            self._compare_schema(old_props[name], new_props[name], at, direction, stack)

    def _twin(self, removed: Any, candidates: dict[str, Any], added: list[str]) -> str | None:
        """A newly added property with the same schema: the likely new name of ``removed``."""
        fingerprint = _fingerprint(self.old, removed)
        twins = [name for name in added if _fingerprint(self.new, candidates[name]) == fingerprint]
        return twins[0] if len(twins) == 1 else None

    def _compare_alternatives(
        self,
        old: SchemaView,
        old_node: Any,
        new: SchemaView,
        new_node: Any,
        where: str,
        direction: Direction,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        # a plain schema on one side is a union of one branch: itself
        old_branches = old.alternatives or [_plain(self.old, old_node)]
        new_branches = new.alternatives or [_plain(self.new, new_node)]
        pairs, lost, gained = _match_branches(self.old, old_branches, self.new, new_branches)
        keyword = "oneOf" if _has(new_node, self.new, "oneOf") else "anyOf"
        request = direction is Direction.REQUEST
        for index in lost:
            label = _branch_label(self.old, old_branches[index], index)
            rule = "request-union-branch-removed" if request else "response-union-branch-removed"
            self._add(rule, json_path(where, keyword), f"{keyword} branch {label} removed",
                      label, None)  # fmt: skip
        for index in gained:
            label = _branch_label(self.new, new_branches[index], index)
            rule = "response-union-branch-added" if not request else "request-union-branch-added"
            self._add(rule, json_path(where, keyword, index), f"{keyword} branch {label} added",
                      None, label)  # fmt: skip
        if old.alternatives and new.alternatives:
            for old_index, new_index in pairs:
                at = json_path(where, keyword, new_index)
                self._compare_schema(
                    old_branches[old_index], new_branches[new_index], at, direction, stack
                )


# --- helpers ---------------------------------------------------------------------------


def _operations(spec: Spec) -> dict[tuple[str, str], _Operation]:
    document = spec.document
    global_security = document.get("security")
    result: dict[tuple[str, str], _Operation] = {}
    for path, item in (document.get("paths") or {}).items():
        item, _ = spec.resolve(item)
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            where = json_path("$", "paths", path, method)
            params: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
            position = {name: i for i, name in enumerate(_PARAM.findall(path))}
            for level, raw_list in (("", shared), (where, node.get("parameters") or [])):
                base = level or json_path("$", "paths", path)
                for index, raw in enumerate(raw_list):
                    param, _ = spec.resolve(raw)
                    if not isinstance(param, dict) or "name" not in param:
                        continue
                    params[_param_key(param, position)] = (
                        param, json_path(base, "parameters", index),
                    )  # fmt: skip
            security = node.get("security", global_security)
            result[(_PARAM.sub("{}", path), method)] = _Operation(
                path, method, node, params,
                [dict(s) for s in security] if security else [{}],
            )  # fmt: skip
    return result


def _param_key(param: dict[str, Any], position: dict[str, int]) -> tuple[str, str]:
    location, name = str(param.get("in", "")), str(param["name"])
    if location == "path":
        # path parameters are positional to a client: renaming one changes nothing
        return location, f"#{position.get('{' + name + '}', name)}"
    if location == "header":
        return location, name.lower()
    return location, name


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    content = param.get("content") or {}
    for media in content.values():
        return (media or {}).get("schema")
    return None


def _success(status: Any) -> bool:
    return str(status).upper().startswith("2")


def _visible(spec: Spec, schema: SchemaView, request: bool) -> dict[str, Any]:
    visible = {}
    for name, node in schema.properties.items():
        prop = view(spec, node)
        if (request and prop.read_only) or (not request and prop.write_only):
            continue
        visible[name] = node
    return visible


def _uncovered(types: frozenset[str] | None, by: frozenset[str] | None) -> bool:
    """True when some value of ``types`` is not a value of ``by`` (None: any type)."""
    if by is None:
        return False
    if types is None:
        return True
    return any(t not in by and not (t == "integer" and "number" in by) for t in types)


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


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


def _satisfies(credentials: dict[str, list[str]], requirement: dict[str, list[str]]) -> bool:
    """Do the credentials of one alternative meet ``requirement`` (schemes and scopes)?"""
    return all(
        name in credentials and set(scopes or ()) <= set(credentials[name] or ())
        for name, scopes in requirement.items()
    )


def _show(alternative: dict[str, list[str]]) -> str:
    if not alternative:
        return "(none)"
    return "+".join(
        f"{name}[{','.join(scopes)}]" if scopes else name for name, scopes in alternative.items()
    )


def _scheme_identity(scheme: Any) -> dict[str, Any]:
    if not isinstance(scheme, dict):
        return {}
    keys = ("type", "scheme", "in", "name", "openIdConnectUrl")
    identity = {k: str(scheme[k]).lower() if k == "scheme" else scheme[k]
                for k in keys if k in scheme}  # fmt: skip
    return identity


def _fingerprint(spec: Spec, node: Any) -> str:
    v = view(spec, node)
    return json.dumps([sorted(v.types or []), v.nullable, v.format, sorted(v.enum or [])])


def _plain(spec: Spec, node: Any) -> Any:
    """The one branch a schema without real alternatives stands for (``oneOf: [A]`` is A)."""
    target, _ = spec.resolve(node)
    if not isinstance(target, dict):
        return node
    branches = [*target.get("oneOf", ()), *target.get("anyOf", ())]
    kept = [b for b in branches if view(spec, b).types != frozenset({"null"})]
    if len(kept) == 1:
        return kept[0]
    return {k: v for k, v in target.items() if k not in ("oneOf", "anyOf")}


def _has(node: Any, spec: Spec, keyword: str) -> bool:
    target, _ = spec.resolve(node)
    return isinstance(target, dict) and keyword in target


def _branch_label(spec: Spec, node: Any, index: int) -> str:
    v = view(spec, node)
    if v.ref:
        return v.ref.rsplit("/", 1)[-1]
    if v.title:
        return v.title
    return f"#{index} ({_show_types(v.types)})"


def _match_branches(
    old_spec: Spec, old: list[Any], new_spec: Spec, new: list[Any]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair union branches by ref name, then title, then shape; the rest are lost/gained."""
    old_views = [view(old_spec, node) for node in old]
    new_views = [view(new_spec, node) for node in new]
    pairs: list[tuple[int, int]] = []
    free_old, free_new = list(range(len(old))), list(range(len(new)))

    def pair_by(key: Any) -> None:
        for i in list(free_old):
            k = key(old_spec, old[i], old_views[i])
            if k is None:
                continue
            for j in free_new:
                if key(new_spec, new[j], new_views[j]) == k:
                    pairs.append((i, j))
                    free_old.remove(i)
                    free_new.remove(j)
                    break

    pair_by(lambda _s, _n, v: v.ref.rsplit("/", 1)[-1] if v.ref else None)
    pair_by(lambda _s, _n, v: v.title)
    pair_by(lambda s, n, _v: _fingerprint(s, n) + json.dumps(sorted(_v.properties)))
    if len(free_old) == 1 and len(free_new) == 1:
        pairs.append((free_old.pop(), free_new.pop()))
    return pairs, free_old, free_new
