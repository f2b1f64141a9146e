"""Turning an ``UploadFile`` into stored media, with the errors every upload route shares."""

from __future__ import annotations

import logging

from fastapi import UploadFile

from unimedia.filenames import clean_filename
from unimedia.models import Kind, Media, User, kind_of
from unimedia.problems import ProblemError
from unimedia.service import MediaService, normalise_content_type
from unimedia.storage import BlobTooLarge

logger = logging.getLogger(__name__)


def store_upload(
    service: MediaService,
    *,
    owner: User,
    upload: UploadFile,
    tags: list[str],
    limit: int,
    required_kind: Kind | None = None,
) -> Media:
    """Store ``upload``; 415 if a legacy route gets the wrong kind (checked before a byte is
    stored), 413 over the limit, 507 when the disk refuses. Nothing stays behind on error."""
    if required_kind is not None:
        declared = normalise_content_type(upload.content_type)
        if kind_of(declared) is not required_kind:
            raise ProblemError(
                415, f"Only {required_kind.value} content is accepted here, not {declared!r}."
            )
    try:
        return service.upload(
            owner=owner,
            filename=clean_filename(upload.filename),
            content_type=upload.content_type,
            stream=upload.file,
            tags=tags,
            limit=limit,
        )
    except BlobTooLarge as exc:
        raise ProblemError(413, f"The file is larger than {exc.limit} bytes.") from exc
    except OSError as exc:
        logger.error("cannot store an upload: %s", exc)
        raise ProblemError(507, "The media could not be stored.") from exc
