"""The unified media API, ``/api/v2/media``: upload, list, metadata, content, delete."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse

from unimedia.api.deps import (
    CurrentUser,
    FaultsDep,
    MediaServiceDep,
    SettingsDep,
    StoreDep,
    planted_error_rate,
)
from unimedia.filenames import clean_filename, content_disposition
from unimedia.models import Kind
from unimedia.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from unimedia.problems import ProblemError, internal_error
from unimedia.schemas import MediaOut, MediaPage
from unimedia.service import InvalidTags, MediaNotFound, parse_tags
from unimedia.storage import BlobTooLarge

logger = logging.getLogger(__name__)

_PROBLEM = {"content": {PROBLEM_MEDIA_TYPE: {}}}

router = APIRouter(
    prefix="/api/v2/media",
    tags=["media"],
    dependencies=[Depends(planted_error_rate)],
    responses={401: _PROBLEM, 404: _PROBLEM},
)


def _not_found(media_id: str) -> ProblemError:
    return ProblemError(404, f"No media with id {media_id!r}.")


@router.post(
    "",
    status_code=201,
    responses={413: _PROBLEM, 422: _PROBLEM, 507: _PROBLEM},
)
def upload_media(
    user: CurrentUser,
    service: MediaServiceDep,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="the media bytes")],
    tags: Annotated[str | None, Form(description="comma-separated tags")] = None,
) -> MediaOut:
    try:
        tag_list = parse_tags(tags)
    except InvalidTags as exc:
        raise ProblemError(422, str(exc)) from exc
    try:
        media = service.upload(
            owner=user,
            filename=clean_filename(file.filename),
            content_type=file.content_type,
            stream=file.file,
            tags=tag_list,
            limit=settings.max_upload_bytes,
        )
    except BlobTooLarge as exc:
        raise ProblemError(413, f"The file is larger than {exc.limit} bytes.") from exc
    except OSError as exc:
        logger.error("cannot store an upload: %s", exc)
        raise ProblemError(507, "The media could not be stored.") from exc
    response.headers["Location"] = f"{router.prefix}/{media.id}"
    return MediaOut.of(media)


@router.get("")
def list_media(
    user: CurrentUser,
    service: MediaServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    kind: Kind | None = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> MediaPage:
    page = service.list(viewer=user, kind=kind, tag=tag, limit=limit, offset=offset)
    return MediaPage(
        items=[MediaOut.of(media) for media in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/{media_id}")
def get_media(
    media_id: str, user: CurrentUser, service: MediaServiceDep, faults: FaultsDep
) -> MediaOut:
    try:
        out = MediaOut.of(service.get(viewer=user, media_id=media_id))
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    if faults.active("metadata_wrong"):
        # The planted bug: metadata serialised from a stale cache entry of another upload.
        wrong_type = "text/plain" if out.content_type != "text/plain" else "image/png"
        out = out.model_copy(update={"size": out.size + 1, "content_type": wrong_type})
    return out


async def planted_slow_download(faults: FaultsDep) -> None:
    """The ``slow_download`` fault: downloads stall, without blocking the event loop."""
    if faults.active("slow_download"):
        await asyncio.sleep(faults.param_float("slow_download"))


@router.get(
    "/{media_id}/content",
    dependencies=[Depends(planted_slow_download)],
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 304: {}},
)
def download_media(
    media_id: str,
    user: CurrentUser,
    service: MediaServiceDep,
    store: StoreDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    try:
        media = service.get(viewer=user, media_id=media_id)
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    etag = f'"{media.sha256}"'
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    path = store.path(media.sha256)
    try:
        stat_result = os.stat(path)
    except FileNotFoundError as exc:
        # Metadata without bytes is data loss: say so in the log, not to the client.
        logger.error("blob %s of media %s is missing", media.sha256, media.id)
        raise internal_error() from exc
    return FileResponse(
        path,
        media_type=media.content_type,
        stat_result=stat_result,
        headers={
            # Set explicitly so Starlette does not append a charset to text types: the
            # client gets back exactly the type it uploaded.
            "Content-Type": media.content_type,
            "Content-Disposition": content_disposition(media.filename),
            "ETag": etag,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


@router.delete("/{media_id}", status_code=204, response_class=Response)
def delete_media(media_id: str, user: CurrentUser, service: MediaServiceDep) -> Response:
    try:
        service.delete(viewer=user, media_id=media_id)
    except MediaNotFound as exc:
        raise _not_found(media_id) from exc
    return Response(status_code=204)
