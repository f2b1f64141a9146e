"""Validate a live response body against the response schema a baseline recorded.

jsonschema (Draft 2020-12, which OpenAPI 3.1 schemas are) with the whole baseline document
registered as one resource, so ``$ref: "#/components/schemas/…"`` resolves inside it. A 3.0
document is rewritten first (``nullable`` → a ``null`` type, boolean exclusive bounds →
numeric ones): the live drift we look for must not hide behind a dialect difference.
"""

from __future__ import annotations

import copy
from typing import Any

from postdeploy.contract.load import Spec

__all__ = ["response_schema_pointer", "validate_body"]

_URI = "urn:postdeploy:contract-baseline"


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_schema_pointer(
    spec: Spec, path: str, method: str, status: int, media: str = "application/json"
) -> str | None:
    """The JSON pointer of the documented response schema, or None when undocumented."""
    responses = ((spec.document.get("paths") or {}).get(path) or {}).get(method.lower(), {})
    responses = responses.get("responses") or {}
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
    if key is None:
        return None
    response, _ = spec.resolve(responses[key])
    if media not in ((response or {}).get("content") or {}):
        return None
    parts = ["paths", path, method.lower(), "responses", key, "content", media, "schema"]
    if "$ref" in responses[key]:
        ref = responses[key]["$ref"][1:]
        return ref + "/content/" + _escape(media) + "/schema"
    return "/" + "/".join(_escape(p) for p in parts)


def _to_31(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_31(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _to_31(value) for key, value in node.items()}
    if result.pop("nullable", False) is True:
        if isinstance(result.get("type"), str):
            result["type"] = [result["type"], "null"]
        elif "$ref" in result or "allOf" in result or "oneOf" in result or "anyOf" in result:
            result = {"anyOf": [result, {"type": "null"}]}
    for bound, inclusive in (("exclusiveMaximum", "maximum"), ("exclusiveMinimum", "minimum")):
        if result.get(bound) is True and inclusive in result:
            result[bound] = result.pop(inclusive)
        elif result.get(bound) is False:
            del result[bound]
    return result


def validate_body(spec: Spec, pointer: str, body: Any) -> list[str]:
    """Every violation of the schema at ``pointer`` by ``body``: ``at <path>: <message>``."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = spec.document
    if spec.version.startswith("3.0"):
        document = _to_31(copy.deepcopy(document))
    registry = Registry().with_resource(
        _URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [
        f"at $.{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in errors[:20]
    ]
