"""The previous release of unimedia: a pinned copy of its code, kept outside the working tree.

On the embedded target the load stage's reference must be the *last good release*, not
the checkout under test: a regression in the code itself (a slower query, anything no
``UNIMEDIA_FAULTS`` name switches on) would otherwise be on both sides of the comparison
and cancel out (issue 22 §2). The repository carries that release as a ``git archive`` of
its ``unimedia/`` package in ``releases/``, with a manifest beside it (``previous.json``:
version, source commit, the archive's sha256), cut by ``scripts/cut_previous_release.py``.
It is committed, so a fresh shallow clone without tags or history has it too.

:func:`read_previous_release` checks the manifest and the archive's hash;
:func:`unpacked` extracts it into an owned temporary directory (removed afterwards, or by
the next run if this one is killed: :mod:`postdeploy.target.leftovers`) and yields a
:class:`ReleaseCode`, which :class:`~postdeploy.target.embedded.EmbeddedUnimedia` runs
instead of the installed unimedia. Missing, malformed or altered → a one-line
:class:`~postdeploy.errors.EmbeddedTargetError`, never a quiet fall back to the working
tree (that would be the very comparison this module exists to end).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from postdeploy.errors import EmbeddedTargetError
from postdeploy.target.child_env import PROJECT_ROOT
from postdeploy.target.leftovers import owned_tempdir

__all__ = [
    "MANIFEST_KIND",
    "PREVIOUS_RELEASE",
    "PreviousRelease",
    "ReleaseCode",
    "read_previous_release",
    "unimedia_launcher",
    "unpacked",
]

#: The manifest of the release the embedded load stage compares with.
PREVIOUS_RELEASE = PROJECT_ROOT / "releases" / "previous.json"
MANIFEST_KIND = "postdeploy-previous-release"
#: What every member of the archive lives under (``git archive --prefix``).
ARCHIVE_PREFIX = "unimedia-release"

_CUT_IT = "cut it with scripts/cut_previous_release.py (docs/embedded-target.md)"


@dataclass(frozen=True, slots=True)
class PreviousRelease:
    """What ``releases/previous.json`` says: which code the archive holds, and its hash."""

    version: str
    commit: str
    archive: Path
    sha256: str
    cut_at: str
    manifest: Path

    def describe(self) -> str:
        return f"unimedia {self.version} (commit {self.commit[:12]}, {self.archive.name})"


@dataclass(frozen=True, slots=True)
class ReleaseCode:
    """A release's ``unimedia`` package on disk, ready to run: ``root/unimedia/``."""

    root: Path
    version: str
    commit: str


def read_previous_release(manifest: Path = PREVIOUS_RELEASE) -> PreviousRelease:
    """The manifest at ``manifest``, its archive present and matching its recorded hash."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EmbeddedTargetError(f"no previous release at {manifest}: {_CUT_IT}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise EmbeddedTargetError(
            f"the previous release's manifest {manifest} is unreadable ({exc}): {_CUT_IT}"
        ) from exc
    fields = ("version", "commit", "archive", "sha256", "cut_at")
    if (
        not isinstance(data, dict)
        or data.get("kind") != MANIFEST_KIND
        or not all(isinstance(data.get(name), str) and data[name] for name in fields)
    ):
        raise EmbeddedTargetError(
            f"{manifest} is not a previous-release manifest (kind {MANIFEST_KIND!r} with "
            f"{', '.join(fields)}): {_CUT_IT}"
        )
    name = PurePosixPath(data["archive"])
    if name.name != data["archive"]:  # beside the manifest, nowhere else
        raise EmbeddedTargetError(f"{manifest}: archive must be a file name beside it")
    archive = manifest.parent / data["archive"]
    try:
        digest = _sha256(archive)
    except OSError as exc:
        raise EmbeddedTargetError(
            f"the previous release's archive {archive} is unreadable "
            f"({exc.strerror or exc}): {_CUT_IT}"
        ) from exc
    if digest != data["sha256"]:
        raise EmbeddedTargetError(
            f"{archive} does not match the sha256 recorded in {manifest.name} "
            f"({digest[:12]}… ≠ {data['sha256'][:12]}…): {_CUT_IT}"
        )
    return PreviousRelease(
        version=data["version"],
        commit=data["commit"],
        archive=archive,
        sha256=digest,
        cut_at=data["cut_at"],
        manifest=manifest,
    )


@contextmanager
def unpacked(release: PreviousRelease, *, owner_pid: int | None = None) -> Iterator[ReleaseCode]:
    """The release's code extracted into an owned temporary directory, removed on exit.

    Extracted per use rather than cached: ~0.1 MB, a few milliseconds, and nothing shared
    between runs (or between xdist workers) that one of them could find half-written."""
    workdir = owned_tempdir("release", owner_pid=owner_pid)
    try:
        try:
            with tarfile.open(release.archive, "r:gz") as archive:
                members = _checked_members(archive, release.archive)
                if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse what slipped by
                    archive.extractall(workdir, members=members, filter="data")
                else:  # the members are checked above
                    archive.extractall(workdir, members=members)  # noqa: S202
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise EmbeddedTargetError(
                f"the previous release's archive {release.archive} cannot be unpacked "
                f"({exc}): {_CUT_IT}"
            ) from exc
        root = workdir / ARCHIVE_PREFIX
        if not (root / "unimedia" / "__main__.py").is_file():
            raise EmbeddedTargetError(
                f"{release.archive} holds no unimedia package under {ARCHIVE_PREFIX}/: {_CUT_IT}"
            )
        yield ReleaseCode(root=root, version=release.version, commit=release.commit)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _checked_members(archive: tarfile.TarFile, path: Path) -> list[tarfile.TarInfo]:
    """Plain files and directories under the prefix; anything else is not our archive."""
    members = []
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if (
            not parts
            or parts[0] != ARCHIVE_PREFIX
            or ".." in parts
            or not (member.isfile() or member.isdir())
        ):
            raise EmbeddedTargetError(
                f"{path} holds {member.name!r}, not a file of {ARCHIVE_PREFIX}/: {_CUT_IT}"
            )
        members.append(member)
    return members


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# How a release kept outside the working tree is run:
# its directory first on sys.path, ``-P`` so the current directory (a checkout's own
# unimedia/) is not put before it, and a check that the import really came from there —
# the editable install's finder or a stray PYTHONPATH must not run the working tree's code
# under the previous release's name. argv[1] is the directory; the rest is unimedia's CLI.
_RUN_RELEASE = """\
import runpy, sys
root = sys.argv.pop(1)
sys.path.insert(0, root)
import unimedia
if not unimedia.__file__.startswith(root + "/"):
    sys.exit(f"unimedia came from {unimedia.__file__}, not from the release at {root}")
runpy.run_module("unimedia", run_name="__main__", alter_sys=True)
"""


def unimedia_launcher(code: ReleaseCode | None) -> list[str]:
    """The command that runs ``unimedia``: the installed one (the working tree, the release
    under test) for None, else ``code``'s — followed by unimedia's own arguments."""
    if code is None:
        return [sys.executable, "-m", "unimedia"]
    return [sys.executable, "-P", "-c", _RUN_RELEASE, str(code.root)]
