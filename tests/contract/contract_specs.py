"""Small OpenAPI documents for the classifier's tests, built in code so each case shows
exactly the one thing that differs."""

from __future__ import annotations

import copy
from typing import Any

from postdeploy.contract import Spec, parse_spec

JSON = "application/json"


def document(
    paths: dict[str, Any] | None = None,
    *,
    schemas: dict[str, Any] | None = None,
    version: str = "3.1.0",
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas or {}},
    }
    doc.update(extra)
    return doc


def get(response_schema: Any, *, status: str = "200", **operation: Any) -> dict[str, Any]:
    """A GET operation answering ``response_schema`` as JSON."""
    return {
        "responses": {
            status: {"description": "ok", "content": {JSON: {"schema": response_schema}}}
        },
        **operation,
    }


def post(request_schema: Any, *, required: bool = True, **operation: Any) -> dict[str, Any]:
    """A POST operation taking ``request_schema`` as a JSON body."""
    return {
        "requestBody": {"required": required, "content": {JSON: {"schema": request_schema}}},
        "responses": {"201": {"description": "created"}},
        **operation,
    }


def obj(required: tuple[str, ...] = (), closed: bool = False, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def spec(doc: dict[str, Any]) -> Spec:
    import json

    return parse_spec(json.dumps(doc), "test")


def changed(doc: dict[str, Any], edit: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with ``edit(copy)`` applied."""
    other = copy.deepcopy(doc)
    edit(other)
    return other
