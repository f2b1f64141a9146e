"""The legacy per-kind APIs ``/api/v1/images|videos|documents``, served from the unified
store. Their contracts are frozen (``docs/legacy-api.md``); each module owns one."""

from __future__ import annotations

from fastapi import APIRouter

from unimedia.api.v1 import documents, images, videos

ROUTERS: tuple[APIRouter, ...] = (images.router, videos.router, documents.router)

__all__ = ["ROUTERS"]
