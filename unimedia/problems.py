"""RFC 9457 problem details: every error answer is ``application/problem+json``.

Handlers here turn every exception that reaches the app boundary into a problem body, so a
client never sees a stack trace, whatever went wrong.
"""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.extra = extra or {}


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def internal_error() -> ProblemError:
    """The one body every 500 has, planted or real: nothing about the cause."""
    return ProblemError(500, "The server could not complete the request.")


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)  # noqa: S101 -- registered for this type only
    return problem_response(
        exc.status, exc.detail, title=exc.title, headers=exc.headers, extra=exc.extra
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 -- registered for this type
    runtime = getattr(request.app.state, "runtime", None)
    if (
        exc.status_code == 400
        and runtime is not None
        and runtime.faults.active("malformed_upload_error")
    ):
        # The planted bug: a debug handler left on, answering the parser's failure as a 500
        # with its traceback.
        trace = "".join(traceback.format_exception(exc))
        return JSONResponse({"error": str(exc.detail), "trace": trace}, status_code=500)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(exc.status_code, detail, headers=exc.headers)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 -- registered for this type
    # Only where and why: the offending input could be a password.
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]
    return problem_response(
        422, "The request is not valid.", extra={"errors": jsonable_encoder(errors)}
    )


async def _on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc)
    error = internal_error()
    return problem_response(error.status, error.detail)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
