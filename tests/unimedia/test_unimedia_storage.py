"""Content-addressed storage: identical bytes stored once, removed with the last reference."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from unimedia.faults import parse_faults
from unimedia.storage import BlobStore, BlobTooLarge

if TYPE_CHECKING:
    from conftest import Api


def _blobs(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_blob_address_is_the_sha256(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, faults=parse_faults(""))
    content = b"hello blob"
    staged = store.stage(io.BytesIO(content), limit=100)
    path = store.commit(staged)
    digest = hashlib.sha256(content).hexdigest()
    assert staged.sha256 == digest
    assert staged.size == len(content)
    assert path == tmp_path / digest[:2] / digest[2:]
    assert path.read_bytes() == content
    assert store.delete(digest)
    assert not store.delete(digest)
    assert not path.parent.exists()


def test_same_bytes_are_stored_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, faults=parse_faults(""))
    for _ in range(3):
        store.commit(store.stage(io.BytesIO(b"same"), limit=100))
    assert len(_blobs(tmp_path)) == 1
    assert not list((tmp_path / "tmp").iterdir())


def test_too_large_leaves_nothing_behind(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, faults=parse_faults(""))
    with pytest.raises(BlobTooLarge):
        store.stage(io.BytesIO(b"x" * 11), limit=10)
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "A" * 64, "g" * 64])
def test_only_digests_are_addresses(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        BlobStore(tmp_path, faults=parse_faults("")).path(bad)


def test_shared_blob_survives_until_the_last_media_is_deleted(api: Api) -> None:
    content = b"shared between alice and bob"
    first = api.upload("alice", content)
    second = api.upload("bob", content, filename="copy.png")
    assert first["sha256"] == second["sha256"]
    assert len(_blobs(api.settings.blob_dir)) == 1

    assert api.delete("alice", f"/api/v2/media/{first['id']}").status_code == 204
    assert api.get("bob", f"/api/v2/media/{second['id']}/content").content == content

    assert api.delete("bob", f"/api/v2/media/{second['id']}").status_code == 204
    assert _blobs(api.settings.blob_dir) == []
