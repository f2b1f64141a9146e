"""``/api/v1/documents``: the old document service's contract (``doc-<n>`` ids,
offset/limit paging with ``next``/``previous`` links, page counts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Path, Query, Request, Response, UploadFile
from sqlalchemy.exc import DBAPIError

from unimedia.api.content import blob_response
from unimedia.api.deps import (
    CurrentUser,
    FaultsDep,
    MediaServiceDep,
    SettingsDep,
    StoreDep,
    planted_slow_download,
    planted_slow_list,
)
from unimedia.api.uploads import store_upload
from unimedia.api.v1.common import (
    DOWNLOAD_RESPONSES,
    ROUTER_OPTIONS,
    UPLOAD_RESPONSES,
    not_found,
)
from unimedia.api.v1.schemas import DOCUMENT_ID_PATTERN, DocumentList, DocumentOut
from unimedia.models import Kind, Media
from unimedia.problems import ProblemError
from unimedia.service import MediaNotFound, MediaService, Order

router = APIRouter(prefix="/api/v1/documents", tags=["legacy documents"], **ROUTER_OPTIONS)

DocumentId = Annotated[str, Path(pattern=DOCUMENT_ID_PATTERN, description="e.g. doc-3")]
_MAX_OFFSET = 10**9


def _find(service: MediaService, user: Any, doc_id: str) -> Media:
    try:
        return service.get_by_number(viewer=user, kind=Kind.DOCUMENT, number=int(doc_id[4:]))
    except MediaNotFound as exc:
        raise not_found(f"document {doc_id!r}") from exc


@router.post("", status_code=201, response_model=DocumentOut, responses=UPLOAD_RESPONSES)
def upload_document(
    user: CurrentUser,
    service: MediaServiceDep,
    settings: SettingsDep,
    document: Annotated[UploadFile, File(description="the document (PDF, text, office…)")],
) -> DocumentOut:
    media = store_upload(
        service,
        owner=user,
        upload=document,
        tags=[],
        limit=settings.max_upload_bytes,
        required_kind=Kind.DOCUMENT,
    )
    return DocumentOut.of(media)


@router.get("", response_model=DocumentList, dependencies=[Depends(planted_slow_list)])
def list_documents(
    request: Request,
    user: CurrentUser,
    service: MediaServiceDep,
    faults: FaultsDep,
    offset: Annotated[int, Query(ge=0, le=_MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> DocumentList:
    sort = request.query_params.get("sort") if faults.active(SORT_FAULT) else None
    try:
        found = service.list(
            viewer=user,
            kind=Kind.DOCUMENT,
            order=Order.NUMBER,
            limit=limit,
            offset=offset,
            order_sql=sort or None,
        )
    except DBAPIError as exc:  # only the planted sort gets here
        orig = exc.orig
        raise ProblemError(
            400, f"cannot sort by {sort!r}: {type(orig).__module__}.{type(orig).__name__}: {orig}"
        ) from exc

    def link(to: int) -> str:
        return str(request.url.include_query_params(offset=to, limit=limit))

    return DocumentList(
        count=found.total,
        next=link(offset + limit) if offset + limit < found.total else None,
        previous=link(max(offset - limit, 0)) if offset > 0 else None,
        results=[DocumentOut.of(media) for media in found.items],
    )


#: legacy_sort_injection: the old document service's sort, brought back without its checks.
SORT_FAULT = "legacy_sort_injection"
SORT_PARAMETER = {
    "name": "sort",
    "in": "query",
    "required": False,
    "description": "column to sort by (as the old document service had it)",
    "schema": {"type": "string", "default": "legacy_id", "title": "Sort"},
}


def advertise_sort(app: FastAPI) -> None:
    """Under ``legacy_sort_injection``, the listing documents its ``sort`` parameter, as a
    release that added it would: the OpenAPI document is generated from the code."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            operation = schema["paths"][router.prefix]["get"]
            operation.setdefault("parameters", []).append(SORT_PARAMETER)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


@router.get("/{doc_id}", response_model=DocumentOut)
def get_document(doc_id: DocumentId, user: CurrentUser, service: MediaServiceDep) -> DocumentOut:
    return DocumentOut.of(_find(service, user, doc_id))


@router.get(
    "/{doc_id}/download",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
    dependencies=[Depends(planted_slow_download)],
)
def download_document(
    doc_id: DocumentId,
    request: Request,
    user: CurrentUser,
    service: MediaServiceDep,
    store: StoreDep,
    faults: FaultsDep,
) -> Response:
    return blob_response(request, _find(service, user, doc_id), store, faults)


@router.delete("/{doc_id}", status_code=204, response_class=Response)
def delete_document(doc_id: DocumentId, user: CurrentUser, service: MediaServiceDep) -> Response:
    service.remove(_find(service, user, doc_id))
    return Response(status_code=204)
