"""``/api/v1/videos``: the old video service's contract (camelCase, integer ids, cursors)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile

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
from unimedia.api.planted import videos_body
from unimedia.api.uploads import store_upload
from unimedia.api.v1.common import (
    DOWNLOAD_RESPONSES,
    PROBLEM,
    ROUTER_OPTIONS,
    UPLOAD_RESPONSES,
    not_found,
)
from unimedia.api.v1.schemas import MAX_LEGACY_NUMBER, VideoList, VideoOut
from unimedia.models import Kind, Media
from unimedia.problems import ProblemError
from unimedia.service import MediaNotFound, MediaService, Order

router = APIRouter(prefix="/api/v1/videos", tags=["legacy videos"], **ROUTER_OPTIONS)

VideoId = Annotated[int, Path(alias="videoId", ge=1, le=MAX_LEGACY_NUMBER, description="e.g. 7")]
_CURSOR_PREFIX = "after:"


def encode_cursor(number: int) -> str:
    """Opaque to clients (they must not compute it), trivial for us: the last id seen."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{number}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ProblemError(400, "The cursor is not one this API issued.") from exc
    number = raw.removeprefix(_CURSOR_PREFIX)
    if not raw.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 16:
        raise ProblemError(400, "The cursor is not one this API issued.")
    return int(number)


def _find(service: MediaService, user: Any, video_id: int) -> Media:
    try:
        return service.get_by_number(viewer=user, kind=Kind.VIDEO, number=video_id)
    except MediaNotFound as exc:
        raise not_found(f"video {video_id}") from exc


@router.post("", status_code=201, response_model=VideoOut, responses=UPLOAD_RESPONSES)
def upload_video(
    user: CurrentUser,
    service: MediaServiceDep,
    settings: SettingsDep,
    faults: FaultsDep,
    video: Annotated[UploadFile, File(description="the video (video/* content type)")],
) -> Any:
    media = store_upload(
        service,
        owner=user,
        upload=video,
        tags=[],
        limit=settings.max_upload_bytes,
        required_kind=Kind.VIDEO,
    )
    return videos_body(VideoOut.of(media), faults, status_code=201)


@router.get(
    "",
    response_model=VideoList,
    responses={400: PROBLEM},
    dependencies=[Depends(planted_slow_list)],
)
def list_videos(
    user: CurrentUser,
    service: MediaServiceDep,
    faults: FaultsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=64, description="nextCursor of the previous page")
    ] = None,
) -> Any:
    after = decode_cursor(cursor) if cursor is not None else None
    # One more than asked: whether it exists says if there is a next page, without a count.
    found = service.list(
        viewer=user,
        kind=Kind.VIDEO,
        order=Order.NUMBER,
        after_number=after,
        limit=limit + 1,
        count=False,
    )
    items = found.items[:limit]
    more = len(found.items) > limit
    body = VideoList(
        videos=[VideoOut.of(media) for media in items],
        limit=limit,
        nextCursor=encode_cursor(items[-1].legacy_id) if more and items else None,
    )
    return videos_body(body, faults)


@router.get("/{videoId}", response_model=VideoOut)
def get_video(
    video_id: VideoId,
    user: CurrentUser,
    service: MediaServiceDep,
    faults: FaultsDep,
) -> Any:
    return videos_body(VideoOut.of(_find(service, user, video_id)), faults)


@router.get(
    "/{videoId}/stream",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
    dependencies=[Depends(planted_slow_download)],
)
def stream_video(
    video_id: VideoId,
    request: Request,
    user: CurrentUser,
    service: MediaServiceDep,
    store: StoreDep,
    faults: FaultsDep,
) -> Response:
    return blob_response(request, _find(service, user, video_id), store, faults)


@router.delete("/{videoId}", status_code=204, response_class=Response)
def delete_video(
    video_id: VideoId,
    user: CurrentUser,
    service: MediaServiceDep,
) -> Response:
    service.remove(_find(service, user, video_id))
    return Response(status_code=204)
