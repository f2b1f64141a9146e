"""The unified media API, ``/api/v2/media``: upload, list, metadata, content, delete.

postdeploy depends on this contract as it is: change it only by adding.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from unimedia.api.content import blob_response
from unimedia.api.deps import (
    CurrentUser,
    FaultsDep,
    MediaServiceDep,
    SettingsDep,
    StoreDep,
    planted_error_rate,
    planted_slow_download,
    planted_slow_list,
    planted_slow_tail,
)
from unimedia.api.planted import v2_body
from unimedia.api.uploads import store_upload
from unimedia.models import Kind
from unimedia.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from unimedia.problems import ProblemError
from unimedia.schemas import MediaOut, MediaPage
from unimedia.service import InvalidTags, MediaNotFound, parse_tags

logger = logging.getLogger(__name__)

_PROBLEM = {"content": {PROBLEM_MEDIA_TYPE: {}}}

router = APIRouter(
    prefix="/api/v2/media",
    tags=["media"],
    dependencies=[Depends(planted_error_rate), Depends(planted_slow_tail)],
    responses={401: _PROBLEM, 404: _PROBLEM},
)


def _not_found(media_id: str) -> ProblemError:
    return ProblemError(404, f"No media with id {media_id!r}.")


@router.post(
    "",
    status_code=201,
    response_model=MediaOut,
    responses={413: _PROBLEM, 422: _PROBLEM, 507: _PROBLEM},
)
def upload_media(
    user: CurrentUser,
    service: MediaServiceDep,
    settings: SettingsDep,
    faults: FaultsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="the media bytes")],
    tags: Annotated[str | None, Form(description="comma-separated tags")] = None,
) -> Any:
    try:
        tag_list = parse_tags(tags)
    except InvalidTags as exc:
        raise ProblemError(422, str(exc)) from exc
    media = store_upload(
        service, owner=user, upload=file, tags=tag_list, limit=settings.max_upload_bytes
    )
    location = f"{router.prefix}/{media.id}"
    response.headers["Location"] = location
    body = v2_body(MediaOut.of(media), faults, status_code=201)
    if isinstance(body, Response):
        body.headers["Location"] = location
    return body


@router.get("", response_model=MediaPage, dependencies=[Depends(planted_slow_list)])
def list_media(
    user: CurrentUser,
    service: MediaServiceDep,
    faults: FaultsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    kind: Kind | None = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    owner: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="only this user's media (ordinary users only ever see their own)",
        ),
    ] = None,
) -> Any:
    page = service.list(viewer=user, kind=kind, tag=tag, owner=owner, limit=limit, offset=offset)
    body = MediaPage(
        items=[MediaOut.of(media) for media in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )
    return v2_body(body, faults)


@router.get("/{media_id}", response_model=MediaOut)
def get_media(media_id: str, user: CurrentUser, service: MediaServiceDep, faults: FaultsDep) -> Any:
    try:
        out = MediaOut.of(service.get(viewer=user, media_id=media_id))
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    if faults.active("metadata_wrong"):
        # The planted bug: metadata serialised from a stale cache entry of another upload.
        wrong_type = "text/plain" if out.content_type != "text/plain" else "image/png"
        out = out.model_copy(update={"size": out.size + 1, "content_type": wrong_type})
    return v2_body(out, faults)


CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
    206: {"content": {"application/octet-stream": {}}, "description": "the requested range"},
    304: {"description": "the client's copy (If-None-Match) is current"},
    400: _PROBLEM,
    416: _PROBLEM,
}


@router.get(
    "/{media_id}/content",
    dependencies=[Depends(planted_slow_download)],
    response_class=Response,
    responses=CONTENT_RESPONSES,
)
def download_media(
    media_id: str,
    request: Request,
    user: CurrentUser,
    service: MediaServiceDep,
    store: StoreDep,
    faults: FaultsDep,
) -> Response:
    try:
        media = service.get(viewer=user, media_id=media_id)
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    return blob_response(request, media, store, faults)


@router.delete("/{media_id}", status_code=204, response_class=Response)
def delete_media(media_id: str, user: CurrentUser, service: MediaServiceDep) -> Response:
    try:
        service.delete(viewer=user, media_id=media_id)
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    return Response(status_code=204)
