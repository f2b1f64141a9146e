"""unimedia's own command line (``seed-legacy``, ``db upgrade``, ``db downgrade``), run to
completion for the rehearsals of the migration (the data stage) and of the rollback.

One place for how a failed command reads in a verdict: the stage crashed, with the
command's words and the last line of what it printed, not a traceback of ours.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from itertools import takewhile

from postdeploy.errors import StageCrashed
from postdeploy.target.previous_release import ReleaseCode, unimedia_launcher

__all__ = ["COMMAND_TIMEOUT_S", "run_unimedia"]

#: A seeded rehearsal of a few thousand records takes seconds; this bounds a hung one.
COMMAND_TIMEOUT_S = 600.0


def run_unimedia(*args: str, env: Mapping[str, str], code: ReleaseCode | None = None) -> None:
    """``python -m unimedia ARGS`` with ``env`` — the installed unimedia, or ``code``'s (a
    release kept outside the working tree); :class:`StageCrashed` if it fails."""
    command = " ".join(takewhile(lambda arg: not arg.startswith("-"), args))
    try:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and module
            [*unimedia_launcher(code), *args],
            capture_output=True, text=True, env=dict(env), timeout=COMMAND_TIMEOUT_S,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise StageCrashed(
            f"unimedia {command} did not finish within {COMMAND_TIMEOUT_S:.0f} s"
        ) from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise StageCrashed(f"unimedia {command} failed: {last}")
