"""What the integration checks create: payloads per kind, and :class:`Made`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postdeploy.checks.legacy_api import LEGACY
from postdeploy.checks.sample_files import mp4, pdf, png

PAYLOADS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "image": (png, "image/png", "png"),
    "video": (mp4, "video/mp4", "mp4"),
    "document": (pdf, "application/pdf", "pdf"),
}
KINDS = tuple(PAYLOADS)


@dataclass(frozen=True)
class Made:
    """One media item a check created, as the API that created it described it."""

    kind: str
    api: str
    content: bytes
    filename: str
    content_type: str
    body: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def media_id(self) -> str:
        """The v2 id (only for v2 uploads)."""
        return str(self.body["id"])

    @property
    def legacy_id(self) -> Any:
        """The v1 id (only for v1 uploads)."""
        return self.body[LEGACY[self.kind].id_field]
