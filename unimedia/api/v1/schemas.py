"""The frozen HTTP shapes of the pre-unification APIs, one set per kind.

They differ on purpose, because the three old services did: images speak snake_case with
``img_<n>`` ids and page numbers, videos speak camelCase with integer ids and cursors,
documents speak snake_case with ``doc-<n>`` ids and offset/limit plus ``next`` links. Every
field is declared here so ``/openapi.json`` states the contract exactly; the contract stage
diffs that document against a baseline, so a change in this module is a change of a
frozen public contract. See ``docs/legacy-api.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from unimedia.models import Media

IMAGE_ID_PATTERN = r"^img_[1-9][0-9]{0,15}$"
DOCUMENT_ID_PATTERN = r"^doc-[1-9][0-9]{0,15}$"
#: Integer ids stay below 2**53 so that JavaScript clients of the old APIs read them exactly.
MAX_LEGACY_NUMBER = 2**53 - 1


class _Frozen(BaseModel):
    # Responses only: an unexpected attribute must never leak into a frozen contract.
    model_config = ConfigDict(extra="forbid")


# --- images ------------------------------------------------------------------------------


class ImageOut(_Frozen):
    image_id: str = Field(pattern=IMAGE_ID_PATTERN, examples=["img_42"])
    file_name: str
    mime_type: str = Field(examples=["image/png"])
    width: int | None = Field(description="pixels, from the PNG/JPEG header; null if unknown")
    height: int | None = Field(description="pixels, from the PNG/JPEG header; null if unknown")
    size_bytes: int = Field(ge=0)
    checksum_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    owner: str
    uploaded_at: datetime

    @classmethod
    def of(cls, media: Media) -> ImageOut:
        return cls(
            image_id=f"img_{media.legacy_id}",
            file_name=media.filename,
            mime_type=media.content_type,
            width=media.width,
            height=media.height,
            size_bytes=media.size,
            checksum_sha256=media.sha256,
            owner=media.owner,
            uploaded_at=media.created_at,
        )


class ImageList(_Frozen):
    images: list[ImageOut]
    page: int = Field(ge=1, description="1-based page number")
    per_page: int = Field(ge=1)
    total_count: int = Field(ge=0)
    total_pages: int = Field(ge=0)


class ImageDeleted(_Frozen):
    deleted: Literal[True] = True
    image_id: str = Field(pattern=IMAGE_ID_PATTERN)


# --- videos ------------------------------------------------------------------------------


class VideoOut(_Frozen):
    # camelCase field names: the frozen contract of the old video service.
    videoId: int = Field(ge=1, le=MAX_LEGACY_NUMBER, examples=[7])
    fileName: str
    contentType: str = Field(examples=["video/mp4"])
    sizeBytes: int = Field(ge=0)
    durationSeconds: float | None = Field(description="from the MP4 'mvhd' box; null if unknown")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    owner: str
    createdAt: datetime

    @classmethod
    def of(cls, media: Media) -> VideoOut:
        return cls(
            videoId=media.legacy_id,
            fileName=media.filename,
            contentType=media.content_type,
            sizeBytes=media.size,
            durationSeconds=media.duration_seconds,
            sha256=media.sha256,
            owner=media.owner,
            createdAt=media.created_at,
        )


class VideoList(_Frozen):
    videos: list[VideoOut]
    limit: int = Field(ge=1)
    nextCursor: str | None = Field(
        description="opaque; pass as ?cursor= for the next page; null on the last page"
    )


# --- documents ---------------------------------------------------------------------------


class DocumentOut(_Frozen):
    doc_id: str = Field(pattern=DOCUMENT_ID_PATTERN, examples=["doc-3"])
    title: str = Field(description="the uploaded file name")
    content_type: str = Field(examples=["application/pdf"])
    pages: int = Field(ge=1, description="'/Type /Page' objects of a PDF; 1 for anything else")
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    owner: str
    created: datetime

    @classmethod
    def of(cls, media: Media) -> DocumentOut:
        return cls(
            doc_id=f"doc-{media.legacy_id}",
            title=media.filename,
            content_type=media.content_type,
            pages=media.pages or 1,
            bytes=media.size,
            sha256=media.sha256,
            owner=media.owner,
            created=media.created_at,
        )


class DocumentList(_Frozen):
    count: int = Field(ge=0, description="all documents visible to the caller")
    next: str | None = Field(description="URL of the next page; null on the last page")
    previous: str | None = Field(description="URL of the previous page; null on the first")
    results: list[DocumentOut]
