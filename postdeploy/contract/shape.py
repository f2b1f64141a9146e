"""Does a document have the shape the classifier reads? The first part that does not, by path.

Not a validator of the whole OpenAPI specification (``openapi-spec-validator`` is one):
only the objects ``contract diff`` walks — paths, operations, parameters, bodies, media
types, responses, headers, security, webhooks, callbacks — must have the JSON type the
specification gives them, checked for the whole document when it is read; and the keywords
of every schema it compares (:func:`schema_problem`), checked when the schema is first
looked at, since most schemas of a large document are never compared keyword by keyword
(written alike on both sides, they are compared as data). A part of the wrong
type is not a change to classify but a document we cannot read (exit 2), and checking it
here, once, keeps the classifier free of ``isinstance`` guesses that would silently read
garbage as "no constraint".

No recursion, so its cost is linear in the size of the parts it looks at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["check_shape", "schema_problem"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_SCHEMA_MAPS = frozenset(
    ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
)
_SCHEMA_ONE = frozenset((
    "items", "additionalProperties", "contains", "propertyNames", "unevaluatedProperties",
    "unevaluatedItems", "not", "if", "then", "else", "contentSchema", "additionalItems",
))  # fmt: skip
_SCHEMA_LISTS = frozenset(("allOf", "oneOf", "anyOf", "prefixItems"))
_NUMBERS = frozenset((
    "maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties",
    "maxContains", "minContains", "maximum", "minimum", "multipleOf",
))  # fmt: skip
_STRINGS = frozenset(("pattern", "format", "$ref", "contentMediaType", "contentEncoding"))
_RARE = frozenset({"required", "enum", "dependentRequired", "discriminator"})


def _path(parts: tuple[Any, ...]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part)[:80]}]"
    return text


class _Problem(Exception):
    pass


def schema_problem(node: dict[str, Any]) -> str | None:
    """What is wrong with the types of one schema's own keywords (its sub-schemas are
    checked when they are compared in their turn); ``None`` when nothing is."""
    if _keywords_fine(node):
        return None  # the usual case, decided without building a path for every keyword
    checker = _Checker()
    try:
        checker.keywords(node, ())
    except _Problem as problem:
        excerpt = json.dumps(node, default=str)[:80]
        return str(problem).replace(" at $", "") + f" (in the schema {excerpt})"
    return None


def _keywords_fine(node: dict[str, Any]) -> bool:
    """:meth:`_Checker.keywords`' own checks, without the paths its messages need: ``True``
    when it would find nothing wrong (most schemas). ``False`` only means "ask the checker",
    which finds the problem and says where — so a message never depends on this shortcut."""
    keys = node.keys()
    types = node.get("type")
    if types is not None and not (
        type(types) is str or (type(types) is list and all(type(t) is str for t in types))
    ):
        return False
    for key in keys & _STRINGS:
        if type(node[key]) is not str:
            return False
    for key in keys & _NUMBERS:
        value = node[key]
        if value is not None and (type(value) is bool or not isinstance(value, int | float)):
            return False
    for key in keys & _SCHEMA_MAPS:
        if node[key] is not None and type(node[key]) is not dict:
            return False
    if isinstance(node.get("items"), list):
        return False
    for key in keys & _SCHEMA_LISTS:
        if node[key] is not None and type(node[key]) is not list:
            return False
    if keys & _RARE:
        try:
            _Checker().rare(node, ())
        except _Problem:
            return False
    return True


def check_shape(document: dict[str, Any]) -> str | None:
    """``None`` when every part the classifier reads has its type; else what and where."""
    try:
        _Checker().document(document)
    except _Problem as problem:
        return str(problem)
    return None


class _Checker:
    def __init__(self) -> None:
        self.pending: list[tuple[Any, tuple[Any, ...]]] = []

    # --- helpers ----------------------------------------------------------------------

    def mapping(self, node: Any, at: tuple[Any, ...], what: str) -> dict[str, Any]:
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise _Problem(f"{what} at {_path(at)} is not a mapping")
        return node

    def listing(self, node: Any, at: tuple[Any, ...], what: str) -> list[Any]:
        if node is None:
            return []
        if not isinstance(node, list):
            raise _Problem(f"{what} at {_path(at)} is not a list")
        return node

    def entries(
        self, node: Any, at: tuple[Any, ...], what: str
    ) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
        for key, value in self.mapping(node, at, what).items():
            yield key, value, (*at, key)

    # --- the document -----------------------------------------------------------------

    def document(self, doc: dict[str, Any]) -> None:
        for _path_key, item, at in self.entries(doc.get("paths"), ("paths",), "paths"):
            self.path_item(item, at)
        for _name, item, at in self.entries(doc.get("webhooks"), ("webhooks",), "webhooks"):
            self.path_item(item, at)
        self.security(doc.get("security"), ("security",))
        components = self.mapping(doc.get("components"), ("components",), "components")
        base = ("components",)
        for _n, node, at in self.entries(components.get("schemas"), (*base, "schemas"), "schemas"):
            self.schema(node, at)
        for _n, node, at in self.entries(
            components.get("parameters"), (*base, "parameters"), "parameters"
        ):
            self.parameter(node, at)
        for _n, node, at in self.entries(
            components.get("requestBodies"), (*base, "requestBodies"), "requestBodies"
        ):
            self.body(node, at)
        for _n, node, at in self.entries(
            components.get("responses"), (*base, "responses"), "responses"
        ):
            self.response(node, at)
        for _n, node, at in self.entries(components.get("headers"), (*base, "headers"), "headers"):
            self.header(node, at)
        for _n, node, at in self.entries(
            components.get("securitySchemes"), (*base, "securitySchemes"), "securitySchemes"
        ):
            self.mapping(node, at, "a security scheme")
        for _n, node, at in self.entries(
            components.get("pathItems"), (*base, "pathItems"), "pathItems"
        ):
            self.path_item(node, at)
        for _n, node, at in self.entries(
            components.get("callbacks"), (*base, "callbacks"), "callbacks"
        ):
            self.callback(node, at)

    def path_item(self, item: Any, at: tuple[Any, ...]) -> None:
        item = self.mapping(item, at, "a path item")
        for index, param in enumerate(self.listing(item.get("parameters"), (*at, "parameters"),
                                                   "parameters")):  # fmt: skip
            self.parameter(param, (*at, "parameters", index))
        for method in METHODS:
            if method in item:
                self.operation(item[method], (*at, method))

    def operation(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "an operation")
        params = self.listing(node.get("parameters"), (*at, "parameters"), "parameters")
        for index, param in enumerate(params):
            self.parameter(param, (*at, "parameters", index))
        if "requestBody" in node:
            self.body(node["requestBody"], (*at, "requestBody"))
        for _status, response, where in self.entries(
            node.get("responses"), (*at, "responses"), "responses"
        ):
            self.response(response, where)
        self.security(node.get("security"), (*at, "security"))
        for _name, callback, where in self.entries(
            node.get("callbacks"), (*at, "callbacks"), "callbacks"
        ):
            self.callback(callback, where)

    def callback(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "a callback")
        if "$ref" in node:
            self.string(node["$ref"], (*at, "$ref"), "$ref")
            return
        for _expression, item, where in self.entries(node, at, "a callback"):
            self.path_item(item, where)

    def parameter(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "a parameter")
        if "$ref" in node:
            self.string(node["$ref"], (*at, "$ref"), "$ref")
            return
        for key in ("name", "in", "style"):
            if key in node:
                self.string(node[key], (*at, key), key)
        if "schema" in node:
            self.schema(node["schema"], (*at, "schema"))
        self.content(node.get("content"), (*at, "content"))

    def body(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "a request body")
        self.content(node.get("content"), (*at, "content"))

    def response(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "a response")
        self.content(node.get("content"), (*at, "content"))
        for _name, header, where in self.entries(node.get("headers"), (*at, "headers"),
                                                 "headers"):  # fmt: skip
            self.header(header, where)

    def header(self, node: Any, at: tuple[Any, ...]) -> None:
        node = self.mapping(node, at, "a header")
        if "schema" in node:
            self.schema(node["schema"], (*at, "schema"))
        self.content(node.get("content"), (*at, "content"))

    def content(self, node: Any, at: tuple[Any, ...]) -> None:
        for _media, entry, where in self.entries(node, at, "content"):
            entry = self.mapping(entry, where, "a media type")
            if "schema" in entry:
                self.schema(entry["schema"], (*where, "schema"))

    def security(self, node: Any, at: tuple[Any, ...]) -> None:
        for index, requirement in enumerate(self.listing(node, at, "security")):
            for name, scopes, where in self.entries(requirement, (*at, index), "a requirement"):
                for position, scope in enumerate(self.listing(scopes, where, f"scopes of {name}")):
                    self.string(scope, (*where, position), "a scope")

    def string(self, value: Any, at: tuple[Any, ...], what: str) -> None:
        if not isinstance(value, str):
            raise _Problem(f"{what} at {_path(at)} is not a string")

    # --- schemas: queued and checked iteratively, each node once ----------------------

    def schema(self, node: Any, at: tuple[Any, ...]) -> None:
        """Only that it is a schema: its keywords are checked when it is compared
        (:func:`schema_problem`), since most of a large document never needs to be."""
        if not (node is True or node is False or type(node) is dict):
            raise _Problem(f"a schema at {_path(at)} is neither a mapping nor a boolean")

    def keywords(self, node: dict[str, Any], at: tuple[Any, ...]) -> None:
        keys = node.keys()
        types = node.get("type")
        if types is not None and not (
            isinstance(types, str)
            or (isinstance(types, list) and all(isinstance(t, str) for t in types))
        ):
            raise _Problem(f"type at {_path((*at, 'type'))} is neither a string nor strings")
        for key in keys & _STRINGS:
            self.string(node[key], (*at, key), key)
        for key in keys & _NUMBERS:
            value = node[key]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise _Problem(f"{key} at {_path((*at, key))} is not a number")
        for key in keys & _SCHEMA_MAPS:
            for _name, child, where in self.entries(node[key], (*at, key), key):
                self.pending.append((child, where))
        for key in keys & _SCHEMA_ONE:
            if key == "items" and isinstance(node[key], list):
                raise _Problem(f"items at {_path((*at, key))} is a list (use prefixItems)")
            self.pending.append((node[key], (*at, key)))
        for key in keys & _SCHEMA_LISTS:
            for index, child in enumerate(self.listing(node[key], (*at, key), key)):
                self.pending.append((child, (*at, key, index)))
        if keys & _RARE:
            self.rare(node, at)

    def rare(self, node: dict[str, Any], at: tuple[Any, ...]) -> None:
        required = node.get("required")
        if required is not None and not (
            isinstance(required, list) and all(isinstance(r, str) for r in required)
        ):
            raise _Problem(f"required at {_path((*at, 'required'))} is not a list of names")
        if "enum" in node:
            self.listing(node["enum"], (*at, "enum"), "enum")
        dependent = node.get("dependentRequired")
        for name, names, where in self.entries(dependent, (*at, "dependentRequired"),
                                               "dependentRequired"):  # fmt: skip
            if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                raise _Problem(f"dependentRequired {name!r:.40} at {_path(where)} is not names")
        if "discriminator" in node:
            discriminator = self.mapping(node["discriminator"], (*at, "discriminator"),
                                         "discriminator")  # fmt: skip
            if "propertyName" in discriminator:
                self.string(discriminator["propertyName"], (*at, "discriminator", "propertyName"),
                            "propertyName")  # fmt: skip
            for _key, target, where in self.entries(
                discriminator.get("mapping"), (*at, "discriminator", "mapping"), "mapping"
            ):
                self.string(target, where, "a mapping value")
