"""``/api/v1/images``: the old image service's contract (``img_<n>`` ids, page/per_page)."""

from __future__ import annotations

import math
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
from unimedia.api.planted import images_body
from unimedia.api.uploads import store_upload
from unimedia.api.v1.common import (
    DOWNLOAD_RESPONSES,
    ROUTER_OPTIONS,
    UPLOAD_RESPONSES,
    not_found,
)
from unimedia.api.v1.schemas import IMAGE_ID_PATTERN, ImageDeleted, ImageList, ImageOut
from unimedia.models import Kind, Media
from unimedia.service import MediaNotFound, MediaService, Order

router = APIRouter(prefix="/api/v1/images", tags=["legacy images"], **ROUTER_OPTIONS)

ImageId = Annotated[str, Path(pattern=IMAGE_ID_PATTERN, description="e.g. img_42")]


def _find(service: MediaService, user: Any, image_id: str) -> Media:
    try:
        return service.get_by_number(viewer=user, kind=Kind.IMAGE, number=int(image_id[4:]))
    except MediaNotFound as exc:
        raise not_found(f"image {image_id!r}") from exc


@router.post("", status_code=201, response_model=ImageOut, responses=UPLOAD_RESPONSES)
def upload_image(
    user: CurrentUser,
    service: MediaServiceDep,
    settings: SettingsDep,
    faults: FaultsDep,
    image: Annotated[UploadFile, File(description="the image (image/* content type)")],
) -> Any:
    media = store_upload(
        service,
        owner=user,
        upload=image,
        tags=[],
        limit=settings.max_upload_bytes,
        required_kind=Kind.IMAGE,
    )
    return images_body(ImageOut.of(media), faults, status_code=201)


@router.get("", response_model=ImageList, dependencies=[Depends(planted_slow_list)])
def list_images(
    user: CurrentUser,
    service: MediaServiceDep,
    faults: FaultsDep,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based")] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    found = service.list(
        viewer=user,
        kind=Kind.IMAGE,
        order=Order.NUMBER,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    body = ImageList(
        images=[ImageOut.of(media) for media in found.items],
        page=page,
        per_page=per_page,
        total_count=found.total,
        total_pages=math.ceil(found.total / per_page),
    )
    return images_body(body, faults)


@router.get("/{image_id}", response_model=ImageOut)
def get_image(
    image_id: ImageId, user: CurrentUser, service: MediaServiceDep, faults: FaultsDep
) -> Any:
    return images_body(ImageOut.of(_find(service, user, image_id)), faults)


@router.get(
    "/{image_id}/file",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
    dependencies=[Depends(planted_slow_download)],
)
def download_image(
    image_id: ImageId,
    request: Request,
    user: CurrentUser,
    service: MediaServiceDep,
    store: StoreDep,
    faults: FaultsDep,
) -> Response:
    return blob_response(request, _find(service, user, image_id), store, faults)


@router.delete("/{image_id}", response_model=ImageDeleted)
def delete_image(image_id: ImageId, user: CurrentUser, service: MediaServiceDep) -> ImageDeleted:
    service.remove(_find(service, user, image_id))
    return ImageDeleted(image_id=image_id)
