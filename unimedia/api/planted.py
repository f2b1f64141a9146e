"""Faults planted in how responses are serialised: contract drift a release can bring.

Each one is the kind of change a refactoring lets slip through — a field renamed for
"consistency", a number that became a string, a field someone thought nobody used — made
to the JSON a client receives, while the declared schema (``/openapi.json``) still
promises the old shape. That is exactly what a contract check has to catch.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from unimedia.faults import FaultSet

#: v2 field that ``v2_field_removed`` drops from every media object.
V2_REMOVED_FIELD = "kind"
#: v1 images field that ``legacy_field_renamed`` renames (old name → new name).
LEGACY_RENAMED_FIELD = ("file_name", "filename")
#: v1 videos field that ``legacy_type_changed`` turns from an integer into a string.
LEGACY_RETYPED_FIELD = "videoId"


def _walk(value: Any, change: Any) -> Any:
    if isinstance(value, dict):
        return change({key: _walk(item, change) for key, item in value.items()})
    if isinstance(value, list):
        return [_walk(item, change) for item in value]
    return value


def _respond(model: BaseModel, status_code: int, change: Any) -> JSONResponse:
    body = jsonable_encoder(model, by_alias=True)
    return JSONResponse(_walk(body, change), status_code=status_code)


def _drop_kind(obj: dict[str, Any]) -> dict[str, Any]:
    if "sha256" in obj and "id" in obj:  # a media object, not the page around it
        obj.pop(V2_REMOVED_FIELD, None)
    return obj


def _rename_file_name(obj: dict[str, Any]) -> dict[str, Any]:
    old, new = LEGACY_RENAMED_FIELD
    return {(new if key == old else key): value for key, value in obj.items()}


def _stringify_video_id(obj: dict[str, Any]) -> dict[str, Any]:
    if isinstance(obj.get(LEGACY_RETYPED_FIELD), int):
        obj[LEGACY_RETYPED_FIELD] = str(obj[LEGACY_RETYPED_FIELD])
    return obj


def v2_body(model: BaseModel, faults: FaultSet, status_code: int = 200) -> Any:
    """``model`` as it is, or without the field ``v2_field_removed`` drops."""
    if faults.active("v2_field_removed"):
        return _respond(model, status_code, _drop_kind)
    return model


def images_body(model: BaseModel, faults: FaultSet, status_code: int = 200) -> Any:
    if faults.active("legacy_field_renamed"):
        return _respond(model, status_code, _rename_file_name)
    return model


def videos_body(model: BaseModel, faults: FaultSet, status_code: int = 200) -> Any:
    if faults.active("legacy_type_changed"):
        return _respond(model, status_code, _stringify_video_id)
    return model
