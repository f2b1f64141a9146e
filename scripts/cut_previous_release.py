"""Cut the previous release: pin a commit's unimedia as the embedded load stage's reference.

    .venv/bin/python scripts/cut_previous_release.py            # HEAD: the release just shipped
    .venv/bin/python scripts/cut_previous_release.py c89939a    # a named commit

Writes ``releases/unimedia-<version>-<commit>.tar.gz`` (``git archive`` of that commit's
``unimedia/``, under ``unimedia-release/``) and ``releases/previous.json`` (version, full
commit, the archive's sha256, when), and removes the archive it replaces. Commit both: a
fresh clone (shallow, no tags) then has the previous release without any git history.
When to run it: after a release has been verified GO and shipped — what shipped becomes
the reference the next release is judged against (docs/embedded-target.md).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RELEASES = REPO / "releases"
PREFIX = "unimedia-release"  # postdeploy.target.previous_release.ARCHIVE_PREFIX
KIND = "postdeploy-previous-release"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args],  # noqa: S607 - git from PATH, as a developer runs it
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", nargs="?", default="HEAD", help="the release's commit")
    args = parser.parse_args()
    try:
        commit = git("rev-parse", "--verify", f"{args.commit}^{{commit}}")
        init = git("show", f"{commit}:unimedia/__init__.py")
    except subprocess.CalledProcessError as exc:
        print(f"error: {args.commit}: {exc.stderr.strip()}", file=sys.stderr)
        return 2
    match = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE)
    if match is None:
        print(f"error: no __version__ in unimedia/__init__.py at {commit}", file=sys.stderr)
        return 2
    version = match.group(1)
    RELEASES.mkdir(exist_ok=True)
    archive = RELEASES / f"unimedia-{version}-{commit[:12]}.tar.gz"
    git("archive", "--format=tar.gz", f"--prefix={PREFIX}/", "-o", str(archive), commit, "unimedia")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    manifest = RELEASES / "previous.json"
    if manifest.exists():
        old = json.loads(manifest.read_text(encoding="utf-8")).get("archive")
        if old and old != archive.name:
            (RELEASES / old).unlink(missing_ok=True)
    document = {
        "kind": KIND,
        "version": version,
        "commit": commit,
        "archive": archive.name,
        "sha256": digest,
        "cut_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cut_by": "scripts/cut_previous_release.py",
    }
    manifest.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    size = archive.stat().st_size
    print(f"previous release: unimedia {version} at {commit[:12]} → {archive.name} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
