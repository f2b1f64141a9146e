"""The HTTP shapes of the v2 API (pydantic lives at this boundary only)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from unimedia.accounts import Role
from unimedia.models import Kind, Media


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 -- the OAuth 2 token type name
    expires_in: int
    role: Role


class MediaOut(BaseModel):
    id: str
    filename: str
    content_type: str
    kind: Kind
    size: int
    sha256: str
    owner: str
    tags: list[str]
    created_at: datetime

    @classmethod
    def of(cls, media: Media) -> MediaOut:
        return cls(
            id=media.id,
            filename=media.filename,
            content_type=media.content_type,
            kind=media.kind,
            size=media.size,
            sha256=media.sha256,
            owner=media.owner,
            tags=media.tags,
            created_at=media.created_at,
        )


class MediaPage(BaseModel):
    items: list[MediaOut]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]


class VersionOut(BaseModel):
    service: Literal["unimedia"] = "unimedia"
    version: str
    commit: str
    build_time: str
