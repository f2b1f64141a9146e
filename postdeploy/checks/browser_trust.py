"""Chromium that trusts one extra CA, for one launch: a private NSS database in a fresh HOME.

Chromium on Linux takes locally added trust anchors from the user's NSS database,
``$HOME/.pki/nssdb`` — there is no command-line flag that adds a CA (the flags there are
ones that *ignore* certificate errors, which would switch verification off). So the
browser of a run against an HTTPS target with its own CA (the embedded target's run CA, or
a private one) is started with ``HOME`` pointing at a temporary directory whose NSS
database trusts exactly that CA for TLS servers, made with NSS's own ``certutil``
(Debian: ``libnss3-tools``). The machine's and the user's trust stores are never touched,
and the browser still verifies the chain, the name and the dates.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from postdeploy.errors import BrowserUnavailable

__all__ = ["CERTUTIL_HINT", "trusting_home"]

CERTUTIL_HINT = (
    "certutil not found: the browser cannot be told to trust the target's CA "
    "(Debian: apt-get install libnss3-tools; or verify the embedded target with --embedded-http)"
)


@contextmanager
def trusting_home(ca_file: Path) -> Iterator[Path]:
    """A temporary HOME whose NSS database trusts ``ca_file`` to issue server certificates."""
    certutil = shutil.which("certutil")
    if certutil is None:
        raise BrowserUnavailable(CERTUTIL_HINT)
    with tempfile.TemporaryDirectory(prefix="postdeploy-browser-home-") as home:
        database = Path(home) / ".pki" / "nssdb"
        database.mkdir(parents=True)
        commands = (
            [certutil, "-N", "-d", f"sql:{database}", "--empty-password"],
            # "C,,": a CA trusted to issue TLS server certificates; nothing else
            [certutil, "-A", "-d", f"sql:{database}", "-n", "postdeploy target CA",
             "-t", "C,,", "-i", str(ca_file)],
        )  # fmt: skip
        for command in commands:
            done = subprocess.run(  # noqa: S603 - NSS's certutil, fixed arguments
                command, capture_output=True, text=True, timeout=30, check=False
            )
            if done.returncode != 0:
                why = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise BrowserUnavailable(f"cannot make the browser trust {ca_file}: {why}")
        yield Path(home)
