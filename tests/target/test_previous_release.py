"""The pinned previous release: read, checked, unpacked, and really the code that runs.

The load stage's proof with a code-level regression planted in a scratch copy of the
repository is in ``tests/stages/test_load_previous_release.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import httpx
import pytest

from postdeploy.errors import EmbeddedTargetError
from postdeploy.target.embedded import EmbeddedUnimedia
from postdeploy.target.previous_release import (
    ARCHIVE_PREFIX,
    MANIFEST_KIND,
    PREVIOUS_RELEASE,
    read_previous_release,
    unpacked,
)

REPO = Path(__file__).resolve().parents[2]


def _release(
    tmp_path: Path, *, version: str = "1.9.9-previous", extra: tarfile.TarInfo | None = None
) -> Path:
    """A release cut from a copy of the working tree's unimedia whose version is changed:
    a marker only the copy's code can report."""
    source = tmp_path / "source"
    shutil.copytree(
        REPO / "unimedia", source / "unimedia", ignore=shutil.ignore_patterns("__pycache__")
    )
    init = source / "unimedia" / "__init__.py"
    text, count = re.subn(
        r'^__version__ = "[^"]+"', f'__version__ = "{version}"', init.read_text(), flags=re.M
    )
    assert count == 1
    init.write_text(text)
    archive = tmp_path / "releases" / "unimedia-test.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "unimedia", arcname=f"{ARCHIVE_PREFIX}/unimedia")
        if extra is not None:
            tar.addfile(extra, io.BytesIO(b"x" * extra.size))
    manifest = archive.parent / "previous.json"
    document = {
        "kind": MANIFEST_KIND, "version": version, "commit": "0123456789ab" * 3 + "0123",
        "archive": archive.name, "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
        "cut_at": "2026-01-01T00:00:00+00:00",
    }  # fmt: skip
    manifest.write_text(json.dumps(document))
    return manifest


def test_the_committed_previous_release_is_intact() -> None:
    release = read_previous_release()  # releases/previous.json of this checkout
    assert release.manifest == PREVIOUS_RELEASE
    assert re.fullmatch(r"[0-9a-f]{40}", release.commit)
    with unpacked(release) as code:
        init = (code.root / "unimedia" / "__init__.py").read_text()
        assert f'__version__ = "{release.version}"' in init
        assert (code.root / "unimedia" / "migrations" / "versions").is_dir()
        root = code.root
    assert not root.exists(), "the unpacked copy is removed after use"


def test_the_reference_runs_the_previous_release_not_the_working_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the worst case for the import: started from a checkout (its own unimedia/ in the
    # current directory) with a PYTHONPATH naming the checkout too
    monkeypatch.chdir(REPO)
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "UNIMEDIA_FAULTS": ""}
    release = read_previous_release(_release(tmp_path))
    # plain HTTP: which code answers is the question here, not the transport
    with (
        unpacked(release) as code,
        EmbeddedUnimedia(
            log_path=tmp_path / "previous.log", environment=environment, code=code, https=False
        ) as previous,
        EmbeddedUnimedia(
            log_path=tmp_path / "current.log", environment=environment, https=False
        ) as current,
    ):  # fmt: skip
        old = httpx.get(f"{previous.url}/version").json()
        new = httpx.get(f"{current.url}/version").json()
    assert old["version"] == previous.expected_version == "1.9.9-previous"
    assert old["commit"] == release.commit
    assert new["version"] == current.expected_version != "1.9.9-previous"


def test_a_missing_previous_release_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedTargetError, match=r"^no previous release at .*cut_previous"):
        read_previous_release(tmp_path / "previous.json")


def test_an_altered_archive_is_refused(tmp_path: Path) -> None:
    manifest = _release(tmp_path)
    archive = manifest.parent / json.loads(manifest.read_text())["archive"]
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(EmbeddedTargetError, match="does not match the sha256"):
        read_previous_release(manifest)
    archive.unlink()
    with pytest.raises(EmbeddedTargetError, match=r"archive .* is unreadable"):
        read_previous_release(manifest)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "is unreadable"),
        ('{"kind": "something else"}', "is not a previous-release manifest"),
        ("[]", "is not a previous-release manifest"),
    ],
)
def test_a_malformed_manifest_is_refused(tmp_path: Path, content: str, why: str) -> None:
    manifest = tmp_path / "previous.json"
    manifest.write_text(content)
    with pytest.raises(EmbeddedTargetError, match=why) as raised:
        read_previous_release(manifest)
    assert "\n" not in str(raised.value)


def test_an_archive_reaching_outside_its_folder_is_not_unpacked(tmp_path: Path) -> None:
    escape = tarfile.TarInfo("../escaped.py")
    escape.size = 1
    release = read_previous_release(_release(tmp_path, extra=escape))
    with (
        pytest.raises(EmbeddedTargetError, match="not a file of unimedia-release/"),
        unpacked(release),
    ):
        pass
    assert not (tmp_path / "escaped.py").exists()
