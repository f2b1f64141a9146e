"""What the three legacy routers share: router options and the not-found answer."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from pydantic import BaseModel

from unimedia.api.deps import planted_error_rate, planted_slow_tail
from unimedia.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from unimedia.problems import ProblemError


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of every API answers (documented inline:
    FastAPI would file a ``model`` under application/json, which errors never are)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEM: dict[str, Any] = {
    "content": {PROBLEM_MEDIA_TYPE: {"schema": Problem.model_json_schema()}},
    "description": "an RFC 9457 problem document",
}

ROUTER_OPTIONS: dict[str, Any] = {
    "dependencies": [Depends(planted_error_rate), Depends(planted_slow_tail)],
    "responses": {401: PROBLEM, 404: PROBLEM, 422: PROBLEM},
}

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: PROBLEM,
    415: PROBLEM,
    507: PROBLEM,
}

DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
    206: {"content": {"application/octet-stream": {}}, "description": "the requested range"},
    304: {"description": "the client's copy (If-None-Match) is current"},
    400: PROBLEM,
    416: PROBLEM,
}


def not_found(what: str) -> ProblemError:
    return ProblemError(404, f"No {what}.")
