"""Every operation of a document, keyed the way a client sees it.

Paths are matched with their parameter names ignored (``/a/{id}`` and ``/a/{media_id}``
are one endpoint to a client), path- and operation-level parameters are merged (the
operation's win), path parameters are keyed by position (so renaming one changes nothing)
and header names case-insensitively. Webhooks (3.1) and callbacks are operations too, but
*flipped*: the provider sends their requests and receives their responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from postdeploy.contract.changes import json_path
from postdeploy.contract.load import Spec

__all__ = ["METHODS", "Operation", "operations", "serialization"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^}/]*\}")
# "If in is header and the name is Accept, Content-Type or Authorization, the parameter
# definition SHALL be ignored" (OpenAPI 3.0 and 3.1, Parameter Object)
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})

Parameters = dict[tuple[str, str], tuple[dict[str, Any], str]]  # key → (parameter, json path)


@dataclass(frozen=True, slots=True)
class Operation:
    kind: str  # "path", "webhook" or "callback"
    label: str  # "GET /items/{id}", "webhook orderCreated POST", …
    where: str  # the JSON path of the operation object
    node: dict[str, Any]
    parameters: Parameters
    security: list[dict[str, list[str]]]

    @property
    def flipped(self) -> bool:
        """Requests sent by the provider (webhooks, callbacks): judged as responses."""
        return self.kind != "path"


def operations(spec: Spec) -> dict[tuple[str, ...], Operation]:
    """Every operation of ``spec`` by the key that matches it across releases."""
    document = spec.document
    result: dict[tuple[str, ...], Operation] = {}
    global_security = document.get("security")
    templates: set[str] = set()
    for path, item in (document.get("paths") or {}).items():
        template = _PARAM.sub("{}", path)
        if template in templates:
            template = path  # two templates that differ only in names: keep both apart
        templates.add(template)
        base = json_path("$", "paths", path)
        for method, operation in _path_item(spec, item, path, base, global_security):
            key = ("path", template, method)
            result[key] = operation
            for callback_key, callback in _callbacks(spec, operation):
                result[(*key, *callback_key)] = callback
    for name, item in (document.get("webhooks") or {}).items():
        base = json_path("$", "webhooks", name)
        for method, operation in _path_item(spec, item, name, base, None, kind="webhook"):
            result[("webhook", name, method)] = operation
    return result


def _path_item(
    spec: Spec, item: Any, path: str, base: str, global_security: Any, kind: str = "path"
) -> list[tuple[str, Operation]]:
    item, _ = spec.resolve(item)
    if not isinstance(item, dict):
        return []
    shared = item.get("parameters") or []
    found = []
    position = {name: i for i, name in enumerate(_PARAM.findall(path))} if kind != "webhook" else {}
    for method in METHODS:
        node = item.get(method)
        node, _ = spec.resolve(node)
        if not isinstance(node, dict):
            continue
        where = json_path(base, method)
        params: Parameters = {}
        for level, raw_list in ((base, shared), (where, node.get("parameters") or [])):
            for index, raw in enumerate(raw_list):
                param, _ = spec.resolve(raw)
                if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                    continue
                key = _param_key(param, position)
                if key is not None:
                    params[key] = (param, json_path(level, "parameters", index))
        security = node.get("security", global_security)
        alternatives = [dict(s) for s in security if isinstance(s, dict)] if isinstance(
            security, list) else []  # fmt: skip
        label = f"{method.upper()} {path}" if kind == "path" else f"{kind} {path} {method.upper()}"
        # no requirement at all is one alternative: no credentials
        found.append((method, Operation(kind, label, where, node, params, alternatives or [{}])))
    return found


def _callbacks(spec: Spec, operation: Operation) -> list[tuple[tuple[str, ...], Operation]]:
    found = []
    callbacks = operation.node.get("callbacks") or {}
    for name, raw in callbacks.items() if isinstance(callbacks, dict) else ():
        callback, _ = spec.resolve(raw)
        if not isinstance(callback, dict):
            continue
        for expression, item in callback.items():
            base = json_path(operation.where, "callbacks", name, expression)
            label = f"callback {name} of {operation.label}: {expression}"
            for method, inner in _path_item(spec, item, label, base, None, kind="callback"):
                found.append(((name, expression, method), inner))
    return found


def _param_key(param: dict[str, Any], position: dict[str, int]) -> tuple[str, str] | None:
    location, name = str(param.get("in", "")), param["name"]
    if location == "path":
        # path parameters are positional to a client: renaming one changes nothing
        return location, f"#{position.get('{' + name + '}', name)}"
    if location == "header":
        if name.lower() in _IGNORED_HEADERS:
            return None
        return location, name.lower()
    return location, name


def serialization(param: dict[str, Any]) -> tuple[str, ...]:
    """How a client puts the value on the wire, defaults spelled out (3.x Parameter Object):
    ``style`` form for query and cookie, simple for path and header; ``explode`` true
    exactly for form — or the media type of a ``content`` parameter."""
    content = param.get("content")
    if isinstance(content, dict) and content:
        return ("content", *sorted(str(media).lower() for media in content))
    location = str(param.get("in", ""))
    default_style = "form" if location in ("query", "cookie") else "simple"
    style = param.get("style") if isinstance(param.get("style"), str) else default_style
    explode = param.get("explode")
    if not isinstance(explode, bool):
        explode = style == "form"
    return (style, "explode" if explode else "no-explode")
